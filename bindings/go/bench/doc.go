// Package bench compares the Go binding of asynclog with zap, zerolog and
// log/slog on one workload, end to end. It is a module of its own so that
// the binding's module has no third-party dependencies.
//
// The workload: INFO "request handled" with user_id (counting up), path
// "/api/v1/items" and latency_ms (12.5 + i%7), as JSON lines to a file.
// Each benchmark logs b.N events and stops its clock only once the last
// one is in the file (Close for asynclog, a flush of the buffered writer
// for the others); run it with -benchtime=2000000x for N = 2,000,000:
//
//	go test -bench . -benchtime 2000000x -count 5
//
// Besides ns/op and allocs/op, each reports events/s (end to end),
// producer-ns/op (the logging calls alone), cpu-ns/op (CPU time of the
// whole process, every thread, per event) and B/line. After each run the
// file is read back: every line must be there, in order.
package bench
