package bench

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// zap with its production JSON encoder (epoch-seconds float timestamps),
// without sampling or caller annotation, writing synchronously to a
// buffered file.
func zapJSON(tb testing.TB, path string) (func(int), func() error) {
	w, finish := bufferedFile(tb, path)
	core := zapcore.NewCore(
		zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		zapcore.AddSync(w), zapcore.InfoLevel)
	log := zap.New(core)
	return func(i int) {
			log.Info(message,
				zap.Int("user_id", i),
				zap.String("path", apiPath),
				zap.Float64("latency_ms", latency(i)))
		}, func() error {
			if err := log.Sync(); err != nil {
				return err
			}
			return finish()
		}
}

func BenchmarkZap(b *testing.B) { run(b, zapJSON) }
