package asynclog

// The C side of the binding: thin wrappers over asynclog.h.
//
// asynclog_last_error is per OS thread, and a goroutine may move to
// another thread between two cgo calls, so every wrapper that can fail
// copies the message into the caller's buffer within the same call.
// Nothing here keeps a pointer after it returns, and nothing calls back
// into Go: hence the noescape and nocallback directives, which let the
// hot path keep its buffers on the goroutine's stack.

/*
#cgo noescape goal_log
#cgo nocallback goal_log
#cgo noescape goal_new
#cgo noescape goal_new_from_file
#cgo noescape goal_named
#cgo noescape goal_flush
#cgo noescape goal_shutdown
#cgo noescape goal_metrics
#cgo noescape goal_capture_take
#cgo nocallback goal_min_level
#cgo noescape goal_set_level

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <asynclog.h>

// Copies this thread's last error into err (cap bytes, NUL included),
// cutting a longer message; an empty string when there is none.
static void goal_copy_error(char *err, size_t cap) {
	size_t n = 0;
	char *tmp;

	if (err == NULL || cap == 0) {
		return;
	}
	if (asynclog_last_error(err, cap, &n) == ASYNCLOG_OK) {
		return;
	}
	err[0] = 0;
	tmp = malloc(n + 1);
	if (tmp == NULL) {
		return;
	}
	if (asynclog_last_error(tmp, n + 1, &n) == ASYNCLOG_OK) {
		memcpy(err, tmp, cap - 1);
		err[cap - 1] = 0;
	}
	free(tmp);
}

// The handle comes as an integer: it is C memory, and a pointer to an
// incomplete type would make cgo check it on every call.
static asynclog_status goal_log(uintptr_t logger,
		asynclog_level level, const char *msg, size_t msg_len,
		const uint8_t *fields, size_t fields_len, char *err, size_t cap) {
	asynclog_status s = asynclog_log_encoded(
		(const asynclog_logger *)logger, level, msg, msg_len, fields,
		fields_len);
	if (s != ASYNCLOG_OK) {
		goal_copy_error(err, cap);
	}
	return s;
}

// use_default selects the embedded default configuration (NULL, 0).
static asynclog_status goal_new(const char *config, size_t len,
		int use_default, asynclog_logger **out, char *err, size_t cap) {
	asynclog_status s = asynclog_logger_new(use_default ? NULL : config,
		use_default ? 0 : len, out);
	if (s != ASYNCLOG_OK) {
		goal_copy_error(err, cap);
	}
	return s;
}

static asynclog_status goal_new_from_file(const char *path, size_t len,
		asynclog_logger **out, char *err, size_t cap) {
	asynclog_status s = asynclog_logger_new_from_file(path, len, out);
	if (s != ASYNCLOG_OK) {
		goal_copy_error(err, cap);
	}
	return s;
}

static asynclog_status goal_named(const asynclog_logger *logger,
		const char *name, size_t len, asynclog_logger **out, char *err,
		size_t cap) {
	// A non-NULL name even when empty: the child logs under that name.
	static const char empty[1] = {0};
	asynclog_status s = asynclog_logger_with(logger,
		name != NULL ? name : empty, len, NULL, 0, out);
	if (s != ASYNCLOG_OK) {
		goal_copy_error(err, cap);
	}
	return s;
}

static asynclog_status goal_set_level(const asynclog_logger *logger,
		asynclog_level level, char *err, size_t cap) {
	asynclog_status s = asynclog_logger_set_level(logger, level);
	if (s != ASYNCLOG_OK) {
		goal_copy_error(err, cap);
	}
	return s;
}

// The lowest level the handle lets through, from TRACE to FATAL; AUDIT
// when none of those passes (AUDIT and SECURITY always pass).
static int goal_min_level(const asynclog_logger *logger) {
	int level;

	for (level = ASYNCLOG_LEVEL_TRACE; level <= ASYNCLOG_LEVEL_FATAL; level++) {
		if (asynclog_logger_enabled(logger, (asynclog_level)level)) {
			return level;
		}
	}
	return ASYNCLOG_LEVEL_AUDIT;
}

static asynclog_status goal_flush(const asynclog_logger *logger,
		uint64_t timeout_ms, uint64_t *pending, char *err, size_t cap) {
	asynclog_status s = asynclog_logger_flush(logger, timeout_ms, pending);
	if (s != ASYNCLOG_OK) {
		goal_copy_error(err, cap);
	}
	return s;
}

static asynclog_status goal_shutdown(const asynclog_logger *logger,
		uint64_t timeout_ms, uint64_t *pending, char *err, size_t cap) {
	asynclog_status s = asynclog_logger_shutdown(logger, timeout_ms, pending);
	if (s != ASYNCLOG_OK) {
		goal_copy_error(err, cap);
	}
	return s;
}

static asynclog_status goal_metrics(const asynclog_logger *logger,
		char *buf, size_t buf_len, size_t *len, char *err, size_t cap) {
	asynclog_status s = asynclog_logger_metrics(logger, buf, buf_len, len);
	if (s != ASYNCLOG_OK && s != ASYNCLOG_ERR_BUFFER_TOO_SMALL) {
		goal_copy_error(err, cap);
	}
	return s;
}

static asynclog_status goal_capture_take(const asynclog_logger *logger,
		const char *sink, size_t sink_len, char *buf, size_t buf_len,
		size_t *len, char *err, size_t cap) {
	asynclog_status s = asynclog_logger_capture_take(logger, sink, sink_len,
		buf, buf_len, len);
	if (s != ASYNCLOG_OK && s != ASYNCLOG_ERR_BUFFER_TOO_SMALL) {
		goal_copy_error(err, cap);
	}
	return s;
}
*/
import "C"

