package asynclog

import "context"

// The well-known context keys, as the library names them.
const (
	KeyCorrelationID = "correlation_id"
	KeyTraceID       = "trace_id"
	KeySpanID        = "span_id"
)

// ctxKey is the context key of the fields below.
type ctxKey struct{}

// ctxData is what a context carries for logging: its fields, de-duplicated
// by key (an inner call replaces an outer one's value), and the same
// fields encoded once, so that each event copies bytes instead of
// encoding them again.
type ctxData struct {
	fields []Field
	enc    []byte
}

// WithCorrelationID returns a context whose events carry the field
// correlation_id. An empty id adds nothing.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return WithContextFields(ctx, String(KeyCorrelationID, id))
}

// WithTrace returns a context whose events carry trace_id and span_id,
// such as the ids of a W3C traceparent header. An empty id is left out.
func WithTrace(ctx context.Context, traceID, spanID string) context.Context {
	var fs [2]Field
	n := 0
	if traceID != "" {
		fs[n] = String(KeyTraceID, traceID)
		n++
	}
	if spanID != "" {
		fs[n] = String(KeySpanID, spanID)
		n++
	}
	if n == 0 {
		return ctx
	}
	return WithContextFields(ctx, fs[:n]...)
}

// WithContextFields returns a context whose events carry fields (any
// keys: a tenant, a user id) in addition to those ctx already carries; a
// key ctx already has takes the new value. The fields are copied and
// encoded here, so strings and bytes they refer to may change afterwards.
//
// Every Logger and the slog Handler add a context's fields at the start
// of each event logged with it.
func WithContextFields(ctx context.Context, fields ...Field) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if len(fields) == 0 {
		return ctx
	}
	var merged []Field
	if d, ok := ctx.Value(ctxKey{}).(*ctxData); ok {
		merged = make([]Field, 0, len(d.fields)+len(fields))
		for _, old := range d.fields {
			if !hasKey(fields, old.Key) {
				merged = append(merged, old)
			}
		}
	}
	for i, f := range fields {
		if !hasKey(fields[i+1:], f.Key) {
			merged = append(merged, f)
		}
	}
	d := &ctxData{fields: merged, enc: appendFields(nil, merged)}
	// The fields may refer to the caller's memory: keep only what was
	// encoded, and decoded copies of the strings for ContextFields.
	d.fields = ownFields(merged)
	return context.WithValue(ctx, ctxKey{}, d)
}

func hasKey(fields []Field, key string) bool {
	for i := range fields {
		if fields[i].Key == key {
			return true
		}
	}
	return false
}

// ownFields copies the strings and bytes the fields refer to, so that
// the context does not depend on memory the caller may reuse.
func ownFields(fields []Field) []Field {
	out := make([]Field, len(fields))
	for i, f := range fields {
		out[i] = Field{Key: f.Key, Value: ownValue(f.Value)}
	}
	return out
}

func ownValue(v Value) Value {
	switch v.kind {
	case KindString:
		v.str = string(append([]byte(nil), v.str...))
	case KindBytes:
		v = BytesValue(append([]byte(nil), v.str...))
	case KindObject:
		v = ObjectValue(ownFields(v.Object())...)
	case KindArray:
		vals := v.Array()
		out := make([]Value, len(vals))
		for i := range vals {
			out[i] = ownValue(vals[i])
		}
		v = ArrayValue(out...)
	}
	return v
}

// ContextFields returns the fields ctx carries for logging, set by
// WithCorrelationID, WithTrace and WithContextFields. The slice must not
// be modified.
func ContextFields(ctx context.Context) []Field {
	if ctx == nil {
		return nil
	}
	if d, ok := ctx.Value(ctxKey{}).(*ctxData); ok {
		return d.fields
	}
	return nil
}

// CorrelationID returns the correlation id ctx carries, or "".
func CorrelationID(ctx context.Context) string {
	return stringField(ctx, KeyCorrelationID)
}

// TraceIDs returns the trace and span ids ctx carries, or "".
func TraceIDs(ctx context.Context) (traceID, spanID string) {
	return stringField(ctx, KeyTraceID), stringField(ctx, KeySpanID)
}

func stringField(ctx context.Context, key string) string {
	for _, f := range ContextFields(ctx) {
		if f.Key == key {
			return f.Value.String()
		}
	}
	return ""
}
