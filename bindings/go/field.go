package asynclog

import (
	"math"
	"time"
	"unsafe"
)

// Kind is the type of a Value.
type Kind uint8

// The kinds of values. Each one maps onto one type of asynclog's field
// encoding, except KindAny, which holds a Go value converted when the
// event is logged, and KindTime and KindDuration, which are written as a
// string and an integer.
const (
	KindNull Kind = iota
	KindString
	KindInt64
	KindUint64
	KindFloat64
	KindBool
	KindBytes
	KindObject
	KindArray
	KindTime
	KindDuration
	KindAny
)

var kindNames = [...]string{
	"Null", "String", "Int64", "Uint64", "Float64", "Bool", "Bytes",
	"Object", "Array", "Time", "Duration", "Any",
}

// String is the kind's name, such as "Int64".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(?)"
}

// Value is a typed value: a scalar, bytes, a nested object or an array.
// Values of the scalar kinds, strings and bytes hold no allocation of
// their own. The zero Value is null.
//
// A Value that holds a string, bytes or children refers to the caller's
// memory without copying it; that memory must not change until the call
// that logs it returns.
type Value struct {
	kind Kind
	// num holds integers, float bits, booleans, the nanoseconds of a time
	// or duration, and the length of an object or array.
	num uint64
	// str holds a string, or the bytes of a Bytes value.
	str string
	// any holds a *Field (object) or *Value (array) pointing at the first
	// child, the *time.Location of a time, or the Go value of KindAny.
	any any
}

// Field is a key and its typed value.
type Field struct {
	Key   string
	Value Value
}

// Kind reports the kind of the value.
func (v Value) Kind() Kind { return v.kind }

// StringValue is a string. Invalid UTF-8 is replaced with U+FFFD by the
// library (and counted as invalid_utf8); a string longer than the
// configured limits.max_message_bytes is cut with a marker.
func StringValue(s string) Value { return Value{kind: KindString, str: s} }

// Int64Value is a signed integer.
func Int64Value(n int64) Value { return Value{kind: KindInt64, num: uint64(n)} }

// Uint64Value is an unsigned integer.
func Uint64Value(n uint64) Value { return Value{kind: KindUint64, num: n} }

// Float64Value is a double. NaN and the infinities are written as the
// strings "NaN", "Infinity" and "-Infinity" by the NDJSON encoder.
func Float64Value(f float64) Value {
	return Value{kind: KindFloat64, num: math.Float64bits(f)}
}

// BoolValue is a boolean.
func BoolValue(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.num = 1
	}
	return v
}

// BytesValue is raw bytes, written as base64 by the text encoders. It
// refers to b without copying.
func BytesValue(b []byte) Value {
	return Value{kind: KindBytes, str: unsafe.String(unsafe.SliceData(b), len(b))}
}

// NullValue is null.
func NullValue() Value { return Value{} }

// TimeValue is a time, written as an RFC 3339 string with nanoseconds in
// the time's own location.
func TimeValue(t time.Time) Value {
	return Value{kind: KindTime, num: uint64(t.UnixNano()), any: t.Location()}
}

// DurationValue is a duration, written as an integer number of
// nanoseconds (as log/slog's JSONHandler does).
func DurationValue(d time.Duration) Value {
	return Value{kind: KindDuration, num: uint64(d)}
}

// ObjectValue is a nested object of the given fields. It refers to the
// fields without copying them.
func ObjectValue(fields ...Field) Value {
	v := Value{kind: KindObject, num: uint64(len(fields))}
	if len(fields) > 0 {
		v.any = unsafe.SliceData(fields)
	}
	return v
}

// ArrayValue is an array of the given values. It refers to the values
// without copying them.
func ArrayValue(values ...Value) Value {
	v := Value{kind: KindArray, num: uint64(len(values))}
	if len(values) > 0 {
		v.any = unsafe.SliceData(values)
	}
	return v
}

// AnyValue holds any Go value. Common types become the matching kind at
// once: nil, strings, booleans, every integer and float type, []byte,
// time.Time, time.Duration, Value, Field (an object of one field),
// []Field and []Value. Everything else is converted when the event is
// logged, so a filtered event costs nothing more: an error becomes its
// Error() text, a fmt.Stringer its String(), a slog.LogValuer what it
// resolves to, and any other value what encoding/json makes of it, kept
// structured (objects and arrays stay nested); a value json cannot encode
// is written with fmt's %+v.
func AnyValue(x any) Value {
	switch x := x.(type) {
	case nil:
		return Value{}
	case string:
		return StringValue(x)
	case bool:
		return BoolValue(x)
	case int:
		return Int64Value(int64(x))
	case int8:
		return Int64Value(int64(x))
	case int16:
		return Int64Value(int64(x))
	case int32:
		return Int64Value(int64(x))
	case int64:
		return Int64Value(x)
	case uint:
		return Uint64Value(uint64(x))
	case uint8:
		return Uint64Value(uint64(x))
	case uint16:
		return Uint64Value(uint64(x))
	case uint32:
		return Uint64Value(uint64(x))
	case uint64:
		return Uint64Value(x)
	case uintptr:
		return Uint64Value(uint64(x))
	case float32:
		return Float64Value(float64(x))
	case float64:
		return Float64Value(x)
	case []byte:
		return BytesValue(x)
	case time.Time:
		return TimeValue(x)
	case time.Duration:
		return DurationValue(x)
	case Value:
		return x
	case Field:
		return ObjectValue(x)
	case []Field:
		return ObjectValue(x...)
	case []Value:
		return ArrayValue(x...)
	}
	return Value{kind: KindAny, any: x}
}

