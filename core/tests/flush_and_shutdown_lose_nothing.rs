//! Flush returns once everything logged before it is written; closing a
//! logger drains it; the books balance at every step.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use asynclog_core::config::{FileSinkConfig, SinkConfig, SinkKind};
use asynclog_core::{Config, DropReason, Level, Logger, Outcome, field};
use common::*;

#[test]
fn flush_waits_for_every_event_logged_before_it() {
    let log = capture_logger();
    for i in 0..10_000 {
        log.info("e", &[field("i", i)]);
    }
    log.flush(SECS5).unwrap();
    let lines = log.capture("mem").unwrap().lines();
    assert_eq!(lines.len(), 10_000);
    assert_balanced(&log.metrics());
}

#[test]
fn flush_times_out_on_a_stalled_sink_and_says_how_many_are_pending() {
    let log = capture_logger();
    let cap = log.capture("mem").unwrap();
    cap.pause();
    for i in 0..50 {
        log.info("e", &[field("i", i)]);
    }
    let pending = log.flush(Duration::from_millis(100)).unwrap_err();
    assert_eq!(pending.events, 50);
    cap.resume();
    log.flush(SECS5).unwrap();
    assert_eq!(cap.lines().len(), 50);
}

#[test]
fn dropping_the_last_handle_drains_a_file_sink() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    let c = Config {
        sinks: vec![SinkConfig::new(
            "file",
            SinkKind::File(FileSinkConfig::new(&path)),
        )],
        ..Config::default()
    };
    let log = Logger::new(c).unwrap();
    let child = log.with(&[field("child", true)]);
    for i in 0..20_000 {
        log.info("parent", &[field("i", i)]);
        child.info("child", &[field("i", i)]);
    }
    drop(log);
    // The child still holds the logger open.
    child.info("last", &[]);
    drop(child);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 40_001);
    assert!(text.ends_with("}\n"));
}

#[test]
fn shutdown_refuses_later_events_and_counts_them_as_closed() {
    let log = capture_logger();
    log.info("before", &[]);
    log.shutdown(SECS5).unwrap();
    assert_eq!(
        log.log(Level::Info, "after", &[]),
        Outcome::Dropped(DropReason::Closed)
    );
    let m = log.metrics();
    assert_eq!(m.dropped.closed, 1);
    assert_eq!(m.sinks[0].written, 1);
    assert_balanced(&m);
    // A second shutdown only reports.
    log.shutdown(SECS5).unwrap();
}

#[test]
fn a_shutdown_racing_producers_writes_every_event_whose_call_queued_it() {
    // More producers than cores, so some are preempted between the closed
    // check and taking a slot, or between taking it and publishing, just
    // as the shutdown seals the queue. They go on logging after it, so
    // every reading is taken while refusals are being counted.
    for round in 0..40 {
        let log = capture_logger();
        let go = Arc::new(Barrier::new(7));
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..6u64)
            .map(|t| {
                let (log, go, stop) = (log.clone(), go.clone(), stop.clone());
                std::thread::spawn(move || {
                    let (mut queued, mut refused) = (0u64, 0u64);
                    go.wait();
                    for i in 0.. {
                        match log.log(Level::Info, "e", &[field("t", t), field("i", i)]) {
                            Outcome::Queued => queued += 1,
                            Outcome::Dropped(DropReason::Closed) => refused += 1,
                            other => panic!("unexpected {other:?}"),
                        }
                        if refused >= 100 && stop.load(Ordering::Relaxed) {
                            break;
                        }
                    }
                    (queued, refused)
                })
            })
            .collect();
        go.wait();
        std::thread::sleep(Duration::from_micros(200 * (round % 5)));
        log.shutdown(SECS5)
            .unwrap_or_else(|p| panic!("round {round}: shutdown left {p:?}"));
        for _ in 0..1000 {
            let m = log.metrics();
            assert_eq!(m.sinks[0].in_flight, 0, "round {round}: {m:?}");
        }
        stop.store(true, Ordering::Relaxed);
        let (queued, refused) = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let m = log.metrics();
        assert_eq!(m.sinks[0].written, queued, "round {round}: {m:?}");
        assert_eq!(m.dropped.closed, refused, "round {round}: {m:?}");
        assert_eq!(log.capture("mem").unwrap().lines().len() as u64, queued);
        assert_balanced(&m);
    }
}

#[test]
fn shutdown_past_its_deadline_counts_what_was_not_written() {
    let log = Logger::new(stall_config(1024, asynclog_core::config::Policy::Block)).unwrap();
    let cap = log.capture("mem").unwrap();
    cap.pause();
    for i in 0..100 {
        log.info("e", &[field("i", i)]);
    }
    let pending = log.shutdown(Duration::from_millis(100)).unwrap_err();
    // One event is stuck in the paused write; the rest were given up on.
    assert!(pending.events >= 99, "{pending:?}");
    cap.resume();
    // The stalled write finishes; everything else was counted.
    wait_for("the books to balance", || {
        let m = log.metrics();
        m.sinks[0].in_flight == 0
    });
    let m = log.metrics();
    let s = &m.sinks[0];
    assert_eq!(s.written + s.dropped.shutdown_timeout, 100, "{m:?}");
    assert!(s.dropped.shutdown_timeout >= 97, "{m:?}");
}

#[test]
fn many_producers_every_line_arrives_in_per_thread_order() {
    let log = capture_logger();
    log_from_threads(&log, 4, 25_000);
    assert_each_producer_in_order(&log.capture("mem").unwrap().text(), 4, 25_000);
    assert_balanced(&log.metrics());
}

#[test]
fn two_loggers_share_nothing() {
    let a = capture_logger();
    let b = capture_logger();
    let cap_b = b.capture("mem").unwrap();
    cap_b.pause();
    for i in 0..100 {
        a.info("from a", &[field("i", i)]);
        b.info("from b", &[field("i", i)]);
    }
    // b is stalled; a flushes regardless.
    a.flush(SECS5).unwrap();
    assert!(b.flush(Duration::from_millis(50)).is_err());
    let text_a = a.capture("mem").unwrap().text();
    assert_eq!(text_a.lines().count(), 100);
    assert!(!text_a.contains("from b"));
    assert_eq!(a.metrics().submitted, 100);
    a.shutdown(SECS5).unwrap();
    // Closing a leaves b working.
    cap_b.resume();
    b.info("still here", &[]);
    b.flush(SECS5).unwrap();
    assert_eq!(cap_b.lines().len(), 101);
    assert!(!cap_b.text().contains("from a"));
    assert_eq!(b.metrics().submitted, 101);
}

#[test]
fn a_thousand_loggers_come_and_go() {
    for i in 0..1000 {
        let log = capture_logger();
        log.info("hello", &[field("i", i)]);
        drop(log);
    }
}
