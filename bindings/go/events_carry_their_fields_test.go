package asynclog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"
)

func TestEveryFieldTypeIsWrittenWithItsType(t *testing.T) {
	l := newCapture(t)
	at := time.Date(2026, 12, 3, 10, 4, 5, 123456789, time.UTC)
	l.Info(context.Background(), "all types",
		String("s", "text"),
		Int("i", -7),
		Int64("i64", math.MinInt64),
		Uint64("u64", math.MaxUint64),
		Float64("f", 12.5),
		Bool("yes", true),
		Bool("no", false),
		Bytes("raw", []byte{0, 1, 2, 0xff}),
		Null("nothing"),
		Time("at", at),
		Duration("took", 1500*time.Millisecond),
		Err(errors.New("boom")),
		Object("obj", String("a", "b"), Object("inner", Int("n", 1))),
		Array("arr", Int64Value(1), StringValue("two"), BoolValue(true),
			ObjectValue(Int("k", 3)), ArrayValue(NullValue())),
	)
	got := takeOne(t, l)
	want := map[string]any{
		"s":       "text",
		"i":       json.Number("-7"),
		"i64":     json.Number("-9223372036854775808"),
		"u64":     json.Number("18446744073709551615"),
		"f":       json.Number("12.5"),
		"yes":     true,
		"no":      false,
		"raw":     base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xff}),
		"nothing": nil,
		"at":      "2026-12-03T10:04:05.123456789Z",
		"took":    json.Number("1500000000"),
		"error":   "boom",
		"obj": map[string]any{
			"a":     "b",
			"inner": map[string]any{"n": json.Number("1")},
		},
		"arr": []any{json.Number("1"), "two", true,
			map[string]any{"k": json.Number("3")}, []any{nil}},
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s: got %#v, want %#v", k, got[k], w)
		}
	}
	if got["msg"] != "all types" || got["level"] != "INFO" {
		t.Errorf("msg/level: got %v / %v", got["msg"], got["level"])
	}
}

func TestFloatsWithoutJSONLiteralsAreWrittenAsStrings(t *testing.T) {
	l := newCapture(t)
	l.Info(nil, "floats", Float64("nan", math.NaN()),
		Float64("inf", math.Inf(1)), Float64("ninf", math.Inf(-1)))
	got := takeOne(t, l)
	if got["nan"] != "NaN" || got["inf"] != "Infinity" || got["ninf"] != "-Infinity" {
		t.Errorf("got %v %v %v", got["nan"], got["inf"], got["ninf"])
	}
}

type point struct {
	X, Y int
	Tag  string `json:"tag,omitempty"`
}

type stringer struct{}

func (stringer) String() string { return "I am a stringer" }

type panicky struct{}

func (*panicky) Error() string { panic("nil receiver") }

