//! Counters and the metrics snapshot.
//!
//! The books balance per sink: for every sink,
//! `submitted = written + filtered + dropped + in_flight`, where `filtered`
//! and `dropped` add the logger's own counts (level filter, sampling, a
//! full event queue, oversized or invalid records, logging after close) to
//! the sink's (its level filter, its full batch queue, write errors, the
//! shutdown deadline). Once a flush has returned with nothing pending and
//! nothing more is logged, `in_flight` is zero.

use std::fmt::Write as _;

use crate::counter::{PerThread, Single, Striped};

/// Counters of the logger as a whole.
#[derive(Default)]
pub(crate) struct LoggerCounters {
    /// Records placed in the event queue.
    pub enqueued: PerThread,
    /// Filtered at the call by level.
    pub filtered_level: Striped,
    /// Left out at the call by the caller's own sampling
    /// ([`crate::Logger::count_sampled_out`]).
    pub sampled_at_call: Striped,
    /// Refused at the call: queue full under `drop_newest`.
    pub queue_full_rejected: Striped,
    /// Queued, then pushed out by a newer record under `drop_oldest`.
    pub queue_full_evicted: Striped,
    /// Larger than `max_record_bytes` after truncation.
    pub too_large: Striped,
    /// Pre-encoded fields that were not well formed.
    pub invalid: Striped,
    /// Logged after the logger began to close, refused at the call.
    pub closed: Striped,
    /// Published after the worker gave up at the shutdown deadline, then
    /// removed uncounted by any sink.
    pub closed_after_enqueue: Striped,
    /// Records with a truncated part.
    pub truncated: Striped,
    /// Records in which invalid UTF-8 was replaced.
    pub invalid_utf8: Striped,
    /// Taken from the queue by the worker.
    pub dequeued: Single,
    /// Left out by sampling.
    pub sampled_out: Single,
    /// Dropped by a filter plugin on the worker.
    pub filtered_plugin: Single,
    /// Left in the event queue when the shutdown deadline passed.
    pub shutdown_timeout: Single,
}

/// Counters of one sink.
#[derive(Default)]
pub(crate) struct SinkCounters {
    /// Events below the sink's level.
    pub filtered: Single,
    /// Events dropped because the sink's queue was full.
    pub queue_full: Single,
    /// Events written.
    pub written: Single,
    /// Events in batches that failed to write after retries.
    pub sink_error: Single,
    /// Events still queued for the sink when the shutdown deadline passed.
    pub shutdown_timeout: Single,
    /// Batches written.
    pub batches: Single,
    /// Bytes written.
    pub bytes: Single,
    /// Failed write attempts, retried or not.
    pub write_errors: Single,
}

/// Drop counts by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dropped {
    /// A full queue (event queue or sink queue).
    pub queue_full: u64,
    /// A record larger than `max_record_bytes`.
    pub too_large: u64,
    /// Pre-encoded fields that were not well formed.
    pub invalid: u64,
    /// Logged after the logger began to close.
    pub closed: u64,
    /// A sink's writes kept failing.
    pub sink_error: u64,
    /// Still pending when the shutdown deadline passed.
    pub shutdown_timeout: u64,
}

impl Dropped {
    /// All drops together.
    pub fn total(&self) -> u64 {
        self.queue_full
            + self.too_large
            + self.invalid
            + self.closed
            + self.sink_error
            + self.shutdown_timeout
    }

    fn add(&self, other: &Dropped) -> Dropped {
        Dropped {
            queue_full: self.queue_full + other.queue_full,
            too_large: self.too_large + other.too_large,
            invalid: self.invalid + other.invalid,
            closed: self.closed + other.closed,
            sink_error: self.sink_error + other.sink_error,
            shutdown_timeout: self.shutdown_timeout + other.shutdown_timeout,
        }
    }

