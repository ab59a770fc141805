package asynclog

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"testing/slogtest"
	"time"
)

func recordAt(msg string) slog.Record {
	return slog.NewRecord(time.Now(), slog.LevelInfo, msg, 0)
}

// slogResult reads the one line a slogtest case logged, as slogtest wants
// it: plain json.Unmarshal, with asynclog's time key "ts" renamed to
// slog.TimeKey unless the handler writes the record's time itself.
func slogResult(t *testing.T, l *Logger, recordTime bool) map[string]any {
	lines := takeLines(t, l)
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1", len(lines))
	}
	var m map[string]any
	if err := json.Unmarshal(lines[0], &m); err != nil {
		t.Fatal(err)
	}
	if !recordTime {
		if ts, ok := m["ts"]; ok {
			m[slog.TimeKey] = ts
			delete(m, "ts")
		}
	}
	return m
}

// asynclog stamps each event itself when it is handed over, and the C
// ABI takes no timestamp from the caller, so by default a record whose
// Time is zero still gets "ts". HandlerOptions.RecordTime writes the
// record's own time instead; that mode passes every case.
const zeroTimeReason = "asynclog stamps every event with its own time (\"ts\"); " +
	"asynclog_log_encoded takes no timestamp, so a zero Record.Time cannot " +
	"be left out (HandlerOptions.RecordTime can: see the RecordTime run)"

func TestTheSlogHandlerPassesSlogtest(t *testing.T) {
	var l *Logger
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		if strings.HasSuffix(t.Name(), "/zero-time") {
			t.Skip(zeroTimeReason)
		}
		l = newCapture(t)
		return NewHandler(l, nil)
	}, func(t *testing.T) map[string]any {
		return slogResult(t, l, false)
	})
}

func TestTheSlogHandlerWithRecordTimePassesEverySlogtestCase(t *testing.T) {
	var l *Logger
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		l = newCapture(t)
		return NewHandler(l, &HandlerOptions{RecordTime: true})
	}, func(t *testing.T) map[string]any {
		return slogResult(t, l, true)
	})
}

func TestSlogtestTestHandlerFindsOnlyTheZeroTimeCase(t *testing.T) {
	for _, recordTime := range []bool{false, true} {
		l := newCapture(t)
		h := NewHandler(l, &HandlerOptions{RecordTime: recordTime})
		err := slogtest.TestHandler(h, func() []map[string]any {
			var out []map[string]any
			for _, line := range takeLines(t, l) {
				var m map[string]any
				if err := json.Unmarshal(line, &m); err != nil {
					t.Fatal(err)
				}
				if !recordTime {
					m[slog.TimeKey] = m["ts"]
				}
				out = append(out, m)
			}
			return out
		})
		if recordTime && err != nil {
			t.Errorf("with RecordTime: %v", err)
		}
		if !recordTime {
			var joined interface{ Unwrap() []error }
			if !errors.As(err, &joined) || len(joined.Unwrap()) != 1 ||
				!strings.Contains(err.Error(), "zero Record.Time") {
				t.Errorf("by default only the zero-time case should fail, got: %v", err)
			}
		}
	}
}

