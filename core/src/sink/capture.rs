//! The in-memory capture sink, for tests.
//!
//! A `capture` sink keeps every encoded line in memory. Get its handle with
//! [`crate::Logger::capture`], then read the lines, or pause the sink to
//! simulate a stalled destination.

use std::io;
use std::sync::{Arc, Condvar, Mutex};

use super::Sink;

#[derive(Default)]
struct State {
    data: Vec<u8>,
    paused: bool,
    /// Batches that reached `write` while paused (waiting at the gate).
    waiting: usize,
    /// Writes to fail on purpose, for testing error handling.
    fail_next: usize,
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
    changed: Condvar,
}

/// A handle on the records a `capture` sink has received.
///
/// Cloning gives another handle on the same sink.
#[derive(Clone, Default)]
pub struct Capture {
    inner: Arc<Inner>,
}

impl Capture {
    pub(crate) fn new() -> Capture {
        Capture::default()
    }

    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        let state = self.inner.state.lock().unwrap();
        String::from_utf8_lossy(&state.data).into_owned()
    }

    /// Everything written so far, one string per line.
    pub fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_owned).collect()
    }

    /// Takes everything written so far, leaving the capture empty.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.inner.state.lock().unwrap().data)
    }

    /// Puts back data taken with [`Capture::take`], ahead of anything
    /// written since.
    pub fn restore(&self, mut data: Vec<u8>) {
        let mut state = self.inner.state.lock().unwrap();
        data.extend_from_slice(&state.data);
        state.data = data;
    }

    /// Forgets everything written so far.
    pub fn clear(&self) {
        self.inner.state.lock().unwrap().data.clear();
    }

    /// Makes the sink stall: each write waits until [`Capture::resume`].
    pub fn pause(&self) {
        self.inner.state.lock().unwrap().paused = true;
    }

    /// Lets stalled writes go on.
    pub fn resume(&self) {
        self.inner.state.lock().unwrap().paused = false;
        self.inner.changed.notify_all();
    }

    /// How many writes are waiting at a pause.
    pub fn stalled_writes(&self) -> usize {
        self.inner.state.lock().unwrap().waiting
    }

    /// Makes the next `n` writes fail with an I/O error.
    pub fn fail_next_writes(&self, n: usize) {
        self.inner.state.lock().unwrap().fail_next = n;
    }
}

/// The sink side of a capture.
pub(crate) struct CaptureSink {
    capture: Capture,
}

impl CaptureSink {
    pub(crate) fn new(capture: Capture) -> CaptureSink {
        CaptureSink { capture }
    }
}

impl Sink for CaptureSink {
    fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let inner = &self.capture.inner;
        let mut state = inner.state.lock().unwrap();
        if state.paused {
            state.waiting += 1;
            while state.paused {
                state = inner.changed.wait(state).unwrap();
            }
            state.waiting -= 1;
        }
        if state.fail_next > 0 {
            state.fail_next -= 1;
            return Err(io::Error::other("capture: failing as asked"));
        }
        state.data.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