import (
	"unsafe"
)

// errCap is the size of the buffers that receive C error messages.
const errCap = 512

// cLogger is the C handle, for the files that do not import "C".
type cLogger = C.asynclog_logger

// cstr is a read-only view of s for C; nil for the empty string.
func cstr(s string) *C.char {
	if len(s) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s)))
}

// cbytes is a read-only view of b for C; nil when b is empty.
func cbytes(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b)))
}

// cbuf is a writable view of b for C; nil when b is empty.
func cbuf(b []byte) *C.char {
	if len(b) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer(unsafe.SliceData(b)))
}

// The Go side of each wrapper. eb receives the library's message when the
// status is not OK (nil: no message wanted).

func cLog(p *cLogger, level Level, msg string, fields, eb []byte) Status {
	return Status(C.goal_log(C.uintptr_t(uintptr(unsafe.Pointer(p))),
		C.asynclog_level(level), cstr(msg),
		C.size_t(len(msg)), cbytes(fields), C.size_t(len(fields)),
		cbuf(eb), C.size_t(len(eb))))
}

func cNew(config string, eb []byte) (*cLogger, Status) {
	var p *C.asynclog_logger
	def := C.int(0)
	if config == "" {
		def = 1
	}
	st := C.goal_new(cstr(config), C.size_t(len(config)), def, &p,
		cbuf(eb), C.size_t(len(eb)))
	return p, Status(st)
}

func cNewFromFile(path string, eb []byte) (*cLogger, Status) {
	var p *C.asynclog_logger
	st := C.goal_new_from_file(cstr(path), C.size_t(len(path)), &p,
		cbuf(eb), C.size_t(len(eb)))
	return p, Status(st)
}

func cNamed(parent *cLogger, name string, eb []byte) (*cLogger, Status) {
	var p *C.asynclog_logger
	st := C.goal_named(parent, cstr(name), C.size_t(len(name)), &p,
		cbuf(eb), C.size_t(len(eb)))
	return p, Status(st)
}

func cFree(p *cLogger) { C.asynclog_logger_free(p) }

func cSetLevel(p *cLogger, level Level, eb []byte) Status {
	return Status(C.goal_set_level(p, C.asynclog_level(level), cbuf(eb),
		C.size_t(len(eb))))
}

func cMinLevel(p *cLogger) Level { return Level(C.goal_min_level(p)) }

func cFlush(p *cLogger, timeoutMs uint64, eb []byte) (uint64, Status) {
	var pending C.uint64_t
	st := C.goal_flush(p, C.uint64_t(timeoutMs), &pending, cbuf(eb),
		C.size_t(len(eb)))
	return uint64(pending), Status(st)
}

func cShutdown(p *cLogger, timeoutMs uint64, eb []byte) (uint64, Status) {
	var pending C.uint64_t
	st := C.goal_shutdown(p, C.uint64_t(timeoutMs), &pending, cbuf(eb),
		C.size_t(len(eb)))
	return uint64(pending), Status(st)
}

// cMetrics copies the metrics JSON into buf; n is its length, also when
// the status is StatusBufferTooSmall.
func cMetrics(p *cLogger, buf, eb []byte) (int, Status) {
	var n C.size_t
	st := C.goal_metrics(p, cbuf(buf), C.size_t(len(buf)), &n, cbuf(eb),
		C.size_t(len(eb)))
	return int(n), Status(st)
}

// cCaptureTake takes a capture sink's lines into buf; n is their length,
// also when the status is StatusBufferTooSmall (nothing is taken then).
func cCaptureTake(p *cLogger, sink string, buf, eb []byte) (int, Status) {
	var n C.size_t
	st := C.goal_capture_take(p, cstr(sink), C.size_t(len(sink)), cbuf(buf),
		C.size_t(len(buf)), &n, cbuf(eb), C.size_t(len(eb)))
	return int(n), Status(st)
}

// errText is the NUL-terminated message at the start of buf.
func errText(buf []byte) string {
	for i, c := range buf {
		if c == 0 {
			return string(buf[:i])
		}
	}
	return string(buf)
}

// statusText returns asynclog_status_str(s).
func statusText(s Status) string {
	return C.GoString(C.asynclog_status_str(C.int32_t(s)))
}

// Version is the version of the asynclog library the program runs with,
// such as "0.1.0".
func Version() string { return C.GoString(C.asynclog_version()) }
