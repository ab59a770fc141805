package asynclog

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// The allocation checks skip under the race detector, which allocates on
// its own account.

func TestTheHotPathAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	l := newCapture(t)
	ctx := WithTrace(WithCorrelationID(context.Background(), "req-1"), "t", "s")
	child := l.With(String("service", "checkout"))
	payload := []byte("payload")
	at := time.Now()
	i := 0
	cases := map[string]func(){
		"String/Int/Float64/Bool": func() {
			l.Info(ctx, "request handled", Int("user_id", i),
				String("path", "/api/v1/items"), Float64("latency_ms", 12.5),
				Bool("ok", true))
		},
		"With child": func() {
			child.Info(ctx, "request handled", Int64("user_id", int64(i)),
				Uint64("bytes", 512))
		},
		"Bytes/Time/Duration": func() {
			l.Info(ctx, "m", Bytes("b", payload), Time("at", at),
				Duration("took", time.Millisecond))
		},
		"filtered": func() {
			l.Debug(ctx, "below the level", Int("user_id", i))
		},
		"Log": func() {
			_ = l.Log(ctx, LevelWarn, "m", Int("user_id", i))
		},
	}
	for name, f := range cases {
		allocs := testing.AllocsPerRun(2000, func() { f(); i++ })
		if allocs != 0 {
			t.Errorf("%s: %.1f allocs per call, want 0", name, allocs)
		}
	}
	takeLines(t, l)
}

func TestTheSlogHandlerAllocatesNothingForScalarAttrs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	l := newCapture(t)
	log := slog.New(NewHandler(l, nil)).With("service", "checkout").WithGroup("req")
	ctx := WithCorrelationID(context.Background(), "req-1")
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		log.LogAttrs(ctx, slog.LevelInfo, "request handled",
			slog.Int("user_id", i), slog.String("path", "/api/v1/items"),
			slog.Float64("latency_ms", 12.5), slog.Bool("ok", true))
		i++
	})
	if allocs != 0 {
		t.Errorf("%.1f allocs per call, want 0", allocs)
	}
	takeLines(t, l)
}
