package asynclog

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"
)

// DefaultTimeout is how long Flush waits when its context has no
// deadline, and how long Close lets the logger drain. It matches the
// library's default shutdown_timeout.
const DefaultTimeout = 5 * time.Second

// stackBytes is the room for a record's fields on the caller's stack; a
// larger record's buffer comes from the heap.
const stackBytes = 512

// Logger logs events through one asynclog logger. It is safe for use by
// any number of goroutines at once.
//
// A Logger from New owns the logger; With and Named derive Loggers that
// share its queue, sinks and threads. Close (on any of them) drains and
// stops that logger.
type Logger struct {
	h *handle
	// bound holds the fields of With, already encoded.
	bound []byte
	// ctxFunc pulls more fields out of each call's context.
	ctxFunc ContextFunc
}

// New creates a logger from a configuration document: JSON when it starts
// with "{", TOML otherwise, with the ASYNCLOG_* environment overrides
// applied. An empty config selects the embedded default, NDJSON to stdout
// at INFO. Every key is described in the repository's README.
//
// A refused configuration returns an error wrapping ErrConfig whose
// message names the key path ("sinks[0].path: must be an absolute
// path"); a sink that cannot be opened returns one wrapping ErrIO.
func New(config string) (*Logger, error) {
	var eb [errCap]byte
	p, st := cNew(config, eb[:])
	if st != StatusOK {
		return nil, cError("new", st, eb[:])
	}
	return &Logger{h: newHandle(p, &family{})}, nil
}

// NewFromFile creates a logger from a configuration file: JSON for
// .json, TOML for .toml, otherwise detected from the content. Errors
// name the file and the key path.
func NewFromFile(path string) (*Logger, error) {
	if path == "" {
		return nil, errorf("new", StatusInvalidArgument, "empty path")
	}
	var eb [errCap]byte
	p, st := cNewFromFile(path, eb[:])
	if st != StatusOK {
		return nil, cError("new", st, eb[:])
	}
	return &Logger{h: newHandle(p, &family{})}, nil
}

// With returns a Logger that adds fields to every event, after the
// context's fields and before the event's own. The fields are encoded
// once, here; nothing of them is kept. When a key repeats in an event,
// the last one wins: the event's fields over With's over the context's.
func (l *Logger) With(fields ...Field) *Logger {
	if len(fields) == 0 {
		return l
	}
	c := *l
	c.bound = appendFields(append([]byte(nil), l.bound...), fields)
	return &c
}

// Named returns a Logger whose events carry name as their logger name
// (the "logger" key of NDJSON), replacing the current one, and which
// takes the level configured for that name under "loggers", if any.
// Fields added by With are kept. Unlike With it creates a library
// handle, so derive named Loggers once, not per event.
func (l *Logger) Named(name string) *Logger {
	c := *l
	h := l.h
	if !h.acquire() {
		<-h.done
		c.h = closedHandle(h.fam, h.final.Load())
		return &c
	}
	var eb [errCap]byte
	p, st := cNamed(h.ptr, name, eb[:])
	h.release()
	runtime.KeepAlive(h)
	if st != StatusOK {
		// Not reachable with a live handle and a non-NULL name; keep
		// the parent's handle rather than lose events.
		return &c
	}
	c.h = newHandle(p, h.fam)
	return &c
}

// ContextFunc adds fields taken from a call's context, such as the ids of
// an OpenTelemetry span: it appends them to fields and returns the
// result, as the append built-in does. It runs on every event logged
// with a non-nil context, after the level check.
type ContextFunc func(ctx context.Context, fields []Field) []Field

// WithContextFunc returns a Logger that calls f for every event to add
// fields from its context, after those of WithCorrelationID, WithTrace
// and WithContextFields.
func (l *Logger) WithContextFunc(f ContextFunc) *Logger {
	c := *l
	c.ctxFunc = f
	return &c
}

// Enabled reports whether an event at level would be logged, so that
// callers can skip building expensive fields.
func (l *Logger) Enabled(level Level) bool { return l.h.enabled(level) }

