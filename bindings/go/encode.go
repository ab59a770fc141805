package asynclog

// asynclog's field encoding, written straight into a byte buffer (the
// format is documented at the top of asynclog.h). Integers are
// little-endian:
//
//	entry = tag, key length (u16), key bytes, payload   (objects, top level)
//	value = tag, payload                                (inside arrays)
//
// The library checks the buffer, applies its limits and repairs invalid
// UTF-8, so nothing here validates text.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

const (
	tagNull   = 0x01
	tagFalse  = 0x02
	tagTrue   = 0x03
	tagI64    = 0x04
	tagU64    = 0x05
	tagF64    = 0x06
	tagStr    = 0x07
	tagBytes  = 0x08
	tagObject = 0x09
	tagArray  = 0x0a
)

// maxKey is the longest key the encoding can carry.
const maxKey = math.MaxUint16

// maxPayload is the longest string, bytes or container the encoding can
// carry. The library's own limits (limits.max_message_bytes and
// limits.max_record_bytes) are far lower and apply after this.
const maxPayload = math.MaxUint32

// cut shortens s to at most n bytes, at a rune boundary when possible.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > n-utf8.UTFMax && i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	if !utf8.RuneStart(s[i]) {
		i = n
	}
	return s[:i]
}

func appendU32(b []byte, n uint32) []byte {
	return append(b, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
}

func appendU64(b []byte, n uint64) []byte {
	return append(b, byte(n), byte(n>>8), byte(n>>16), byte(n>>24),
		byte(n>>32), byte(n>>40), byte(n>>48), byte(n>>56))
}

func patchU32(b []byte, at int, n uint32) {
	b[at] = byte(n)
	b[at+1] = byte(n >> 8)
	b[at+2] = byte(n >> 16)
	b[at+3] = byte(n >> 24)
}

// appendHead writes a tag and, for an entry, its key.
func appendHead(b []byte, tag byte, keyed bool, key string) []byte {
	if !keyed {
		return append(b, tag)
	}
	if len(key) > maxKey {
		key = cut(key, maxKey)
	}
	b = append(b, tag, byte(len(key)), byte(len(key)>>8))
	return append(b, key...)
}

func appendStrPayload(b []byte, s string) []byte {
	if len(s) > maxPayload {
		s = cut(s, maxPayload)
	}
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}

// Scalar entries, for callers that know the type.

func appendString(b []byte, keyed bool, key, s string) []byte {
	return appendStrPayload(appendHead(b, tagStr, keyed, key), s)
}

func appendInt64(b []byte, keyed bool, key string, n int64) []byte {
	return appendU64(appendHead(b, tagI64, keyed, key), uint64(n))
}

func appendUint64(b []byte, keyed bool, key string, n uint64) []byte {
	return appendU64(appendHead(b, tagU64, keyed, key), n)
}

func appendFloat64(b []byte, keyed bool, key string, f float64) []byte {
	return appendU64(appendHead(b, tagF64, keyed, key), math.Float64bits(f))
}

func appendBool(b []byte, keyed bool, key string, v bool) []byte {
	if v {
		return appendHead(b, tagTrue, keyed, key)
	}
	return appendHead(b, tagFalse, keyed, key)
}

// appendTime writes t as an RFC 3339 string with nanoseconds, formatted
// in place.
func appendTime(b []byte, keyed bool, key string, t time.Time) []byte {
	b = appendHead(b, tagStr, keyed, key)
	at := len(b)
	b = appendU32(b, 0)
	b = t.AppendFormat(b, time.RFC3339Nano)
	patchU32(b, at, uint32(len(b)-at-4))
	return b
}

// openContainer writes the head of an object or array and a placeholder
// for its length; closeContainer fills the length in.
func openContainer(b []byte, tag byte, keyed bool, key string) ([]byte, int) {
	b = appendHead(b, tag, keyed, key)
	at := len(b)
	return appendU32(b, 0), at
}

func closeContainer(b []byte, at int) []byte {
	patchU32(b, at, uint32(len(b)-at-4))
	return b
}

// appendFields writes every field as an entry.
func appendFields(b []byte, fields []Field) []byte {
	for i := range fields {
		b = appendValue(b, true, fields[i].Key, &fields[i].Value)
	}
	return b
}

// appendValue writes v as an entry (keyed) or an array element.
func appendValue(b []byte, keyed bool, key string, v *Value) []byte {
	switch v.kind {
	case KindString:
		return appendString(b, keyed, key, v.str)
	case KindInt64, KindDuration:
		return appendInt64(b, keyed, key, int64(v.num))
	case KindUint64:
		return appendUint64(b, keyed, key, v.num)
	case KindFloat64:
		return appendU64(appendHead(b, tagF64, keyed, key), v.num)
	case KindBool:
		return appendBool(b, keyed, key, v.num != 0)
	case KindBytes:
		return appendStrPayload(appendHead(b, tagBytes, keyed, key), v.str)
	case KindTime:
		return appendTime(b, keyed, key, v.Time())
	case KindObject:
		b, at := openContainer(b, tagObject, keyed, key)
		return closeContainer(appendFields(b, v.Object()), at)
	case KindArray:
		b, at := openContainer(b, tagArray, keyed, key)
		vals := v.Array()
		for i := range vals {
			b = appendValue(b, false, "", &vals[i])
		}
		return closeContainer(b, at)
	case KindAny:
		return append(b, encodeAny(keyed, key, v.any)...)
	}
	return appendHead(b, tagNull, keyed, key)
}

// The slow encoders below are reached through function values, with a
// fresh buffer, so that the compiler's escape analysis keeps them apart
// from the hot path: a direct call would put them in one recursive group
// with appendValue, whose buffer would then be moved to the heap. They
// are for values that allocate anyway.
var (
	encodeAny       func(keyed bool, key string, x any) []byte
	encodeSlogGroup func(keyed bool, key string, v slog.Value) []byte
)

func init() {
	encodeAny = func(keyed bool, key string, x any) []byte {
		return appendAny(nil, keyed, key, x)
	}
	encodeSlogGroup = func(keyed bool, key string, v slog.Value) []byte {
		return appendSlogGroup(nil, keyed, key, v)
	}
}

// appendAny writes a Go value of a type AnyValue did not resolve at once.
func appendAny(b []byte, keyed bool, key string, x any) []byte {
	switch x := x.(type) {
	case error:
		return appendString(b, keyed, key, safeText(x, errorText))
	case slog.LogValuer:
		return appendSlogValue(b, keyed, key, slog.AnyValue(x).Resolve())
	case fmt.Stringer:
		return appendString(b, keyed, key, safeText(x, stringerText))
	}
	v := AnyValue(x)
	if v.kind != KindAny {
		return appendValue(b, keyed, key, &v)
	}
	return appendJSON(b, keyed, key, x)
}

func errorText(x any) string    { return x.(error).Error() }
func stringerText(x any) string { return x.(fmt.Stringer).String() }

// safeText calls f, turning a panic (a nil pointer behind an interface,
// say) into a readable value instead of crashing the caller.
func safeText(x any, f func(any) string) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("<PANIC=%v>", r)
		}
	}()
	return f(x)
}

