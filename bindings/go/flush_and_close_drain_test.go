package asynclog

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestFlushWaitsUntilEverythingIsWritten(t *testing.T) {
	config, path := fileConfig(t, `"batch":{"max_delay_ms":10000},`)
	l := newLogger(t, config)
	for i := range 1000 {
		l.Info(nil, "e", Int("i", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(readLines(t, path)); n != 1000 {
		t.Errorf("after Flush the file has %d lines, want 1000", n)
	}
	if err := l.Flush(nil); err != nil {
		t.Errorf("Flush(nil) uses the default timeout: %v", err)
	}
}

func TestFlushWithADoneContextReturnsAtOnce(t *testing.T) {
	l := newCapture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestCloseDrainsEveryQueuedEvent(t *testing.T) {
	config, path := fileConfig(t, `"batch":{"max_delay_ms":10000},`)
	l, err := New(config)
	if err != nil {
		t.Fatal(err)
	}
	const n = 50000
	for i := range n {
		l.Info(nil, "e", Int("i", i))
		gcPoint(i, 5000)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	lines := readLines(t, path)
	if len(lines) != n {
		t.Fatalf("after Close the file has %d lines, want %d", len(lines), n)
	}
	m, _ := l.Metrics()
	if m.Sinks[0].Written != n {
		t.Errorf("written %d", m.Sinks[0].Written)
	}
	checkBooks(t, m)
}

func TestACloseThatRunsOutOfTimeReportsThePendingCount(t *testing.T) {
	config, _ := fileConfig(t, `"queue":{"capacity":1048576,"max_bytes":"512MiB"},`+
		`"batch":{"max_events":1},`)
	l, err := New(config)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300000 {
		l.Info(nil, "e", Int("i", i), String("pad", "some padding to slow the writer"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = l.Shutdown(ctx)
	m, _ := l.Metrics()
	if err == nil {
		t.Skipf("the machine drained 300000 events within 20ms; nothing to check")
	}
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrTimeout) || e.Pending == 0 {
		t.Fatalf("got %#v, want ErrTimeout with a pending count", err)
	}
	if e.Op != "close" || !contains(e.Error(), "not yet written") {
		t.Errorf("message: %q", e.Error())
	}
	if got := m.Sinks[0].Dropped.ShutdownTimeout; got == 0 || got > e.Pending {
		t.Errorf("shutdown_timeout %d, pending %d", got, e.Pending)
	}
	checkBooks(t, m)
}

func TestAFlushThatRunsOutOfTimeReportsThePendingCount(t *testing.T) {
	config, _ := fileConfig(t, `"queue":{"capacity":1048576,"max_bytes":"512MiB"},`+
		`"batch":{"max_events":1},`)
	l := newLogger(t, config)
	for i := range 300000 {
		l.Info(nil, "e", Int("i", i), String("pad", "some padding to slow the writer"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := l.Flush(ctx)
	if err == nil {
		t.Skip("the machine drained 300000 events within 20ms")
	}
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrTimeout) || e.Pending == 0 || e.Op != "flush" {
		t.Fatalf("got %#v", err)
	}
}
