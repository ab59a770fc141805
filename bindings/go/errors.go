package asynclog

import "fmt"

// Status is a C status code (asynclog_status). The numbers are stable and
// never reused: 1-99 the caller's arguments, 100-199 configuration and
// setup, 200-299 the state of the logger, 900 and up internal.
type Status int32

// The status codes of asynclog.h.
const (
	StatusOK              Status = 0
	StatusNull            Status = 1
	StatusInvalidArgument Status = 2
	StatusBufferTooSmall  Status = 3
	StatusInvalidRecord   Status = 4
	StatusConfig          Status = 100
	StatusIO              Status = 101
	StatusQueueFull       Status = 200
	StatusTooLarge        Status = 201
	StatusClosed          Status = 202
	StatusTimeout         Status = 203
	StatusNoSuchSink      Status = 204
	StatusPanic           Status = 900
)

// String is the library's description of the status
// (asynclog_status_str), such as "logger is closed".
func (s Status) String() string { return statusText(s) }

// Error is an error reported by the C library: the status, the operation
// that failed and the library's message for it. Compare with the
// sentinels below through errors.Is, which matches on Status:
//
//	if errors.Is(err, asynclog.ErrConfig) { ... }
//
// A timed-out Flush or Close carries the number of events not yet
// written in Pending.
type Error struct {
	// Status is the C status code.
	Status Status
	// Op names the operation, such as "new" or "flush".
	Op string
	// Message is the library's message (asynclog_last_error), such as
	// "sinks[0].path: must be an absolute path"; the status description
	// when the library gave none.
	Message string
	// Pending is, for StatusTimeout, the number of events not written
	// when the time ran out.
	Pending uint64
}

// Error formats the error as "asynclog: <op>: <message>".
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Status.String()
	}
	if e.Op == "" {
		return "asynclog: " + msg
	}
	return "asynclog: " + e.Op + ": " + msg
}

// Is reports whether target is an *Error with the same Status, so that
// errors.Is(err, ErrClosed) holds for every error with StatusClosed.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status
}

func sentinel(s Status) *Error { return &Error{Status: s} }

// Sentinels for errors.Is, one per status code. An error returned by this
// package wraps one of them when it comes from the C library or from a
// call on a closed Logger.
var (
	ErrNull            = sentinel(StatusNull)
	ErrInvalidArgument = sentinel(StatusInvalidArgument)
	ErrBufferTooSmall  = sentinel(StatusBufferTooSmall)
	ErrInvalidRecord   = sentinel(StatusInvalidRecord)
	ErrConfig          = sentinel(StatusConfig)
	ErrIO              = sentinel(StatusIO)
	ErrQueueFull       = sentinel(StatusQueueFull)
	ErrTooLarge        = sentinel(StatusTooLarge)
	ErrClosed          = sentinel(StatusClosed)
	ErrTimeout         = sentinel(StatusTimeout)
	ErrNoSuchSink      = sentinel(StatusNoSuchSink)
	ErrPanic           = sentinel(StatusPanic)
)

// errClosed is what a call on a Logger whose handle Close released
// returns; it never reached the library.
var errClosed = &Error{
	Status:  StatusClosed,
	Message: "logger is closed",
}

// cError builds the error for a failed C call from its status and the
// message the wrapper copied out.
func cError(op string, s Status, msg []byte) *Error {
	return &Error{Status: s, Op: op, Message: errText(msg)}
}

// errorf is for failures found on the Go side, before any C call.
func errorf(op string, s Status, format string, args ...any) *Error {
	return &Error{Status: s, Op: op, Message: fmt.Sprintf(format, args...)}
}
