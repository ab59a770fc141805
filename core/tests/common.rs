//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use asynclog_core::config::{Policy, SinkConfig, SinkKind};
use asynclog_core::{Config, Logger, Outcome, Snapshot, field};

/// A config with one capture sink named `mem`.
pub fn capture_config() -> Config {
    Config {
        sinks: vec![SinkConfig::new("mem", SinkKind::Capture)],
        ..Config::default()
    }
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

/// Stalls the pipeline: one event held in the paused sink's write, one in
/// the sink queue, one in the worker's blocked hand-off. The event queue is
/// then empty and nothing moves until the sink resumes.
pub fn stall(log: &Logger) {
    let cap = log.capture("mem").unwrap();
    cap.pause();
    for i in 0..3 {
        // One at a time, so that even a tiny queue never overflows here.
        assert_eq!(
            log.log(asynclog_core::Level::Info, "stall", &[field("i", i)]),
            Outcome::Queued
        );
        wait_for("the worker to take it", || log.metrics().queued == 0);
    }
    wait_for("the sink to stall", || cap.stalled_writes() == 1);
    // The worker is now blocked handing over the third event.
    std::thread::sleep(std::time::Duration::from_millis(20));
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

/// Logs `per` events from each of `threads` threads, each event carrying
/// its thread `t` and its number `i`, then flushes.
pub fn log_from_threads(log: &Logger, threads: u64, per: u64) {
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                for i in 0..per {
                    log.info("e", &[field("t", t), field("i", i)]);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    log.flush(SECS5).unwrap();
}

/// Asserts that each of `producers` producers (field `t`) has its events
/// `i` = 0, 1, ... `per - 1` in `text`, in that order.
pub fn assert_each_producer_in_order(text: &str, producers: usize, per: u64) {
    let mut next = vec![0u64; producers];
    for v in json_lines(text) {
        let t = v["t"].as_u64().unwrap() as usize;
        assert_eq!(
            v["i"].as_u64().unwrap(),
            next[t],
            "producer {t} out of order"
        );
        next[t] += 1;
    }
    assert_eq!(next, vec![per; producers]);
}

/// The integer field `key` of every line whose `msg` is `msg`, in order.
pub fn ints_of(text: &str, msg: &str, key: &str) -> Vec<i64> {
    json_lines(text)
        .iter()
        .filter(|v| v["msg"] == msg)
        .map(|v| v[key].as_i64().unwrap())
        .collect()
}

pub const SECS5: Duration = Duration::from_secs(5);
