//! Sinks: where encoded batches end up.
//!
//! A sink receives whole batches of complete lines, already encoded, from its
//! own delivery thread. It never sees a partial record, so rotation and
//! framing can happen at batch boundaries.

use std::io;

pub(crate) mod capture;
pub(crate) mod file;
pub(crate) mod stdio;

pub use capture::Capture;

/// A destination that writes encoded batches with blocking I/O.
///
/// Each sink runs on a delivery thread of its own, so a slow `write` only
/// stalls that sink's queue.
pub(crate) trait Sink: Send {
    /// Writes one batch: a run of complete encoded records.
    ///
    /// On error nothing of the batch may be assumed written; the caller
    /// retries or counts the batch as dropped.
    fn write(&mut self, data: &[u8]) -> io::Result<()>;

    /// Whether a failed `write` is worth retrying. By default every error
    /// is: the delivery thread tries a batch three times, with backoff,
    /// before counting it as `sink_error`.
    fn retryable(&self, _error: &io::Error) -> bool {
        true
    }

    /// Pushes anything buffered below this sink to the operating system.
    fn flush(&mut self) -> io::Result<()>;

    /// Flushes and releases the sink; called once, last.
    fn close(&mut self) -> io::Result<()> {
        self.flush()
    }
}