func TestAnyWritesGoValuesAsTheirNaturalType(t *testing.T) {
	l := newCapture(t)
	var nilErr *panicky
	l.Info(nil, "any",
		Any("nil", nil),
		Any("string", "s"),
		Any("int8", int8(-3)),
		Any("uint16", uint16(9)),
		Any("float32", float32(0.5)),
		Any("bool", true),
		Any("bytes", []byte("hi")),
		Any("duration", time.Second),
		Any("error", fmt.Errorf("wrapped: %w", errors.New("inner"))),
		Any("stringer", stringer{}),
		Any("struct", point{X: 1, Y: 2}),
		Any("pointer", &point{X: 3, Y: 4, Tag: "t"}),
		Any("map", map[string]any{"b": []int{1, 2}, "a": 1.5}),
		Any("slice", []string{"x", "y"}),
		Any("field", String("k", "v")),
		Any("fields", []Field{Int("a", 1)}),
		Any("values", []Value{StringValue("v")}),
		Any("unencodable", make(chan int)),
		Any("panicky", nilErr),
	)
	got := takeOne(t, l)
	want := map[string]any{
		"nil":      nil,
		"string":   "s",
		"int8":     json.Number("-3"),
		"uint16":   json.Number("9"),
		"float32":  json.Number("0.5"),
		"bool":     true,
		"bytes":    base64.StdEncoding.EncodeToString([]byte("hi")),
		"duration": json.Number("1000000000"),
		"error":    "wrapped: inner",
		"stringer": "I am a stringer",
		"struct":   map[string]any{"X": json.Number("1"), "Y": json.Number("2")},
		"pointer": map[string]any{"X": json.Number("3"), "Y": json.Number("4"),
			"tag": "t"},
		"map": map[string]any{"a": json.Number("1.5"),
			"b": []any{json.Number("1"), json.Number("2")}},
		"slice":  []any{"x", "y"},
		"field":  map[string]any{"k": "v"},
		"fields": map[string]any{"a": json.Number("1")},
		"values": []any{"v"},
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s: got %#v, want %#v", k, got[k], w)
		}
	}
	if s := str(got["unencodable"]); !contains(s, "0x") {
		t.Errorf("unencodable: got %q, want fmt's %%+v of a channel", s)
	}
	if s := str(got["panicky"]); !contains(s, "PANIC") {
		t.Errorf("panicky: got %q, want a PANIC marker", s)
	}
}

func TestLevelMethodsWriteTheirLevel(t *testing.T) {
	l := newLogger(t, `{"level":"trace","sinks":[{"type":"capture","name":"mem"}]}`)
	ctx := context.Background()
	l.Trace(ctx, "m")
	l.Debug(ctx, "m")
	l.Info(ctx, "m")
	l.Warn(ctx, "m")
	l.Error(ctx, "m")
	l.Fatal(ctx, "m")
	l.Audit(ctx, "m")
	l.Security(ctx, "m")
	var got []string
	for _, r := range take(t, l) {
		got = append(got, str(r["level"]))
	}
	want := []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "AUDIT", "SECURITY"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for lv := LevelTrace; lv <= LevelSecurity; lv++ {
		if lv.String() != want[lv] {
			t.Errorf("Level(%d).String() = %q", lv, lv.String())
		}
	}
}

func TestEventsBelowTheLevelAreCountedAsFiltered(t *testing.T) {
	l := newCapture(t) // INFO by default
	ctx := context.Background()
	if l.Enabled(LevelDebug) || !l.Enabled(LevelInfo) || !l.Enabled(LevelAudit) {
		t.Fatal("default level should be INFO")
	}
	l.Debug(ctx, "dropped in Go")
	if err := l.Log(ctx, LevelTrace, "also"); err != nil {
		t.Fatalf("Log of a filtered event: %v", err)
	}
	l.Info(ctx, "kept")
	if err := l.SetLevel(LevelWarn); err != nil {
		t.Fatal(err)
	}
	l.Info(ctx, "now filtered")
	l.Audit(ctx, "audit passes every level")
	recs := take(t, l)
	if len(recs) != 2 || recs[0]["msg"] != "kept" || recs[1]["level"] != "AUDIT" {
		t.Fatalf("got %v", recs)
	}
	m, err := l.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	if m.Submitted != 5 || m.Filtered != 3 {
		t.Errorf("submitted %d filtered %d, want 5 and 3", m.Submitted, m.Filtered)
	}
	checkBooks(t, m)
}

func TestWithAddsFieldsAfterTheContextAndBeforeTheEvent(t *testing.T) {
	l := newCapture(t)
	ctx := WithCorrelationID(context.Background(), "req-1")
	child := l.With(String("service", "checkout"), Int("shard", 3))
	grandchild := child.With(Bool("canary", true))
	grandchild.Info(ctx, "m", String("event", "e"))
	l.Info(ctx, "parent is unchanged")
	lines := takeLines(t, l)
	if len(lines) != 2 {
		t.Fatalf("got %d lines", len(lines))
	}
	got := keys(t, lines[0])
	want := []string{"ts", "level", "logger", "msg", "correlation_id",
		"service", "shard", "canary", "event"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keys: got %v, want %v", got, want)
	}
	if got := keys(t, lines[1]); len(got) != 5 {
		t.Errorf("parent line keys: %v", got)
	}
}

