package asynclog

import (
	"context"
	"log/slog"
	"runtime"
	"slices"
)

// HandlerOptions are the options of a Handler. The zero value is ready to
// use.
type HandlerOptions struct {
	// Level is the lowest level handled, checked before the Logger's own
	// level; nil leaves it to the Logger alone.
	Level slog.Leveler

	// AddSource writes the caller's function, file and line as the
	// object "source", as slog's own handlers do. It costs a few
	// allocations per event.
	AddSource bool

	// ReplaceAttr, when set, is called for every attribute except the
	// built-in time, level and message, which the library writes itself.
	// As in slog.HandlerOptions it receives the groups the attribute is
	// in and a resolved value, and an attribute it returns with an empty
	// key is dropped. It is not called on group attributes themselves.
	ReplaceAttr func(groups []string, a slog.Attr) slog.Attr

	// RecordTime also writes the record's own time (slog.Record.Time) as
	// the field "time", and leaves it out when that time is zero. The
	// library stamps every event when it is handed over, as "ts"; the
	// record's time differs from it only for records built or replayed
	// by other code. Off by default: the two would be the same instant.
	RecordTime bool
}

// Handler is a log/slog Handler that logs through a Logger:
//
//	slog.SetDefault(slog.New(asynclog.NewHandler(logger, nil)))
//
// The library writes the time ("ts", stamped when the event is handed
// over), the level and the message ("msg") itself. slog levels map onto
// asynclog's: below Debug is TRACE, then DEBUG, INFO, WARN, ERROR, and
// from Error+4 (SlogLevelFatal) up FATAL; a custom level in between takes
// the asynclog level below it. Attributes become fields, groups nested
// objects (an empty group is left out, a group with an empty key is
// inlined), and LogValuer values are resolved. The context passed to the
// slog call adds its fields as for the Logger methods.
type Handler struct {
	l      *Logger
	opts   HandlerOptions
	prefix []byte      // attributes added before any group, encoded
	groups []openGroup // groups opened by WithGroup, outermost first
}

// openGroup is a group opened by WithGroup and the attributes added to it
// since, encoded.
type openGroup struct {
	name  string
	attrs []byte
}

// SlogLevelTrace and SlogLevelFatal are the slog levels of asynclog's
// TRACE and FATAL (Debug-4 and Error+4).
const (
	SlogLevelTrace = slog.LevelDebug - 4
	SlogLevelFatal = slog.LevelError + 4
)

// NewHandler returns a Handler that logs through l. opts may be nil.
func NewHandler(l *Logger, opts *HandlerOptions) *Handler {
	h := &Handler{l: l}
	if opts != nil {
		h.opts = *opts
	}
	return h
}

// levelOf maps a slog level onto asynclog's.
func levelOf(l slog.Level) Level {
	switch {
	case l < slog.LevelDebug:
		return LevelTrace
	case l < slog.LevelInfo:
		return LevelDebug
	case l < slog.LevelWarn:
		return LevelInfo
	case l < slog.LevelError:
		return LevelWarn
	case l < SlogLevelFatal:
		return LevelError
	}
	return LevelFatal
}

// Enabled reports whether the level passes the options' Level and the
// Logger's.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	if h.opts.Level != nil && level < h.opts.Level.Level() {
		return false
	}
	return h.l.h.enabled(levelOf(level))
}

