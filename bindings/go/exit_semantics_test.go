package asynclog

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The exit tests run this test binary again as a child that logs to a
// file and exits in a given way; the parent then reads the file.

const exitEvents = 20000

func TestMain(m *testing.M) {
	if mode := os.Getenv("ASYNCLOG_GO_EXIT_CHILD"); mode != "" {
		exitChild(mode, os.Getenv("ASYNCLOG_GO_EXIT_PATH"))
		return
	}
	os.Exit(m.Run())
}

func exitChild(mode, path string) {
	l, err := New(`{"batch":{"max_delay_ms":10000},"sinks":[{"type":"file","path":"` + path + `"}]}`)
	if err != nil {
		os.Exit(10)
	}
	for i := range exitEvents {
		l.Info(context.Background(), "e", Int("i", i))
	}
	switch mode {
	case "close":
		if l.Close() != nil {
			os.Exit(11)
		}
	case "flush":
		if l.Flush(context.Background()) != nil {
			os.Exit(11)
		}
	case "exit":
	}
	os.Exit(3)
}

func runExitChild(t *testing.T, mode string) int {
	t.Helper()
	path := filepath.Join(t.TempDir(), "exit.ndjson")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ASYNCLOG_GO_EXIT_CHILD="+mode,
		"ASYNCLOG_GO_EXIT_PATH="+path)
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("child %s: %v", mode, err)
	}
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	return len(readLines(t, path))
}

func TestCloseBeforeOsExitWritesEverything(t *testing.T) {
	if n := runExitChild(t, "close"); n != exitEvents {
		t.Errorf("Close then os.Exit: %d lines, want %d", n, exitEvents)
	}
}

func TestFlushBeforeOsExitWritesEverything(t *testing.T) {
	if n := runExitChild(t, "flush"); n != exitEvents {
		t.Errorf("Flush then os.Exit: %d lines, want %d", n, exitEvents)
	}
}

// os.Exit runs no deferred call and no cleanup: what is still queued is
// lost. The test only records how much survived; it must not hang or
// crash.
func TestOsExitWithoutCloseMayLoseQueuedEvents(t *testing.T) {
	n := runExitChild(t, "exit")
	if n > exitEvents {
		t.Fatalf("%d lines, more than logged", n)
	}
	t.Logf("os.Exit without Close: %d of %d events reached the file", n, exitEvents)
}
