package bench

import (
	"context"
	"log/slog"
	"testing"
)

// log/slog's JSONHandler (RFC 3339 timestamps to the millisecond),
// writing synchronously to a buffered file, called with LogAttrs.
func slogJSON(tb testing.TB, path string) (func(int), func() error) {
	w, finish := bufferedFile(tb, path)
	log := slog.New(slog.NewJSONHandler(w, nil))
	ctx := context.Background()
	return func(i int) {
		log.LogAttrs(ctx, slog.LevelInfo, message,
			slog.Int("user_id", i),
			slog.String("path", apiPath),
			slog.Float64("latency_ms", latency(i)))
	}, finish
}

func BenchmarkSlogJSON(b *testing.B) { run(b, slogJSON) }