// appendJSON writes what encoding/json makes of x, as structured fields:
// objects and arrays stay nested, numbers stay numbers.
func appendJSON(b []byte, keyed bool, key string, x any) []byte {
	data, err := json.Marshal(x)
	if err != nil {
		return appendString(b, keyed, key, fmt.Sprintf("%+v", x))
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	start := len(b)
	out, err := appendJSONValue(b, keyed, key, d)
	if err != nil {
		// Not reachable for json.Marshal's output; keep the text.
		return appendString(b[:start], keyed, key, string(data))
	}
	return out
}

func appendJSONValue(b []byte, keyed bool, key string, d *json.Decoder) ([]byte, error) {
	tok, err := d.Token()
	if err != nil {
		return b, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			b, at := openContainer(b, tagObject, keyed, key)
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return b, err
				}
				name, _ := k.(string)
				if b, err = appendJSONValue(b, true, name, d); err != nil {
					return b, err
				}
			}
			if _, err := d.Token(); err != nil {
				return b, err
			}
			return closeContainer(b, at), nil
		}
		b, at := openContainer(b, tagArray, keyed, key)
		for d.More() {
			if b, err = appendJSONValue(b, false, "", d); err != nil {
				return b, err
			}
		}
		if _, err := d.Token(); err != nil {
			return b, err
		}
		return closeContainer(b, at), nil
	case string:
		return appendString(b, keyed, key, t), nil
	case bool:
		return appendBool(b, keyed, key, t), nil
	case json.Number:
		if n, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return appendInt64(b, keyed, key, n), nil
		}
		if n, err := strconv.ParseUint(string(t), 10, 64); err == nil {
			return appendUint64(b, keyed, key, n), nil
		}
		f, _ := strconv.ParseFloat(string(t), 64)
		return appendFloat64(b, keyed, key, f), nil
	}
	return appendHead(b, tagNull, keyed, key), nil
}

