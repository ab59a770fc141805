//! The in-memory capture sink.

/// Records captured in memory by a `capture` sink.
pub struct Capture;
