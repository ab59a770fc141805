package asynclog

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
)

func TestConcurrentGoroutinesLoseNothingAndKeepTheirOrder(t *testing.T) {
	const goroutines, perGoroutine = 16, 10000
	l := newCapture(t)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := WithCorrelationID(context.Background(), "g"+strconv.Itoa(g))
			log := l.With(Int("g", g))
			if g%2 == 1 {
				log = log.Named(fmt.Sprintf("worker-%d", g))
			}
			for i := range perGoroutine {
				log.Info(ctx, "event", Int("seq", i),
					String("path", "/api/v1/items"), Float64("latency_ms", 12.5+float64(i%7)))
				gcPoint(i, 1000)
			}
		}()
	}
	wg.Wait()

	lines := takeLines(t, l)
	if len(lines) != goroutines*perGoroutine {
		t.Fatalf("got %d lines, want %d", len(lines), goroutines*perGoroutine)
	}
	next := make([]int, goroutines)
	for n, line := range lines {
		var r struct {
			Msg           string  `json:"msg"`
			Logger        string  `json:"logger"`
			CorrelationID string  `json:"correlation_id"`
			G             int     `json:"g"`
			Seq           int     `json:"seq"`
			Path          string  `json:"path"`
			Latency       float64 `json:"latency_ms"`
		}
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("line %d: %v: %s", n, err, line)
		}
		if r.G < 0 || r.G >= goroutines {
			t.Fatalf("line %d: goroutine %d", n, r.G)
		}
		if r.Seq != next[r.G] {
			t.Fatalf("line %d: goroutine %d logged seq %d, want %d (lost or reordered)",
				n, r.G, r.Seq, next[r.G])
		}
		next[r.G]++
		wantLogger := "app"
		if r.G%2 == 1 {
			wantLogger = fmt.Sprintf("worker-%d", r.G)
		}
		if r.Msg != "event" || r.Path != "/api/v1/items" || r.Logger != wantLogger ||
			r.CorrelationID != "g"+strconv.Itoa(r.G) || r.Latency != 12.5+float64(r.Seq%7) {
			t.Fatalf("line %d: wrong content: %s", n, line)
		}
	}
	m, err := l.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	if m.Submitted != goroutines*perGoroutine {
		t.Errorf("submitted %d", m.Submitted)
	}
	checkBooks(t, m)
}