// appendSlogValue writes a resolved slog.Value; a group becomes an
// object.
func appendSlogValue(b []byte, keyed bool, key string, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(b, keyed, key, v.String())
	case slog.KindInt64:
		return appendInt64(b, keyed, key, v.Int64())
	case slog.KindUint64:
		return appendUint64(b, keyed, key, v.Uint64())
	case slog.KindFloat64:
		return appendFloat64(b, keyed, key, v.Float64())
	case slog.KindBool:
		return appendBool(b, keyed, key, v.Bool())
	case slog.KindDuration:
		return appendInt64(b, keyed, key, int64(v.Duration()))
	case slog.KindTime:
		return appendTime(b, keyed, key, v.Time())
	case slog.KindGroup:
		return append(b, encodeSlogGroup(keyed, key, v)...)
	case slog.KindLogValuer:
		// Resolve gave up (a cycle of LogValuers): write what is left.
		return appendString(b, keyed, key, fmt.Sprintf("%+v", v.Any()))
	}
	val := AnyValue(v.Any())
	return appendValue(b, keyed, key, &val)
}

// appendSlogGroup writes a group value as an object, empty or not.
func appendSlogGroup(b []byte, keyed bool, key string, v slog.Value) []byte {
	b, at := openContainer(b, tagObject, keyed, key)
	for _, a := range v.Group() {
		b = appendSlogAttr(b, a)
	}
	return closeContainer(b, at)
}

// appendSlogAttr writes one attribute as slog's handler rules ask: the
// value resolved, an empty Attr ignored, an empty group left out, a group
// with an empty key inlined.
func appendSlogAttr(b []byte, a slog.Attr) []byte {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		attrs := v.Group()
		if len(attrs) == 0 {
			return b
		}
		if a.Key == "" {
			return append(b, encodeSlogInline(attrs)...)
		}
		g := encodeSlogGroup(true, a.Key, v)
		if isEmptyEntry(g, a.Key) {
			return b
		}
		return append(b, g...)
	}
	if a.Key == "" && v.Kind() == slog.KindAny && v.Any() == nil {
		return b
	}
	return appendSlogValue(b, true, a.Key, v)
}

// encodeSlogInline writes the attributes of an inlined group.
func encodeSlogInline(attrs []slog.Attr) []byte {
	var b []byte
	for _, a := range attrs {
		b = append(b, encodeSlogAttr(a)...)
	}
	return b
}

var encodeSlogAttr func(a slog.Attr) []byte

func init() {
	encodeSlogAttr = func(a slog.Attr) []byte { return appendSlogAttr(nil, a) }
}

// isEmptyEntry reports whether an encoded object entry holds nothing.
func isEmptyEntry(entry []byte, key string) bool {
	return len(entry) == 1+2+len(cut(key, maxKey))+4
}
