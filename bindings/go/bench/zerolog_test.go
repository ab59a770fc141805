package bench

import (
	"testing"

	"github.com/rs/zerolog"
)

// zerolog with its defaults (RFC 3339 timestamps to the second), writing
// synchronously to a buffered file.
func zerologJSON(tb testing.TB, path string) (func(int), func() error) {
	w, finish := bufferedFile(tb, path)
	log := zerolog.New(w).With().Timestamp().Logger()
	return func(i int) {
		log.Info().
			Int("user_id", i).
			Str("path", apiPath).
			Float64("latency_ms", latency(i)).
			Msg(message)
	}, finish
}

func BenchmarkZerolog(b *testing.B) { run(b, zerologJSON) }
