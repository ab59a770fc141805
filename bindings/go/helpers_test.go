package asynclog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// captureConfig sends every record to one capture sink named "mem".
const captureConfig = `{"sinks":[{"type":"capture","name":"mem"}]}`

// gcMode is the GC-forcing mode (ASYNCLOG_GO_GC=1): the helpers below
// collect garbage between calls into the library, so that a handle or a
// buffer whose lifetime is wrong is freed under the call that uses it.
var gcMode = os.Getenv("ASYNCLOG_GO_GC") == "1"

// gcPoint collects garbage in GC mode, once every `every` calls for loops
// that make many (i is the loop index).
func gcPoint(i, every int) {
	if gcMode && i%every == 0 {
		runtime.GC()
	}
}

// newCapture returns a Logger writing to the capture sink "mem"; it is
// closed when the test ends.
func newCapture(t testing.TB) *Logger {
	t.Helper()
	return newLogger(t, captureConfig)
}

func newLogger(t testing.TB, config string) *Logger {
	t.Helper()
	l, err := New(config)
	if err != nil {
		t.Fatalf("New(%s): %v", config, err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// fileConfig returns the configuration of one NDJSON file sink in a
// temporary directory, and the file's path.
func fileConfig(t testing.TB, extra string) (string, string) {
	path := filepath.Join(t.TempDir(), "out.ndjson")
	return `{` + extra + `"sinks":[{"type":"file","path":"` + path + `"}]}`, path
}

// takeLines flushes l and returns the lines its capture sink received.
func takeLines(t testing.TB, l *Logger) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	out, err := l.CaptureTake("mem")
	if err != nil {
		t.Fatalf("CaptureTake: %v", err)
	}
	return splitLines(out)
}

func splitLines(b []byte) [][]byte {
	var lines [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			lines = append(lines, b)
			break
		}
		lines = append(lines, b[:i])
		b = b[i+1:]
	}
	return lines
}

// record is one parsed NDJSON line; numbers stay json.Number so that
// 64-bit integers compare exactly.
type record map[string]any

func parse(t testing.TB, line []byte) record {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	var r record
	if err := d.Decode(&r); err != nil {
		t.Fatalf("line is not JSON: %v\n%s", err, line)
	}
	return r
}

// take flushes l and parses every captured line.
func take(t testing.TB, l *Logger) []record {
	t.Helper()
	var out []record
	for _, line := range takeLines(t, l) {
		out = append(out, parse(t, line))
	}
	return out
}

// takeOne is take for a test that logged exactly one event.
func takeOne(t testing.TB, l *Logger) record {
	t.Helper()
	recs := take(t, l)
	if len(recs) != 1 {
		t.Fatalf("got %d records, want 1: %v", len(recs), recs)
	}
	return recs[0]
}

// keys lists a line's keys in the order they were written.
func keys(t testing.TB, line []byte) []string {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(line))
	var ks []string
	depth := 0
	expectKey := false
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
			}
			expectKey = depth == 1 && v == '{'
			continue
		case string:
			if depth == 1 && expectKey {
				ks = append(ks, v)
				expectKey = false
				continue
			}
		}
		if depth == 1 {
			expectKey = true
		}
	}
	return ks
}

// readLines reads a file sink's output.
func readLines(t testing.TB, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines [][]byte
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<26)
	for s.Scan() {
		lines = append(lines, append([]byte(nil), s.Bytes()...))
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// checkBooks fails unless every sink's counts add up to what was
// submitted, with nothing in flight.
func checkBooks(t testing.TB, m Metrics) {
	t.Helper()
	for _, s := range m.Sinks {
		sum := s.Written + s.Filtered + s.Dropped.Total() + s.InFlight
		if sum != m.Submitted || s.InFlight != 0 {
			t.Errorf("sink %s: written %d + filtered %d + dropped %d + in flight %d = %d, submitted %d",
				s.Name, s.Written, s.Filtered, s.Dropped.Total(), s.InFlight, sum, m.Submitted)
		}
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
