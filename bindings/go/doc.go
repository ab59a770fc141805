// Package asynclog is the Go binding of asynclog, an async structured
// logging engine with a Rust core and a C ABI (libasynclog.so).
//
// A call hands the event over and returns; a worker owned by the logger
// encodes it and writes it to every sink on threads of its own:
//
//	log, err := asynclog.New(`{"sinks":[{"type":"file","path":"/var/log/app.ndjson"}]}`)
//	if err != nil { ... }
//	defer log.Close() // drains: everything logged so far is written
//
//	ctx = asynclog.WithCorrelationID(ctx, "req-42")
//	log.Info(ctx, "request handled",
//		asynclog.Int("status", 200), asynclog.Float64("latency_ms", 12.5))
//
// or through log/slog:
//
//	slog.SetDefault(slog.New(asynclog.NewHandler(log, nil)))
//
// # The hot path
//
// A level method checks the level in Go, encodes the context's fields,
// the With fields and the event's fields into a buffer on the caller's
// stack in asynclog's field encoding (the format documented at the top of
// asynclog.h), and makes one cgo call, asynclog_log_encoded. The library
// copies what it needs before it returns, so no Go memory is held by C
// afterwards. String, Int, Int64, Uint64, Float64, Bool, Bytes, Time and
// Duration fields allocate nothing.
//
// # Lifetime
//
// Close drains the logger and releases its handle; calls made after it
// return ErrClosed and are counted as dropped (closed). A Logger that is
// never closed is freed by a cleanup once unreachable, which drains too,
// but nothing is promised at exit: os.Exit runs no deferred call, so
// close the logger before it.
//
// # Errors
//
// Errors from the library are *Error values carrying the C status code
// and the library's message; errors.Is matches them against ErrClosed,
// ErrConfig, ErrTimeout and the other sentinels by status.
package asynclog
