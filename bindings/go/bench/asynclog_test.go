package bench

import (
	"context"
	"log/slog"
	"testing"

	asynclog "github.com/asynclog/asynclog-go"
)

// asynclog with its default pipeline (queue of 65536, block policy,
// batches up to 4096 events or 1 MiB) and one NDJSON file sink.
func newAsynclog(tb testing.TB, path string) *asynclog.Logger {
	l, err := asynclog.New(`{"sinks":[{"type":"file","path":"` + path + `"}]}`)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func asynclogPlain(tb testing.TB, path string) (func(int), func() error) {
	l := newAsynclog(tb, path)
	ctx := context.Background()
	return func(i int) {
		l.Info(ctx, message,
			asynclog.Int("user_id", i),
			asynclog.String("path", apiPath),
			asynclog.Float64("latency_ms", latency(i)))
	}, l.Close
}

// asynclog through log/slog, with slog's fastest call, LogAttrs.
func asynclogSlog(tb testing.TB, path string) (func(int), func() error) {
	l := newAsynclog(tb, path)
	log := slog.New(asynclog.NewHandler(l, nil))
	ctx := context.Background()
	return func(i int) {
		log.LogAttrs(ctx, slog.LevelInfo, message,
			slog.Int("user_id", i),
			slog.String("path", apiPath),
			slog.Float64("latency_ms", latency(i)))
	}, l.Close
}

func BenchmarkAsynclog(b *testing.B)     { run(b, asynclogPlain) }
func BenchmarkAsynclogSlog(b *testing.B) { run(b, asynclogSlog) }

// BenchmarkAsynclogFromC logs the workload from a C loop: the binding's
// baseline (see cloop.go).
func BenchmarkAsynclogFromC(b *testing.B) { runN(b, asynclogFromC) }
