//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use asynclog_core::config::{Policy, SinkConfig, SinkKind};
use asynclog_core::{Config, Logger, Snapshot};

/// A config with one capture sink named `mem`.
pub fn capture_config() -> Config {
    let mut c = Config::default();
    c.sinks = vec![SinkConfig::new("mem", SinkKind::Capture)];
    c
}

/// A logger with one capture sink named `mem`.
pub fn capture_logger() -> Logger {
    Logger::new(capture_config()).unwrap()
}

/// A config whose every batch holds one event, so a paused sink stalls
/// the pipeline at a known point.
pub fn stall_config(queue: usize, policy: Policy) -> Config {
    let mut c = capture_config();
    c.queue.capacity = queue;
    c.queue.policy = policy;
    c.batch.max_events = 1;
    c.sinks[0].queue.max_batches = 1;
    c
}

/// Waits until `cond` holds, failing the test after 10 seconds.
pub fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Asserts the books balance for every sink, with nothing in flight.
pub fn assert_balanced(m: &Snapshot) {
    for s in &m.sinks {
        assert_eq!(
            m.submitted,
            s.written + s.filtered + s.dropped.total() + s.in_flight,
            "books do not balance for sink {}: {m:?}",
            s.name
        );
        assert_eq!(
            s.in_flight, 0,
            "events still in flight for sink {}: {m:?}",
            s.name
        );
    }
}

/// Parses every line as JSON.
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l}")))
        .collect()
}

pub const SECS5: Duration = Duration::from_secs(5);