// Handle logs one record.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	level := levelOf(r.Level)
	lh := h.l.h
	if !lh.enabled(level) {
		lh.fam.filtered.add()
		return nil
	}
	var stack [stackBytes]byte
	buf := h.l.appendContext(stack[:0], ctx)
	buf = append(buf, h.l.bound...)
	if h.opts.RecordTime && !r.Time.IsZero() {
		buf = appendTime(buf, true, slog.TimeKey, r.Time)
	}
	if h.opts.AddSource && r.PC != 0 {
		buf = appendSource(buf, r.PC)
	}
	buf = append(buf, h.prefix...)

	// Open the groups, write the record's attributes in the innermost,
	// then close them from the inside out, removing each one left empty.
	var openStack [8][2]int
	open := openStack[:0]
	for _, g := range h.groups {
		start := len(buf)
		var at int
		buf, at = openContainer(buf, tagObject, true, g.name)
		buf = append(buf, g.attrs...)
		open = append(open, [2]int{start, at})
	}
	if h.opts.ReplaceAttr == nil {
		r.Attrs(func(a slog.Attr) bool {
			buf = appendSlogAttr(buf, a)
			return true
		})
	} else {
		groups := h.groupNames()
		r.Attrs(func(a slog.Attr) bool {
			buf = append(buf, h.appendReplaced(nil, groups, a)...)
			return true
		})
	}
	for i := len(open) - 1; i >= 0; i-- {
		buf = closeGroup(buf, open[i][0], open[i][1])
	}
	return h.l.logEncoded(level, r.Message, buf)
}

// closeGroup ends the object that starts at start, whose length is at
// at, or removes it when it holds nothing.
func closeGroup(b []byte, start, at int) []byte {
	if len(b) == at+4 {
		return b[:start]
	}
	return closeContainer(b, at)
}

func appendSource(b []byte, pc uintptr) []byte {
	frames := runtime.CallersFrames([]uintptr{pc})
	f, _ := frames.Next()
	b, at := openContainer(b, tagObject, true, slog.SourceKey)
	b = appendString(b, true, "function", f.Function)
	b = appendString(b, true, "file", f.File)
	b = appendInt64(b, true, "line", int64(f.Line))
	return closeContainer(b, at)
}

// WithAttrs returns a Handler that adds attrs to every record, inside
// the groups opened so far.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	c := *h
	groups := h.groupNames()
	var enc []byte
	for _, a := range attrs {
		if h.opts.ReplaceAttr == nil {
			enc = appendSlogAttr(enc, a)
		} else {
			enc = h.appendReplaced(enc, groups, a)
		}
	}
	if len(c.groups) == 0 {
		c.prefix = append(slices.Clip(h.prefix), enc...)
		return &c
	}
	c.groups = slices.Clone(h.groups)
	last := &c.groups[len(c.groups)-1]
	last.attrs = append(slices.Clip(last.attrs), enc...)
	return &c
}

// WithGroup returns a Handler whose later attributes, from WithAttrs and
// from records, go into the group name. An empty name returns h.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.groups = append(slices.Clip(h.groups), openGroup{name: name})
	return &c
}

func (h *Handler) groupNames() []string {
	if h.opts.ReplaceAttr == nil || len(h.groups) == 0 {
		return nil
	}
	names := make([]string, len(h.groups))
	for i, g := range h.groups {
		names[i] = g.name
	}
	return names
}

// appendReplaced writes an attribute through ReplaceAttr.
func (h *Handler) appendReplaced(b []byte, groups []string, a slog.Attr) []byte {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		attrs := v.Group()
		if len(attrs) == 0 {
			return b
		}
		if a.Key == "" {
			for _, g := range attrs {
				b = h.appendReplaced(b, groups, g)
			}
			return b
		}
		inner := append(slices.Clip(groups), a.Key)
		start := len(b)
		b, at := openContainer(b, tagObject, true, a.Key)
		for _, g := range attrs {
			b = h.appendReplaced(b, inner, g)
		}
		if len(b) == at+4 {
			return b[:start]
		}
		return closeContainer(b, at)
	}
	if a.Key == "" && v.Kind() == slog.KindAny && v.Any() == nil {
		return b
	}
	a = h.opts.ReplaceAttr(groups, slog.Attr{Key: a.Key, Value: v})
	if a.Key == "" {
		return b
	}
	v = a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		return appendSlogAttr(b, slog.Attr{Key: a.Key, Value: v})
	}
	return appendSlogValue(b, true, a.Key, v)
}
