package asynclog

import (
	"context"
	"reflect"
	"testing"
)

func TestContextIDsAreTheFirstFieldsOfEachEvent(t *testing.T) {
	l := newCapture(t)
	ctx := WithCorrelationID(context.Background(), "req-42")
	ctx = WithTrace(ctx, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
	ctx = WithContextFields(ctx, String("tenant", "acme"), Int("user_id", 7))
	l.Info(ctx, "handled", Int("status", 200))
	lines := takeLines(t, l)
	got := keys(t, lines[0])
	want := []string{"ts", "level", "logger", "msg", "correlation_id",
		"trace_id", "span_id", "tenant", "user_id", "status"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("keys: got %v, want %v", got, want)
	}
	r := parse(t, lines[0])
	if r["correlation_id"] != "req-42" || r["trace_id"] != "4bf92f3577b34da6a3ce929d0e0e4736" ||
		r["span_id"] != "00f067aa0ba902b7" || r["tenant"] != "acme" {
		t.Errorf("got %v", r)
	}
}

func TestAnInnerContextReplacesAnOuterValue(t *testing.T) {
	outer := WithCorrelationID(context.Background(), "outer")
	outer = WithTrace(outer, "t1", "s1")
	inner := WithCorrelationID(outer, "inner")
	inner = WithTrace(inner, "", "s2") // an empty id keeps the outer one
	if CorrelationID(inner) != "inner" || CorrelationID(outer) != "outer" {
		t.Errorf("correlation ids: %q %q", CorrelationID(inner), CorrelationID(outer))
	}
	if tr, sp := TraceIDs(inner); tr != "t1" || sp != "s2" {
		t.Errorf("trace ids: %q %q", tr, sp)
	}
	l := newCapture(t)
	l.Info(inner, "m")
	r := takeOne(t, l)
	if r["correlation_id"] != "inner" || r["span_id"] != "s2" || r["trace_id"] != "t1" {
		t.Errorf("got %v", r)
	}
	if n := len(ContextFields(inner)); n != 3 {
		t.Errorf("inner context carries %d fields, want 3 (no duplicates)", n)
	}
}

func TestContextFieldsOwnTheirBytes(t *testing.T) {
	buf := []byte("original")
	ctx := WithContextFields(context.Background(), Bytes("b", buf),
		String("s", string(buf)))
	copy(buf, "CHANGED!")
	l := newCapture(t)
	l.Info(ctx, "m")
	r := takeOne(t, l)
	if r["b"] != "b3JpZ2luYWw=" || r["s"] != "original" {
		t.Errorf("got %v", r)
	}
	if got := ContextFields(ctx)[0].Value.Bytes(); string(got) != "original" {
		t.Errorf("ContextFields: %q", got)
	}
}

func TestAContextFuncAddsFieldsFromTheContext(t *testing.T) {
	type spanKey struct{}
	l := newCapture(t).WithContextFunc(func(ctx context.Context, fs []Field) []Field {
		if id, ok := ctx.Value(spanKey{}).(string); ok {
			fs = append(fs, String("otel_span", id))
		}
		return fs
	})
	ctx := WithCorrelationID(context.Background(), "c")
	l.Info(context.WithValue(ctx, spanKey{}, "abc"), "with span", Int("n", 1))
	l.Info(ctx, "without span")
	l.Info(nil, "nil context")
	lines := takeLines(t, l)
	if len(lines) != 3 {
		t.Fatalf("got %d lines", len(lines))
	}
	if got := keys(t, lines[0]); !reflect.DeepEqual(got[4:], []string{"correlation_id", "otel_span", "n"}) {
		t.Errorf("keys: %v", got)
	}
	if r := parse(t, lines[1]); r["otel_span"] != nil {
		t.Errorf("got %v", r)
	}
}

func TestEmptyContextHelpersAddNothing(t *testing.T) {
	ctx := context.Background()
	if WithCorrelationID(ctx, "") != ctx || WithTrace(ctx, "", "") != ctx ||
		WithContextFields(ctx) != ctx {
		t.Error("helpers without ids should return ctx itself")
	}
	if ContextFields(nil) != nil || CorrelationID(ctx) != "" {
		t.Error("a context without fields carries none")
	}
}
