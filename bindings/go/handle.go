package asynclog

import (
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"
)

// family is what every Logger descended from one New shares on the Go
// side: the level generation and the counts of events stopped before
// they reached the library, which Metrics adds to the library's.
type family struct {
	// levelGen changes whenever SetLevel is called on any member, so
	// that each handle re-reads its level.
	levelGen atomic.Uint64
	// filtered counts events below the level, dropped in Go before any
	// field was encoded.
	filtered striped
	// refused counts events logged through a handle Close released.
	refused striped
}

// closedBit marks a handle as released in handle.state; the bits below
// count the calls in flight.
const closedBit = 1 << 62

// handle owns one C asynclog_logger. Close releases it once no call is
// in flight; otherwise a cleanup frees it when the handle becomes
// unreachable.
type handle struct {
	ptr *cLogger
	fam *family
	// state counts calls inside the library, plus closedBit once Close
	// has taken the handle.
	state atomic.Int64
	// level caches the lowest enabled level: levelGen<<8 | level.
	level atomic.Uint64
	// closing is set by the first Close.
	closing atomic.Bool
	// final is the last metrics reading, taken by Close before it freed
	// the C handle; done is closed once it is stored.
	final   atomic.Pointer[Metrics]
	done    chan struct{}
	cleanup runtime.Cleanup
}

// freed counts C handles released by cleanups, for tests.
var freed atomic.Uint64

func newHandle(ptr *cLogger, fam *family) *handle {
	h := &handle{ptr: ptr, fam: fam, done: make(chan struct{})}
	h.cleanup = runtime.AddCleanup(h, freeUnreachable, ptr)
	h.refreshLevel()
	return h
}

// closedHandle is a handle that refuses every call, for a child of a
// Logger that was already closed.
func closedHandle(fam *family, final *Metrics) *handle {
	h := &handle{fam: fam, done: make(chan struct{})}
	h.state.Store(closedBit)
	h.closing.Store(true)
	h.final.Store(final)
	close(h.done)
	return h
}

// freeUnreachable is the cleanup of a handle nobody closed. The last
// handle of a logger drains for up to its shutdown_timeout, so the work
// runs on a goroutine of its own rather than holding up other cleanups.
func freeUnreachable(ptr *cLogger) {
	go func() {
		cFree(ptr)
		freed.Add(1)
	}()
}

// acquire admits a call into the library; false once Close has taken
// the handle. Every true must be matched by release.
func (h *handle) acquire() bool {
	if h.state.Load()&closedBit != 0 {
		return false
	}
	if h.state.Add(1)&closedBit != 0 {
		h.state.Add(-1)
		return false
	}
	return true
}

func (h *handle) release() { h.state.Add(-1) }

// retire takes the handle from every caller: it waits for the calls in
// flight, reads the final metrics and frees the C handle.
func (h *handle) retire() {
	h.state.Or(closedBit)
	for spins := 0; h.state.Load() != closedBit; spins++ {
		if spins < 100 {
			runtime.Gosched()
		} else {
			time.Sleep(50 * time.Microsecond)
		}
	}
	m, err := readMetrics(h.ptr)
	if err != nil {
		m = Metrics{}
	}
	h.final.Store(&m)
	close(h.done)
	h.cleanup.Stop()
	cFree(h.ptr)
	runtime.KeepAlive(h)
}

// minLevel is the lowest level the handle lets through.
func (h *handle) minLevel() Level {
	c := h.level.Load()
	if c>>8 == h.fam.levelGen.Load() {
		return Level(c & 0xff)
	}
	return h.refreshLevel()
}

func (h *handle) refreshLevel() Level {
	gen := h.fam.levelGen.Load()
	if !h.acquire() {
		// Let the call go on to report the closed logger.
		return LevelTrace
	}
	min := cMinLevel(h.ptr)
	h.release()
	runtime.KeepAlive(h)
	h.level.Store(gen<<8 | uint64(min))
	return min
}

func (h *handle) enabled(level Level) bool {
	return level >= LevelAudit || level >= h.minLevel()
}

// log hands one event to the library: the message and the encoded
// fields in one call. errBuf receives the library's message on failure;
// with a nil errBuf the status alone is returned, as an *Error without
// message.
func (h *handle) log(level Level, msg string, fields []byte, errBuf []byte) error {
	if !h.acquire() {
		h.fam.refused.add()
		return errClosed
	}
	st := cLog(h.ptr, level, msg, fields, errBuf)
	h.release()
	runtime.KeepAlive(h)
	if st == StatusOK {
		return nil
	}
	if errBuf == nil {
		return statusError(st)
	}
	return cError("log", st, errBuf)
}

// statusError is the sentinel for s, for callers that do not want the
// message (and its allocation).
func statusError(s Status) error {
	switch s {
	case StatusQueueFull:
		return ErrQueueFull
	case StatusTooLarge:
		return ErrTooLarge
	case StatusClosed:
		return ErrClosed
	case StatusInvalidRecord:
		return ErrInvalidRecord
	case StatusInvalidArgument:
		return ErrInvalidArgument
	}
	return &Error{Status: s}
}

// stripes is the number of cells of a striped counter.
const stripes = 16

// striped is a counter spread over cache lines, so that goroutines on
// different cores rarely touch the same one. The cell is picked from the
// address of the caller's stack, which differs between goroutines.
type striped struct {
	cells [stripes]struct {
		n atomic.Uint64
		_ [56]byte
	}
}

func (s *striped) add() {
	var probe byte
	i := uint64(uintptr(unsafe.Pointer(&probe))>>11) * 0x9e3779b97f4a7c15 >> 60
	s.cells[i%stripes].n.Add(1)
}

func (s *striped) load() uint64 {
	var n uint64
	for i := range s.cells {
		n += s.cells[i].n.Load()
	}
	return n
}