// SetLevel sets the lowest level logged by this Logger and by those
// that share its level: the Loggers derived from it by With, and the
// Named ones without a level of their own under "loggers".
func (l *Logger) SetLevel(level Level) error {
	h := l.h
	if !h.acquire() {
		return errClosed
	}
	var eb [errCap]byte
	st := cSetLevel(h.ptr, level, eb[:])
	h.release()
	runtime.KeepAlive(h)
	h.fam.levelGen.Add(1)
	if st != StatusOK {
		return cError("set level", st, eb[:])
	}
	return nil
}

// The level methods log an event and report nothing: an event that could
// not be queued is counted in Metrics by reason (queue_full, too_large,
// closed...). Use Log to get the outcome of one call.
//
// The context comes first, as in log/slog's InfoContext and friends. Its
// correlation id, trace ids and other context fields are added at the
// start of the event's fields. A nil context is allowed and adds nothing.

// Trace logs at TRACE.
func (l *Logger) Trace(ctx context.Context, msg string, fields ...Field) {
	l.log(ctx, LevelTrace, msg, fields)
}

// Debug logs at DEBUG.
func (l *Logger) Debug(ctx context.Context, msg string, fields ...Field) {
	l.log(ctx, LevelDebug, msg, fields)
}

// Info logs at INFO.
func (l *Logger) Info(ctx context.Context, msg string, fields ...Field) {
	l.log(ctx, LevelInfo, msg, fields)
}

// Warn logs at WARN.
func (l *Logger) Warn(ctx context.Context, msg string, fields ...Field) {
	l.log(ctx, LevelWarn, msg, fields)
}

// Error logs at ERROR.
func (l *Logger) Error(ctx context.Context, msg string, fields ...Field) {
	l.log(ctx, LevelError, msg, fields)
}

// Fatal logs at FATAL. Unlike the standard library's log.Fatal it does
// not exit: call Close, then os.Exit, so that the event is written.
func (l *Logger) Fatal(ctx context.Context, msg string, fields ...Field) {
	l.log(ctx, LevelFatal, msg, fields)
}

// Audit logs an AUDIT event: never filtered or sampled, and by default
// never dropped (the producer waits for room instead).
func (l *Logger) Audit(ctx context.Context, msg string, fields ...Field) {
	l.log(ctx, LevelAudit, msg, fields)
}

// Security logs a SECURITY event, treated as Audit is.
func (l *Logger) Security(ctx context.Context, msg string, fields ...Field) {
	l.log(ctx, LevelSecurity, msg, fields)
}

// Log logs an event at any level and reports what became of it: nil once
// it is queued or filtered by level (counted as filtered); an error
// wrapping ErrQueueFull, ErrTooLarge or ErrClosed when it was dropped
// (and counted); ErrInvalidArgument for a level that does not exist.
func (l *Logger) Log(ctx context.Context, level Level, msg string, fields ...Field) error {
	if !level.valid() {
		return errorf("log", StatusInvalidArgument,
			"level %d is not one of the Level constants", level)
	}
	if !l.h.enabled(level) {
		l.h.fam.filtered.add()
		return nil
	}
	var stack [stackBytes]byte
	var eb [errCap]byte
	buf := l.appendContext(stack[:0], ctx)
	buf = append(buf, l.bound...)
	buf = appendFields(buf, fields)
	return l.h.log(level, msg, buf, eb[:])
}

// log is the hot path: the level check in Go, the fields encoded into a
// buffer on the stack, one call into the library.
func (l *Logger) log(ctx context.Context, level Level, msg string, fields []Field) {
	h := l.h
	if level < LevelAudit && level < h.minLevel() {
		h.fam.filtered.add()
		return
	}
	var stack [stackBytes]byte
	buf := l.appendContext(stack[:0], ctx)
	buf = append(buf, l.bound...)
	buf = appendFields(buf, fields)
	h.log(level, msg, buf, nil)
}