func TestSlogLevelsMapOntoAsynclogLevels(t *testing.T) {
	l := newLogger(t, `{"level":"trace","sinks":[{"type":"capture","name":"mem"}]}`)
	log := slog.New(NewHandler(l, nil))
	ctx := context.Background()
	levels := []slog.Level{SlogLevelTrace, slog.LevelDebug, slog.LevelInfo,
		slog.LevelInfo + 2, slog.LevelWarn, slog.LevelError, slog.LevelError + 3,
		SlogLevelFatal, SlogLevelFatal + 10}
	for _, lv := range levels {
		log.Log(ctx, lv, "m")
	}
	var got []string
	for _, r := range take(t, l) {
		got = append(got, str(r["level"]))
	}
	want := []string{"TRACE", "DEBUG", "INFO", "INFO", "WARN", "ERROR", "ERROR",
		"FATAL", "FATAL"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSlogEnabledHonoursBothLevels(t *testing.T) {
	l := newCapture(t) // INFO
	ctx := context.Background()
	h := NewHandler(l, nil)
	if h.Enabled(ctx, slog.LevelDebug) || !h.Enabled(ctx, slog.LevelInfo) {
		t.Error("the Logger's level should apply")
	}
	h = NewHandler(l, &HandlerOptions{Level: slog.LevelWarn})
	if h.Enabled(ctx, slog.LevelInfo) || !h.Enabled(ctx, slog.LevelError) {
		t.Error("the options' level should apply")
	}
	log := slog.New(h)
	log.Info("filtered by the handler")
	log.Error("kept")
	if recs := take(t, l); len(recs) != 1 || recs[0]["msg"] != "kept" {
		t.Errorf("got %v", recs)
	}
}

func TestSlogGroupsBecomeNestedObjects(t *testing.T) {
	l := newCapture(t)
	log := slog.New(NewHandler(l, nil)).With("top", 1).WithGroup("req").
		With("id", "r1").WithGroup("http").WithGroup("empty")
	log.Info("m", slog.Group("args", slog.Int("n", 2), slog.Group("none")),
		slog.Group("", slog.String("inlined", "yes")), slog.Attr{})
	log.Info("no attrs")
	recs := take(t, l)
	want := map[string]any{
		"top": json.Number("1"),
		"req": map[string]any{
			"id": "r1",
			"http": map[string]any{"empty": map[string]any{
				"args":    map[string]any{"n": json.Number("2")},
				"inlined": "yes",
			}},
		},
	}
	for k, w := range want {
		if !reflect.DeepEqual(recs[0][k], w) {
			t.Errorf("%s: got %#v, want %#v", k, recs[0][k], w)
		}
	}
	wantEmpty := map[string]any{"id": "r1"}
	if !reflect.DeepEqual(recs[1]["req"], wantEmpty) {
		t.Errorf("empty groups should be left out: %#v", recs[1]["req"])
	}
}

type token string

func (token) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

func TestSlogValuesKeepTheirTypes(t *testing.T) {
	l := newCapture(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	slog.New(NewHandler(l, nil)).Info("m",
		"dur", 2*time.Second, "at", at, "u", uint64(1<<63), "f", 0.25,
		"b", false, "tok", token("secret"), "pt", point{X: 1},
		"err", errors.New("e"), "nil", nil)
	r := takeOne(t, l)
	want := map[string]any{
		"dur": json.Number("2000000000"), "at": "2026-01-02T03:04:05.000000006Z",
		"u": json.Number("9223372036854775808"), "f": json.Number("0.25"),
		"b": false, "tok": "[REDACTED]",
		"pt":  map[string]any{"X": json.Number("1"), "Y": json.Number("0")},
		"err": "e", "nil": nil,
	}
	for k, w := range want {
		if !reflect.DeepEqual(r[k], w) {
			t.Errorf("%s: got %#v, want %#v", k, r[k], w)
		}
	}
}

func TestSlogCallsCarryTheContextsFields(t *testing.T) {
	l := newCapture(t)
	ctx := WithCorrelationID(context.Background(), "req-9")
	slog.New(NewHandler(l.With(String("svc", "s")), nil)).InfoContext(ctx, "m", "k", "v")
	r := takeOne(t, l)
	if r["correlation_id"] != "req-9" || r["svc"] != "s" || r["k"] != "v" {
		t.Errorf("got %v", r)
	}
}

func TestSlogReplaceAttrSeesGroupsAndCanDrop(t *testing.T) {
	l := newCapture(t)
	var seen []string
	h := NewHandler(l, &HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			seen = append(seen, strings.Join(append(groups, a.Key), "."))
			switch a.Key {
			case "password":
				return slog.Attr{}
			case "user":
				return slog.String("user", strings.ToUpper(a.Value.String()))
			}
			return a
		},
	})
	slog.New(h).With("password", "x").WithGroup("g").With("user", "ann").
		Info("m", slog.Group("sub", "password", "y", "k", 1))
	r := takeOne(t, l)
	if _, ok := r["password"]; ok {
		t.Error("password should be dropped")
	}
	want := map[string]any{"user": "ANN", "sub": map[string]any{"k": json.Number("1")}}
	if !reflect.DeepEqual(r["g"], want) {
		t.Errorf("g: %#v", r["g"])
	}
	wantSeen := []string{"password", "g.user", "g.sub.password", "g.sub.k"}
	if !reflect.DeepEqual(seen, wantSeen) {
		t.Errorf("ReplaceAttr saw %v, want %v", seen, wantSeen)
	}
}

func TestSlogAddSourceWritesTheCaller(t *testing.T) {
	l := newCapture(t)
	slog.New(NewHandler(l, &HandlerOptions{AddSource: true})).Info("m")
	r := takeOne(t, l)
	src, _ := r["source"].(map[string]any)
	if !strings.HasSuffix(str(src["file"]), "slog_handler_passes_slogtest_test.go") ||
		!strings.Contains(str(src["function"]), "TestSlogAddSource") {
		t.Errorf("source: %v", r["source"])
	}
}
