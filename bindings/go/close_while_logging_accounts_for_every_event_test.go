package asynclog

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
)

func TestCloseWhileGoroutinesLogAccountsForEveryEvent(t *testing.T) {
	const goroutines, perGoroutine = 8, 30000
	config, path := fileConfig(t, "")
	l := newLogger(t, config)
	named := l.Named("named") // a handle of its own, still live after Close
	handler := slog.New(NewHandler(l, nil))

	var queued, closed, other atomic.Int64
	var started sync.WaitGroup
	var wg sync.WaitGroup
	for g := range goroutines {
		started.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			log := l.With(Int("g", g))
			if g%4 == 1 {
				log = named
			}
			for i := range perGoroutine {
				if i == 1000 {
					started.Done()
				}
				var err error
				if g%4 == 2 {
					handler.Info("via slog", "i", i)
					// slog reports nothing: count it from the metrics.
					continue
				}
				err = log.Log(context.Background(), LevelInfo, "event", Int("i", i))
				switch {
				case err == nil:
					queued.Add(1)
				case errors.Is(err, ErrClosed):
					closed.Add(1)
				default:
					other.Add(1)
				}
				gcPoint(i, 5000)
			}
		}()
	}
	started.Wait()
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()

	// The named Logger's handle still reads the library's counters, which
	// include what it refused after the close, plus what the closed root
	// refused in Go.
	m, err := named.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	total := uint64(goroutines * perGoroutine)
	if m.Submitted != total {
		t.Errorf("submitted %d, want %d", m.Submitted, total)
	}
	if other.Load() != 0 {
		t.Errorf("%d calls failed for another reason than the close", other.Load())
	}
	if m.Dropped.Closed == 0 || closed.Load() == 0 {
		t.Errorf("the close should have refused events: metrics %d, calls %d",
			m.Dropped.Closed, closed.Load())
	}
	checkBooks(t, m)
	s := m.Sinks[0]
	lines := readLines(t, path)
	if uint64(len(lines)) != s.Written {
		t.Errorf("file has %d lines, metrics say %d written", len(lines), s.Written)
	}
	if s.Written+s.Dropped.ShutdownTimeout+s.Dropped.Closed != total {
		t.Errorf("written %d + shutdown_timeout %d + closed %d != %d",
			s.Written, s.Dropped.ShutdownTimeout, s.Dropped.Closed, total)
	}
	// Every call that Log reported as queued was written, and every one it
	// reported as closed was counted so.
	if s.Dropped.ShutdownTimeout == 0 {
		viaSlog := uint64(perGoroutine * (goroutines / 4))
		if uint64(queued.Load())+viaSlog < s.Written || uint64(queued.Load()) > s.Written {
			t.Errorf("Log said %d queued; %d written (%d via slog)",
				queued.Load(), s.Written, viaSlog)
		}
	}
	if root, _ := l.Metrics(); root.Submitted == 0 {
		t.Error("the closed root should still report its final reading")
	}
}
