//! Full queues follow their policy, and every drop is counted exactly.

mod common;

use asynclog_core::config::Policy;
use asynclog_core::{DropReason, Logger, Outcome, field};
use common::*;

#[test]
fn drop_newest_keeps_the_first_events_and_counts_the_rest() {
    let log = Logger::new(stall_config(8, Policy::DropNewest)).unwrap();
    stall(&log);
    let mut refused = 0;
    for i in 0..108 {
        match log.log(asynclog_core::Level::Info, "burst", &[field("seq", i)]) {
            Outcome::Queued => {}
            Outcome::Dropped(DropReason::QueueFull) => refused += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(refused, 100);
    let cap = log.capture("mem").unwrap();
    cap.resume();
    log.flush(SECS5).unwrap();
    let m = log.metrics();
    assert_eq!(m.dropped.queue_full, 100);
    assert_eq!(m.sinks[0].written, 3 + 8);
    assert_balanced(&m);
    let seqs = ints_of(&cap.text(), "burst", "seq");
    assert_eq!(seqs, (0..8).collect::<Vec<_>>());
}

#[test]
fn drop_oldest_keeps_the_last_events_and_counts_the_rest() {
    let log = Logger::new(stall_config(8, Policy::DropOldest)).unwrap();
    stall(&log);
    for i in 0..108 {
        assert_eq!(
            log.log(asynclog_core::Level::Info, "burst", &[field("seq", i)]),
            Outcome::Queued
        );
    }
    let cap = log.capture("mem").unwrap();
    cap.resume();
    log.flush(SECS5).unwrap();
    let m = log.metrics();
    assert_eq!(m.dropped.queue_full, 100);
    assert_eq!(m.sinks[0].written, 3 + 8);
    assert_balanced(&m);
    let seqs = ints_of(&cap.text(), "burst", "seq");
    assert_eq!(seqs, (100..108).collect::<Vec<_>>());
}

#[test]
fn a_drop_leaves_one_notice_in_the_stream_once_pressure_ends() {
    let log = Logger::new(stall_config(4, Policy::DropNewest)).unwrap();
    stall(&log);
    for i in 0..14 {
        log.info("burst", &[field("seq", i)]);
    }
    let cap = log.capture("mem").unwrap();
    cap.resume();
    log.flush(SECS5).unwrap();
    let lines = json_lines(&cap.text());
    let notices: Vec<_> = lines.iter().filter(|v| v["logger"] == "asynclog").collect();
    assert_eq!(notices.len(), 1, "{lines:?}");
    assert_eq!(notices[0]["msg"], "events dropped");
    assert_eq!(notices[0]["dropped"], 10);
    assert_eq!(notices[0]["reasons"]["queue_full"], 10);
    assert_eq!(notices[0]["level"], "WARN");
    // The notice is not an event: it is not counted as written.
    assert_eq!(log.metrics().sinks[0].written, 3 + 4);
}

#[test]
fn audit_events_block_instead_of_dropping_under_a_drop_policy() {
    let log = Logger::new(stall_config(2, Policy::DropNewest)).unwrap();
    stall(&log);
    log.info("fill", &[]);
    log.info("fill", &[]);
    let x = log.log(asynclog_core::Level::Info, "x", &[]);
    assert_eq!(
        x,
        Outcome::Dropped(DropReason::QueueFull),
        "{:?}",
        log.metrics()
    );
    let log2 = log.clone();
    let audit =
        std::thread::spawn(move || log2.log(asynclog_core::Level::Audit, "who did it", &[]));
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert!(
        !audit.is_finished(),
        "an audit event must wait for room, not drop"
    );
    log.capture("mem").unwrap().resume();
    assert_eq!(audit.join().unwrap(), Outcome::Queued);
    log.flush(SECS5).unwrap();
    let m = log.metrics();
    assert_eq!(m.dropped.queue_full, 1);
    assert_balanced(&m);
    assert!(log.capture("mem").unwrap().text().contains("who did it"));
}

#[test]
fn a_slow_sink_drops_per_its_own_policy_without_stalling_a_fast_one() {
    use asynclog_core::config::{SinkConfig, SinkKind};
    let mut c = capture_config();
    c.batch.max_events = 1;
    let mut slow = SinkConfig::new("slow", SinkKind::Capture);
    slow.queue.max_batches = 2;
    slow.queue.policy = Policy::DropNewest;
    c.sinks.push(slow);
    let log = Logger::new(c).unwrap();
    let slow = log.capture("slow").unwrap();
    slow.pause();
    for i in 0..1000 {
        log.info("e", &[field("i", i)]);
    }
    // The fast sink gets everything while the slow one is stalled.
    wait_for("the fast sink", || {
        log.metrics().sink("mem").unwrap().written == 1000
    });
    slow.resume();
    log.flush(SECS5).unwrap();
    let m = log.metrics();
    let s = m.sink("slow").unwrap();
    assert!(s.dropped.queue_full >= 1000 - 3 - 100, "{m:?}");
    assert_eq!(s.written + s.dropped.queue_full, 1000);
    assert_balanced(&m);
}

#[test]
fn write_errors_are_retried_then_counted_as_sink_errors() {
    let log = capture_logger();
    let cap = log.capture("mem").unwrap();
    cap.fail_next_writes(1);
    log.info("retried", &[]);
    log.flush(SECS5).unwrap();
    assert!(cap.text().contains("retried"));
    assert_eq!(log.metrics().sinks[0].write_errors, 1);

    cap.fail_next_writes(3);
    log.info("lost", &[]);
    log.flush(SECS5).unwrap();
    let m = log.metrics();
    assert_eq!(m.sinks[0].dropped.sink_error, 1);
    assert_balanced(&m);
    assert!(!cap.text().contains("\"lost\""));
}