    /// Reasons with a count, for in-band notices.
    pub(crate) fn reasons(&self) -> [(&'static str, u64); 6] {
        [
            ("queue_full", self.queue_full),
            ("too_large", self.too_large),
            ("invalid", self.invalid),
            ("closed", self.closed),
            ("sink_error", self.sink_error),
            ("shutdown_timeout", self.shutdown_timeout),
        ]
    }

    fn write_json(&self, out: &mut String) {
        out.push('{');
        for (i, (k, v)) in self.reasons().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{k}\":{v}");
        }
        out.push('}');
    }

    /// The difference to an earlier reading.
    pub(crate) fn since(&self, earlier: &Dropped) -> Dropped {
        Dropped {
            queue_full: self.queue_full - earlier.queue_full,
            too_large: self.too_large - earlier.too_large,
            invalid: self.invalid - earlier.invalid,
            closed: self.closed - earlier.closed,
            sink_error: self.sink_error - earlier.sink_error,
            shutdown_timeout: self.shutdown_timeout - earlier.shutdown_timeout,
        }
    }
}

/// A point-in-time reading of a logger's counters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// The logger's name.
    pub name: String,
    /// Events logged, whatever became of them.
    pub submitted: u64,
    /// Events filtered by the logger's level, by sampling, or by a filter
    /// plugin.
    pub filtered: u64,
    /// Events the logger itself dropped, by reason.
    pub dropped: Dropped,
    /// Events with a truncated part (still written).
    pub truncated: u64,
    /// Events in which invalid UTF-8 was replaced (still written).
    pub invalid_utf8: u64,
    /// Events in the event queue or the worker's open batch.
    pub queued: u64,
    /// One entry per sink.
    pub sinks: Vec<SinkSnapshot>,
}

/// A point-in-time reading of one sink's counters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SinkSnapshot {
    /// The sink's name.
    pub name: String,
    /// Events written by this sink.
    pub written: u64,
    /// Filtered for this sink: the logger's filtering plus the sink's.
    pub filtered: u64,
    /// Dropped for this sink: the logger's drops plus the sink's, by
    /// reason.
    pub dropped: Dropped,
    /// Events submitted but not yet written, filtered or dropped here.
    pub in_flight: u64,
    /// Batches written.
    pub batches: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Failed write attempts, including ones a retry recovered.
    pub write_errors: u64,
}

impl LoggerCounters {
    pub(crate) fn dropped(&self) -> Dropped {
        self.read().dropped()
    }

    /// Reads every counter once. Counts of what happened to a queued
    /// record are read before the queued count itself, so a reading taken
    /// while records move errs toward more in flight, never fewer.
    fn read(&self) -> LoggerReading {
        // Fields are read in the order written.
        LoggerReading {
            queue_full_evicted: self.queue_full_evicted.get(),
            closed_after_enqueue: self.closed_after_enqueue.get(),
            sampled_out: self.sampled_out.get(),
            filtered_plugin: self.filtered_plugin.get(),
            shutdown_timeout: self.shutdown_timeout.get(),
            dequeued: self.dequeued.get(),
            enqueued: self.enqueued.get(),
            filtered_level: self.filtered_level.get(),
            sampled_at_call: self.sampled_at_call.get(),
            queue_full_rejected: self.queue_full_rejected.get(),
            too_large: self.too_large.get(),
            invalid: self.invalid.get(),
            closed: self.closed.get(),
            truncated: self.truncated.get(),
            invalid_utf8: self.invalid_utf8.get(),
        }
    }
}

/// One reading of [`LoggerCounters`]. Every sum is taken from it, so a
/// count refused at the call appears in `submitted` exactly as often as in
/// `filtered` or `dropped`, however fast callers keep adding to it.
struct LoggerReading {
    queue_full_evicted: u64,
    closed_after_enqueue: u64,
    sampled_out: u64,
    filtered_plugin: u64,
    shutdown_timeout: u64,
    dequeued: u64,
    enqueued: u64,
    filtered_level: u64,
    sampled_at_call: u64,
    queue_full_rejected: u64,
    too_large: u64,
    invalid: u64,
    closed: u64,
    truncated: u64,
    invalid_utf8: u64,
}

impl LoggerReading {
    fn dropped(&self) -> Dropped {
        Dropped {
            queue_full: self.queue_full_rejected + self.queue_full_evicted,
            too_large: self.too_large,
            invalid: self.invalid,
            closed: self.closed + self.closed_after_enqueue,
            sink_error: 0,
            shutdown_timeout: self.shutdown_timeout,
        }
    }