// logEncoded logs fields another part of the package encoded.
func (l *Logger) logEncoded(level Level, msg string, fields []byte) error {
	return l.h.log(level, msg, fields, nil)
}

var fieldPool = sync.Pool{New: func() any { return new([]Field) }}

// appendContext writes the fields of ctx: those of the helpers in
// context.go, then those of the ContextFunc.
func (l *Logger) appendContext(b []byte, ctx context.Context) []byte {
	if ctx == nil {
		return b
	}
	if d, ok := ctx.Value(ctxKey{}).(*ctxData); ok {
		b = append(b, d.enc...)
	}
	if l.ctxFunc != nil {
		p := fieldPool.Get().(*[]Field)
		fs := l.ctxFunc(ctx, (*p)[:0])
		b = appendFields(b, fs)
		clear(fs)
		*p = fs[:0]
		fieldPool.Put(p)
	}
	return b
}

// Flush waits until every event logged before the call has been written
// by every sink (or filtered or dropped, and counted). It waits until the
// context's deadline, or DefaultTimeout without one; cancelling the
// context does not cut the wait short. A context already done returns its
// error at once.
//
// When time runs out the error wraps ErrTimeout and its Pending field
// holds the number of events not yet written.
func (l *Logger) Flush(ctx context.Context) error {
	if ctx != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	h := l.h
	if !h.acquire() {
		return errClosed
	}
	var eb [errCap]byte
	pending, st := cFlush(h.ptr, timeoutMs(ctx), eb[:])
	h.release()
	runtime.KeepAlive(h)
	if st != StatusOK {
		e := cError("flush", st, eb[:])
		e.Pending = pending
		return e
	}
	return nil
}

// Close drains the logger and stops it, waiting up to DefaultTimeout: see
// Shutdown.
func (l *Logger) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	return l.Shutdown(ctx)
}

// Shutdown drains the logger and stops it: new events are refused (and
// counted as dropped, reason closed), every event queued before is
// written within the context's deadline (DefaultTimeout without one),
// and the logger's threads stop. What could not be written in time is
// counted as shutdown_timeout, and the error then wraps ErrTimeout with
// the count in its Pending field.
//
// Shutdown stops the logger shared by every Logger derived from the same
// New, and releases this Logger's library handle: afterwards its calls
// return ErrClosed, and Metrics returns the reading taken at the close.
// Calling it again returns ErrClosed.
//
// Without Close nothing is promised at exit: os.Exit runs no deferred
// call, and events still queued are lost.
func (l *Logger) Shutdown(ctx context.Context) error {
	h := l.h
	if !h.closing.CompareAndSwap(false, true) {
		return errClosed
	}
	var err error
	var lostBefore uint64
	shut := false
	if h.acquire() {
		if m, merr := readMetrics(h.ptr); merr == nil {
			lostBefore = m.shutdownLost()
		}
		var eb [errCap]byte
		pending, st := cShutdown(h.ptr, timeoutMs(ctx), eb[:])
		h.release()
		runtime.KeepAlive(h)
		shut = true
		if st != StatusOK {
			e := cError("close", st, eb[:])
			e.Pending = pending
			err = e
		}
	}
	h.retire()
	// The library may count what the deadline cut off as shutdown_timeout
	// and still return OK; the final reading tells.
	if shut && err == nil {
		if lost := h.final.Load().shutdownLost(); lost > lostBefore {
			n := lost - lostBefore
			err = &Error{Status: StatusTimeout, Op: "close", Pending: n,
				Message: fmt.Sprintf("timed out with %d events not yet written", n)}
		}
	}
	return err
}

// timeoutMs is the time left until ctx's deadline in milliseconds,
// rounded up; DefaultTimeout without a deadline.
func timeoutMs(ctx context.Context) uint64 {
	d := DefaultTimeout
	if ctx != nil {
		if dl, ok := ctx.Deadline(); ok {
			d = time.Until(dl)
		}
	}
	if d <= 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxInt64/2 {
		ms = math.MaxInt64 / 2
	}
	return uint64(ms)
}