func TestALaterKeyWinsOverAnEarlierOne(t *testing.T) {
	l := newCapture(t)
	ctx := WithContextFields(context.Background(), String("k", "context"))
	l.With(String("k", "with")).Info(ctx, "m", String("k", "event"))
	l.With(String("k", "with")).Info(ctx, "m")
	l.Info(ctx, "m")
	recs := take(t, l)
	for i, want := range []string{"event", "with", "context"} {
		if recs[i]["k"] != want {
			t.Errorf("record %d: k = %v, want %s", i, recs[i]["k"], want)
		}
	}
}

func TestReservedKeysAreRenamed(t *testing.T) {
	l := newCapture(t)
	l.Info(nil, "real", String("msg", "user"), String("level", "x"),
		String("ts", "y"), String("logger", "z"))
	got := takeOne(t, l)
	if got["msg"] != "real" || got["fields.msg"] != "user" ||
		got["fields.level"] != "x" || got["fields.ts"] != "y" ||
		got["fields.logger"] != "z" {
		t.Errorf("got %v", got)
	}
}

func TestNamedLoggersLogUnderTheirNameAndLevel(t *testing.T) {
	l := newLogger(t, `{"name":"app","loggers":{"db":{"level":"error"}},`+
		`"sinks":[{"type":"capture","name":"mem"}]}`)
	db := l.With(String("bound", "kept")).Named("db")
	http := l.Named("http")
	if db.Enabled(LevelWarn) || !db.Enabled(LevelError) {
		t.Error("db should take its configured level, error")
	}
	if !http.Enabled(LevelInfo) {
		t.Error("http should share the root's level, info")
	}
	db.Warn(nil, "filtered by db's level")
	db.Error(nil, "db error")
	http.Info(nil, "http info")
	l.Info(nil, "root info")
	recs := take(t, l)
	if len(recs) != 3 {
		t.Fatalf("got %v", recs)
	}
	if recs[0]["logger"] != "db" || recs[0]["bound"] != "kept" ||
		recs[1]["logger"] != "http" || recs[2]["logger"] != "app" {
		t.Errorf("got %v", recs)
	}
	// The root's SetLevel reaches the children that share its level.
	if err := l.SetLevel(LevelError); err != nil {
		t.Fatal(err)
	}
	if http.Enabled(LevelWarn) {
		t.Error("http should follow the root's new level")
	}
}

func TestLogReportsWhatBecameOfTheEvent(t *testing.T) {
	l := newLogger(t, `{"limits":{"max_record_bytes":2048},`+
		`"sinks":[{"type":"capture","name":"mem"}]}`)
	if err := l.Log(nil, LevelInfo, "queued", Int("n", 1)); err != nil {
		t.Errorf("queued event: %v", err)
	}
	big := make([]Field, 100)
	for i := range big {
		big[i] = String(fmt.Sprintf("key%03d", i), "a value of some length")
	}
	err := l.Log(nil, LevelInfo, "too large", big...)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized record: got %v, want ErrTooLarge", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Message == "" || e.Status != StatusTooLarge {
		t.Errorf("error should carry the library's message: %#v", err)
	}
	err = l.Log(nil, Level(42), "bad level")
	if !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown level: got %v", err)
	}
	m, _ := l.Metrics()
	if m.Dropped.TooLarge != 1 {
		t.Errorf("too_large = %d, want 1", m.Dropped.TooLarge)
	}
}

func TestVersionMatchesTheHeader(t *testing.T) {
	if v := Version(); v == "" || v[0] != '0' {
		t.Errorf("Version() = %q, want a 0.x version", v)
	}
}
