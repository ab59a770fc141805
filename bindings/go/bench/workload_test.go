package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The workload's constants.
const (
	message = "request handled"
	apiPath = "/api/v1/items"
	// bufSize is the buffer of the synchronous loggers' file writers.
	bufSize = 256 << 10
)

func latency(i int) float64 { return 12.5 + float64(i%7) }

// contender sets a logger up to write to path, and returns the logging
// call for event i and the call that ends the run once everything is in
// the file.
type contender func(tb testing.TB, path string) (log func(i int), finish func() error)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// run measures b.N events end to end and checks the file afterwards.
func run(b *testing.B, c contender) {
	runN(b, func(tb testing.TB, path string) (func(first, n int), func() error) {
		log, finish := c(tb, path)
		return func(first, n int) {
			for i := first; i < first+n; i++ {
				log(i)
			}
		}, finish
	})
}

// runN is run for a contender that logs a run of events in one call.
func runN(b *testing.B, c func(tb testing.TB, path string) (func(first, n int), func() error)) {
	path := filepath.Join(b.TempDir(), "out.ndjson")
	logN, finish := c(b, path)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	logN(0, b.N)
	produced := time.Since(start)
	if err := finish(); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()

	size := verify(b, path, b.N)
	n := float64(b.N)
	b.ReportMetric(n/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(produced.Nanoseconds())/n, "producer-ns/op")
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/op")
	b.ReportMetric(float64(size)/n, "B/line")
	os.Remove(path)
}

// verify reads the file back: n lines, each with the workload's fields,
// user_id counting up from 0. It returns the file's size.
func verify(tb testing.TB, path string, n int) int64 {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<16), 1<<20)
	i := 0
	for s.Scan() {
		line := s.Bytes()
		// Parse a sample in full; check the rest cheaply.
		if i%4096 == 0 || i == n-1 {
			var r struct {
				Msg     string  `json:"msg"`
				Message string  `json:"message"`
				UserID  int     `json:"user_id"`
				Path    string  `json:"path"`
				Latency float64 `json:"latency_ms"`
			}
			if err := json.Unmarshal(line, &r); err != nil {
				tb.Fatalf("line %d: %v: %s", i, err, line)
			}
			if r.Msg+r.Message != message || r.UserID != i || r.Path != apiPath ||
				r.Latency != latency(i) {
				tb.Fatalf("line %d is wrong: %s", i, line)
			}
		} else if !bytes.Contains(line, []byte(apiPath)) {
			tb.Fatalf("line %d is wrong: %s", i, line)
		}
		i++
	}
	if err := s.Err(); err != nil {
		tb.Fatal(err)
	}
	if i != n {
		tb.Fatalf("the file has %d lines, want %d", i, n)
	}
	return st.Size()
}

// bufferedFile opens path behind a bufSize buffer, for the synchronous
// loggers; finish flushes and closes it.
func bufferedFile(tb testing.TB, path string) (*bufio.Writer, func() error) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, bufSize)
	return w, func() error {
		if err := w.Flush(); err != nil {
			return err
		}
		return f.Close()
	}
}

var contenders = map[string]contender{
	"asynclog":      asynclogPlain,
	"asynclog-slog": asynclogSlog,
	"zap":           zapJSON,
	"zerolog":       zerologJSON,
	"slog-json":     slogJSON,
}

func TestTheCLoopWritesTheWholeWorkload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.ndjson")
	logN, finish := asynclogFromC(t, path)
	logN(0, 10000)
	if err := finish(); err != nil {
		t.Fatal(err)
	}
	verify(t, path, 10000)
}

func TestEveryContenderWritesTheWholeWorkload(t *testing.T) {
	for name, c := range contenders {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.ndjson")
			log, finish := c(t, path)
			for i := range 10000 {
				log(i)
			}
			if err := finish(); err != nil {
				t.Fatal(err)
			}
			verify(t, path, 10000)
		})
	}
}
