package asynclog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestInvalidUTF8IsReplacedAndCounted(t *testing.T) {
	l := newCapture(t)
	bad := "caf\xe9 \xff\xfe"
	l.Info(nil, "msg "+bad, String("key "+bad, "value "+bad),
		Object("o", String("nested", bad)))
	lines := takeLines(t, l)
	if len(lines) != 1 {
		t.Fatalf("got %d lines", len(lines))
	}
	if !utf8.Valid(lines[0]) {
		t.Errorf("line is not valid UTF-8: %q", lines[0])
	}
	r := parse(t, lines[0])
	if s := str(r["msg"]); !strings.Contains(s, "\uFFFD") {
		t.Errorf("msg: %q, want U+FFFD", s)
	}
	m, _ := l.Metrics()
	if m.InvalidUTF8 != 1 {
		t.Errorf("invalid_utf8 = %d, want 1 (one event)", m.InvalidUTF8)
	}
}

func TestHugeStringsAreTruncatedWithAMarker(t *testing.T) {
	l := newCapture(t)
	huge := strings.Repeat("x", 10<<20) // 10 MiB, far past max_message_bytes
	l.Info(nil, huge, String("value", huge), Bytes("raw", []byte(huge[:1<<20])))
	r := takeOne(t, l)
	msg, val := str(r["msg"]), str(r["value"])
	if len(msg) > 70<<10 || !strings.HasSuffix(msg, "...[truncated]") {
		t.Errorf("msg: %d bytes, suffix %q", len(msg), msg[len(msg)-20:])
	}
	if len(val) > 70<<10 || !strings.HasSuffix(val, "...[truncated]") {
		t.Errorf("value: %d bytes", len(val))
	}
	m, _ := l.Metrics()
	if m.Truncated != 1 {
		t.Errorf("truncated = %d, want 1", m.Truncated)
	}
}

func TestHugeKeysAreCutToTheEncodingsLimit(t *testing.T) {
	l := newCapture(t)
	key := strings.Repeat("k", 70000) + "é" // past the u16 key length
	if err := l.Log(nil, LevelInfo, "m", Int(key, 1)); err != nil {
		t.Fatalf("Log: %v", err)
	}
	lines := takeLines(t, l)
	if len(lines) != 1 || !utf8.Valid(lines[0]) {
		t.Fatalf("got %d lines", len(lines))
	}
	if cut("aé", 2) != "a" || cut("abc", 2) != "ab" || cut("ab", 5) != "ab" {
		t.Error("cut should stop at a rune boundary")
	}
}

func TestABrokenConfigurationNamesTheKeyPath(t *testing.T) {
	cases := []struct{ config, want string }{
		{`{"sinks":[{"type":"file","path":"relative.log"}]}`, "sinks[0].path"},
		{`{"queue":{"policy":"sometimes"}}`, "queue.policy"},
		{`{"levle":"info"}`, "levle"},
		{`{"sinks":[{"type":"capture"},{"type":"syslog"}]}`, "sinks[1].type"},
		{`{not json`, ""},
		{"level = 3\n", "level"},
	}
	for _, c := range cases {
		l, err := New(c.config)
		if err == nil {
			l.Close()
			t.Errorf("New(%s) succeeded", c.config)
			continue
		}
		if !errors.Is(err, ErrConfig) {
			t.Errorf("New(%s): %v, want ErrConfig", c.config, err)
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "asynclog: new: ") {
			t.Errorf("New(%s): %q should name %q", c.config, err, c.want)
		}
	}
}

func TestAConfigurationFileIsNamedInItsErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.json")
	if err := os.WriteFile(path, []byte(`{"queue":{"capacity":"lots"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := NewFromFile(path)
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), path) ||
		!strings.Contains(err.Error(), "queue.capacity") {
		t.Errorf("got %v", err)
	}
	_, err = NewFromFile(filepath.Join(dir, "missing.toml"))
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "missing.toml") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := NewFromFile(""); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("empty path: %v", err)
	}
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("[[sinks]]\ntype = \"capture\"\nname = \"mem\"\n"), 0o600)
	l, err := NewFromFile(good)
	if err != nil {
		t.Fatal(err)
	}
	l.Info(nil, "from toml")
	if len(take(t, l)) != 1 {
		t.Error("logger from a TOML file should log")
	}
	l.Close()
}

func TestASinkThatCannotBeOpenedIsAnIOError(t *testing.T) {
	dir := t.TempDir()
	_, err := New(`{"sinks":[{"type":"file","path":"` + dir + `/no/such/dir/x.log"}]}`)
	if !errors.Is(err, ErrIO) && !errors.Is(err, ErrConfig) {
		t.Errorf("got %v", err)
	}
}

func TestEveryCallAfterCloseReturnsErrClosed(t *testing.T) {
	l, err := New(captureConfig)
	if err != nil {
		t.Fatal(err)
	}
	child := l.With(String("k", "v"))
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := context.Background()
	checks := map[string]error{
		"Log":         l.Log(ctx, LevelInfo, "m"),
		"child Log":   child.Log(ctx, LevelError, "m"),
		"Flush":       l.Flush(ctx),
		"Close again": l.Close(),
		"SetLevel":    l.SetLevel(LevelDebug),
		"Named Log":   l.Named("x").Log(ctx, LevelInfo, "m"),
	}
	_, checks["CaptureTake"] = l.CaptureTake("mem")
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	l.Info(ctx, "level methods do not panic either")
	_ = NewHandler(l, nil).Handle(ctx, recordAt("m"))
	m, err := l.Metrics()
	if err != nil {
		t.Fatalf("Metrics after Close: %v", err)
	}
	if m.Dropped.Closed != 5 || m.Submitted != 5 {
		t.Errorf("closed %d submitted %d, want 5 and 5", m.Dropped.Closed, m.Submitted)
	}
	checkBooks(t, m)
}

func TestErrorsCarryTheStatusAndMatchBySentinel(t *testing.T) {
	_, err := New(`{"sinks":[{"type":"file","path":"x"}]}`)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T", err)
	}
	if e.Status != StatusConfig || e.Op != "new" || e.Message == "" {
		t.Errorf("got %#v", e)
	}
	if errors.Is(err, ErrClosed) || !errors.Is(err, ErrConfig) {
		t.Error("errors.Is should match on the status only")
	}
	wrapped := errors.Join(errors.New("context"), err)
	if !errors.Is(wrapped, ErrConfig) {
		t.Error("errors.Is should see through wrapping")
	}
	if StatusClosed.String() != "logger is closed" || ErrTimeout.Error() != "asynclog: timed out" {
		t.Errorf("status text: %q / %q", StatusClosed, ErrTimeout)
	}
	if Status(12345).String() != "unknown status" {
		t.Error("unknown status text")
	}
}
