package asynclog

import (
	"encoding/json"
	"runtime"
)

// Metrics is a reading of a logger's counters (asynclog_logger_metrics).
// For each sink the books balance:
//
//	Submitted = Written + Filtered + Dropped.Total() + InFlight
//
// and once a Flush has returned nil and nothing more is logged, InFlight
// is zero. The counts include the events this package stopped before they
// reached the library: those below the level (Filtered) and those logged
// through a Logger after its Close (Dropped.Closed).
type Metrics struct {
	// Logger is the logger's name.
	Logger string `json:"logger"`
	// Submitted counts events logged, whatever became of them.
	Submitted uint64 `json:"submitted"`
	// Filtered counts events below the logger's level or sampled out.
	Filtered uint64 `json:"filtered"`
	// Dropped counts the events the logger itself dropped, by reason.
	Dropped Dropped `json:"dropped"`
	// Truncated counts events with a part cut at a limit (still written).
	Truncated uint64 `json:"truncated"`
	// InvalidUTF8 counts events in which invalid UTF-8 was replaced
	// (still written).
	InvalidUTF8 uint64 `json:"invalid_utf8"`
	// Queued counts events in the queue or in the worker's open batch.
	Queued uint64 `json:"queued"`
	// Sinks has one entry per sink, in configuration order.
	Sinks []SinkMetrics `json:"sinks"`
}

// Dropped counts dropped events by reason.
type Dropped struct {
	QueueFull       uint64 `json:"queue_full"`
	TooLarge        uint64 `json:"too_large"`
	Invalid         uint64 `json:"invalid"`
	Closed          uint64 `json:"closed"`
	SinkError       uint64 `json:"sink_error"`
	ShutdownTimeout uint64 `json:"shutdown_timeout"`
}

// Total is the sum over every reason.
func (d Dropped) Total() uint64 {
	return d.QueueFull + d.TooLarge + d.Invalid + d.Closed + d.SinkError +
		d.ShutdownTimeout
}

// SinkMetrics is a reading of one sink's counters. Filtered and Dropped
// include the logger's own.
type SinkMetrics struct {
	Name        string  `json:"name"`
	Written     uint64  `json:"written"`
	Filtered    uint64  `json:"filtered"`
	Dropped     Dropped `json:"dropped"`
	InFlight    uint64  `json:"in_flight"`
	Batches     uint64  `json:"batches"`
	Bytes       uint64  `json:"bytes"`
	WriteErrors uint64  `json:"write_errors"`
}

// Sink returns the metrics of the sink with that name.
func (m Metrics) Sink(name string) (SinkMetrics, bool) {
	for _, s := range m.Sinks {
		if s.Name == name {
			return s, true
		}
	}
	return SinkMetrics{}, false
}

// shutdownLost is the most events any sink lost to a shutdown deadline.
func (m *Metrics) shutdownLost() uint64 {
	var n uint64
	for _, s := range m.Sinks {
		n = max(n, s.Dropped.ShutdownTimeout)
	}
	return n
}

// Metrics reads the logger's counters. After Close it returns the reading
// taken when the logger was closed, plus the events refused since.
func (l *Logger) Metrics() (Metrics, error) {
	h := l.h
	var m Metrics
	if h.acquire() {
		var err error
		m, err = readMetrics(h.ptr)
		h.release()
		runtime.KeepAlive(h)
		if err != nil {
			return Metrics{}, err
		}
	} else {
		<-h.done
		if f := h.final.Load(); f != nil {
			m = *f
			m.Sinks = append([]SinkMetrics(nil), f.Sinks...)
		}
	}
	filtered, refused := h.fam.filtered.load(), h.fam.refused.load()
	m.Submitted += filtered + refused
	m.Filtered += filtered
	m.Dropped.Closed += refused
	for i := range m.Sinks {
		m.Sinks[i].Filtered += filtered
		m.Sinks[i].Dropped.Closed += refused
	}
	return m, nil
}

// readMetrics calls asynclog_logger_metrics on a handle the caller holds.
func readMetrics(p *cLogger) (Metrics, error) {
	buf := make([]byte, 1024)
	for {
		var eb [errCap]byte
		n, st := cMetrics(p, buf, eb[:])
		if st == StatusBufferTooSmall {
			buf = make([]byte, n+256)
			continue
		}
		if st != StatusOK {
			return Metrics{}, cError("metrics", st, eb[:])
		}
		var m Metrics
		if err := json.Unmarshal(buf[:n], &m); err != nil {
			return Metrics{}, errorf("metrics", StatusPanic,
				"cannot parse the library's metrics: %v", err)
		}
		return m, nil
	}
}

// CaptureTake takes the lines a "capture" sink has received since the
// last call, removing them from the capture; meant for tests, with a
// configuration such as {"sinks":[{"type":"capture","name":"mem"}]}.
// Call Flush first to wait for what was logged. A logger without a
// capture sink of that name returns an error wrapping ErrNoSuchSink.
func (l *Logger) CaptureTake(sink string) ([]byte, error) {
	h := l.h
	if !h.acquire() {
		return nil, errClosed
	}
	defer func() {
		h.release()
		runtime.KeepAlive(h)
	}()
	var eb [errCap]byte
	n, st := cCaptureTake(h.ptr, sink, nil, eb[:])
	for st == StatusBufferTooSmall {
		// More may arrive between the two calls: leave some room.
		buf := make([]byte, n+1+n/4+4096)
		n, st = cCaptureTake(h.ptr, sink, buf, eb[:])
		if st == StatusOK {
			return buf[:n:n], nil
		}
	}
	if st != StatusOK {
		return nil, cError("capture take", st, eb[:])
	}
	return nil, nil
}