// String returns the string of a KindString value, and "" for others.
func (v Value) String() string {
	if v.kind == KindString {
		return v.str
	}
	return ""
}

// Int64 returns the integer of a KindInt64 or KindDuration value.
func (v Value) Int64() int64 { return int64(v.num) }

// Uint64 returns the integer of a KindUint64 value.
func (v Value) Uint64() uint64 { return v.num }

// Float64 returns the number of a KindFloat64 value.
func (v Value) Float64() float64 { return math.Float64frombits(v.num) }

// Bool returns the boolean of a KindBool value.
func (v Value) Bool() bool { return v.num != 0 }

// Bytes returns the bytes of a KindBytes value. They are the caller's
// bytes, not a copy.
func (v Value) Bytes() []byte {
	if v.kind != KindBytes {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(v.str), len(v.str))
}

// Time returns the time of a KindTime value.
func (v Value) Time() time.Time {
	if v.kind != KindTime {
		return time.Time{}
	}
	loc, _ := v.any.(*time.Location)
	if loc == nil {
		loc = time.UTC
	}
	return time.Unix(0, int64(v.num)).In(loc)
}

// Duration returns the duration of a KindDuration value.
func (v Value) Duration() time.Duration { return time.Duration(v.num) }

// Object returns the fields of a KindObject value.
func (v Value) Object() []Field {
	p, _ := v.any.(*Field)
	if v.kind != KindObject || p == nil {
		return nil
	}
	return unsafe.Slice(p, int(v.num))
}

// Array returns the values of a KindArray value.
func (v Value) Array() []Value {
	p, _ := v.any.(*Value)
	if v.kind != KindArray || p == nil {
		return nil
	}
	return unsafe.Slice(p, int(v.num))
}

// Any returns the Go value of a KindAny value.
func (v Value) Any() any {
	if v.kind != KindAny {
		return nil
	}
	return v.any
}

// The field constructors below spell their Value out rather than calling
// the Value constructors: built in place, the Field needs no copy of a
// temporary, whose 16-byte moves would stall on the narrower stores that
// just wrote it (store forwarding), a cost seen on the hot path.

// String is a string field. See StringValue.
func String(key, value string) Field {
	return Field{Key: key, Value: Value{kind: KindString, str: value}}
}

// Int is a signed integer field.
func Int(key string, value int) Field {
	return Field{Key: key, Value: Value{kind: KindInt64, num: uint64(value)}}
}

// Int64 is a signed integer field.
func Int64(key string, value int64) Field {
	return Field{Key: key, Value: Value{kind: KindInt64, num: uint64(value)}}
}

// Uint64 is an unsigned integer field.
func Uint64(key string, value uint64) Field {
	return Field{Key: key, Value: Value{kind: KindUint64, num: value}}
}

// Float64 is a double field. See Float64Value.
func Float64(key string, value float64) Field {
	return Field{Key: key, Value: Value{kind: KindFloat64, num: math.Float64bits(value)}}
}

// Bool is a boolean field.
func Bool(key string, value bool) Field {
	var n uint64
	if value {
		n = 1
	}
	return Field{Key: key, Value: Value{kind: KindBool, num: n}}
}

// Bytes is a raw bytes field, written as base64 by the text encoders. It
// refers to value without copying.
func Bytes(key string, value []byte) Field {
	return Field{Key: key, Value: Value{kind: KindBytes,
		str: unsafe.String(unsafe.SliceData(value), len(value))}}
}

// Null is a null field.
func Null(key string) Field { return Field{Key: key} }

// Time is a time field, written as an RFC 3339 string with nanoseconds.
func Time(key string, value time.Time) Field {
	return Field{Key: key, Value: Value{kind: KindTime,
		num: uint64(value.UnixNano()), any: value.Location()}}
}

// Duration is a duration field, written as integer nanoseconds.
func Duration(key string, value time.Duration) Field {
	return Field{Key: key, Value: Value{kind: KindDuration, num: uint64(value)}}
}

// Err is the field "error" with err's text, or null for a nil error.
func Err(err error) Field {
	if err == nil {
		return Null("error")
	}
	return Field{"error", Value{kind: KindAny, any: err}}
}

// Any is a field of any Go value. See AnyValue for how each type is
// written.
func Any(key string, value any) Field { return Field{key, AnyValue(value)} }

// Object is a nested object field. It refers to fields without copying
// them.
func Object(key string, fields ...Field) Field { return Field{key, ObjectValue(fields...)} }

// Array is an array field. It refers to values without copying them.
func Array(key string, values ...Value) Field { return Field{key, ArrayValue(values...)} }
