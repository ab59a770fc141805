package bench

import (
	"context"
	"testing"

	asynclog "github.com/asynclog/asynclog-go"
)

// BenchmarkAsynclogCallCost is the time a caller waits per event when the
// logger keeps up: events go in bursts of 8192, well under the queue's
// 65536 slots, and the clock stops while each burst is flushed. The
// end-to-end benchmarks above measure the opposite case, a producer that
// never pauses, where each call waits for queue room.
func BenchmarkAsynclogCallCost(b *testing.B) {
	l := newAsynclog(b, b.TempDir()+"/out.ndjson")
	defer l.Close()
	ctx := context.Background()
	const burst = 8192
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%burst == 0 && i > 0 {
			b.StopTimer()
			if err := l.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		l.Info(ctx, message,
			asynclog.Int("user_id", i),
			asynclog.String("path", apiPath),
			asynclog.Float64("latency_ms", latency(i)))
	}
}