    fn filtered(&self) -> u64 {
        self.filtered_level + self.sampled_at_call + self.sampled_out + self.filtered_plugin
    }

    /// Events that never reached the queue.
    fn rejected(&self) -> u64 {
        self.filtered_level
            + self.sampled_at_call
            + self.queue_full_rejected
            + self.too_large
            + self.invalid
            + self.closed
    }
}

impl SinkCounters {
    pub(crate) fn dropped(&self) -> Dropped {
        Dropped {
            queue_full: self.queue_full.get(),
            sink_error: self.sink_error.get(),
            shutdown_timeout: self.shutdown_timeout.get(),
            ..Dropped::default()
        }
    }
}

/// Reads every counter into a snapshot. Sink counters are read before the
/// logger's, so a racing reading errs toward a larger `in_flight`, never a
/// negative one.
pub(crate) fn snapshot<'a>(
    name: &str,
    logger: &LoggerCounters,
    sinks: impl Iterator<Item = (&'a str, &'a SinkCounters)>,
) -> Snapshot {
    let sink_readings: Vec<_> = sinks
        .map(|(n, s)| {
            (
                n.to_string(),
                s.written.get(),
                s.filtered.get(),
                s.dropped(),
                s.batches.get(),
                s.bytes.get(),
                s.write_errors.get(),
            )
        })
        .collect();
    let reading = logger.read();
    let dropped = reading.dropped();
    let filtered = reading.filtered();
    let enqueued = reading.enqueued;
    let submitted = enqueued + reading.rejected();
    let done_by_worker = reading.dequeued + reading.queue_full_evicted;
    let queued = enqueued.saturating_sub(done_by_worker);
    let sinks = sink_readings
        .into_iter()
        .map(
            |(name, written, sfiltered, sdropped, batches, bytes, write_errors)| {
                let filtered = filtered + sfiltered;
                let dropped = dropped.add(&sdropped);
                let in_flight = submitted.saturating_sub(written + filtered + dropped.total());
                SinkSnapshot {
                    name,
                    written,
                    filtered,
                    dropped,
                    in_flight,
                    batches,
                    bytes,
                    write_errors,
                }
            },
        )
        .collect();
    Snapshot {
        name: name.to_string(),
        submitted,
        filtered,
        dropped,
        truncated: reading.truncated,
        invalid_utf8: reading.invalid_utf8,
        queued,
        sinks,
    }
}

impl Snapshot {
    /// The snapshot as one JSON object, as the C ABI returns it.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256 + 256 * self.sinks.len());
        out.push_str("{\"logger\":");
        json_str(&mut out, &self.name);
        let _ = write!(
            out,
            ",\"submitted\":{},\"filtered\":{},\"dropped\":",
            self.submitted, self.filtered
        );
        self.dropped.write_json(&mut out);
        let _ = write!(
            out,
            ",\"truncated\":{},\"invalid_utf8\":{},\"queued\":{},\"sinks\":[",
            self.truncated, self.invalid_utf8, self.queued
        );
        for (i, s) in self.sinks.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            json_str(&mut out, &s.name);
            let _ = write!(
                out,
                ",\"written\":{},\"filtered\":{},\"dropped\":",
                s.written, s.filtered
            );
            s.dropped.write_json(&mut out);
            let _ = write!(
                out,
                ",\"in_flight\":{},\"batches\":{},\"bytes\":{},\"write_errors\":{}}}",
                s.in_flight, s.batches, s.bytes, s.write_errors
            );
        }
        out.push_str("]}");
        out
    }

    /// The sink with this name.
    pub fn sink(&self, name: &str) -> Option<&SinkSnapshot> {
        self.sinks.iter().find(|s| s.name == name)
    }
}

fn json_str(out: &mut String, s: &str) {
    let mut v = Vec::with_capacity(s.len() + 2);
    crate::encode::json_write_str(&mut v, s);
    out.push_str(std::str::from_utf8(&v).unwrap_or("\"\""));
}
