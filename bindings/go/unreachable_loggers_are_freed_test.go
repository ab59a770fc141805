package asynclog

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

// waitFreed collects garbage until the cleanups have freed at least
// want handles more than before.
func waitFreed(t *testing.T, before, want uint64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for freed.Load() < before+want {
		if time.Now().After(deadline) {
			t.Fatalf("freed %d handles, want %d", freed.Load()-before, want)
		}
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
}

func TestALoggerNobodyClosedIsFreedAndDrained(t *testing.T) {
	config, path := fileConfig(t, `"batch":{"max_delay_ms":10000},`)
	before := freed.Load()
	func() {
		l, err := New(config)
		if err != nil {
			t.Fatal(err)
		}
		named := l.Named("child").With(String("k", "v"))
		for i := range 1000 {
			l.Info(nil, "root", Int("i", i))
			named.Info(nil, "child", Int("i", i))
		}
	}()
	waitFreed(t, before, 2)
	// The last handle drains on a goroutine of its own: wait for it.
	deadline := time.Now().Add(10 * time.Second)
	for len(readLines(t, path)) < 2000 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(readLines(t, path)); n != 2000 {
		t.Errorf("the freed logger wrote %d lines, want 2000", n)
	}
}

func TestANamedLoggerOutlivesItsUnreachableParent(t *testing.T) {
	before := freed.Load()
	var child *Logger
	func() {
		l, err := New(captureConfig)
		if err != nil {
			t.Fatal(err)
		}
		child = l.Named("survivor")
	}()
	waitFreed(t, before, 1) // the parent's handle
	child.Info(nil, "still logging")
	r := takeOne(t, child)
	if r["logger"] != "survivor" {
		t.Errorf("got %v", r)
	}
	if err := child.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestClosedHandlesAreNotFreedTwice(t *testing.T) {
	before := freed.Load()
	for range 20 {
		l, err := New(captureConfig)
		if err != nil {
			t.Fatal(err)
		}
		l.Info(nil, "m")
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	if got := freed.Load() - before; got != 0 {
		t.Errorf("cleanups freed %d handles that Close had freed", got)
	}
}

// A Logger used only by the call in progress must stay alive until the
// call returns: the handle is kept alive past every C call. With GOGC=1
// and a collector running beside it, a missing KeepAlive shows up here
// as a crash.
func TestALoggerIsKeptAliveDuringItsLastCall(t *testing.T) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
			}
		}
	}()
	ctx := WithCorrelationID(context.Background(), "alive")
	rounds := 200
	if gcMode {
		rounds = 400
	}
	for i := range rounds {
		l, err := New(captureConfig)
		if err != nil {
			t.Fatal(err)
		}
		l.With(Int("i", i)).Info(ctx, "last call", String("s", "x"))
		l.Named("n").Info(ctx, "last call of a child")
		l = nil
		runtime.Gosched()
	}
	close(stop)
	wg.Wait()
}
