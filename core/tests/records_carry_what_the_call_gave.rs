//! Levels, child loggers, context, limits and bad input, seen in the
//! output.

mod common;

use asynclog_core::config::{SinkConfig, SinkKind};
use asynclog_core::record::{DROPPED_FIELDS_KEY, TRUNCATION_MARKER};
use asynclog_core::{DropReason, Level, Logger, Outcome, Value, context, field};
use common::*;

fn one_line(log: &Logger) -> serde_json::Value {
    log.flush(SECS5).unwrap();
    let lines: Vec<_> = json_lines(&log.capture("mem").unwrap().text())
        .into_iter()
        .filter(|v| v["logger"] != "asynclog")
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines.into_iter().next().unwrap()
}

#[test]
fn the_default_level_filters_debug_and_counts_it() {
    let log = capture_logger();
    assert_eq!(log.log(Level::Debug, "hidden", &[]), Outcome::Filtered);
    log.info("shown", &[]);
    let v = one_line(&log);
    assert_eq!(v["msg"], "shown");
    let m = log.metrics();
    assert_eq!(m.filtered, 1);
    assert_balanced(&m);
}

#[test]
fn audit_and_security_pass_every_level_filter() {
    let log = capture_logger();
    log.set_level(Level::Fatal);
    log.error("hidden", &[]);
    log.audit("user deleted", &[field("actor", "alice")]);
    log.security("login failed", &[]);
    log.flush(SECS5).unwrap();
    let lines = json_lines(&log.capture("mem").unwrap().text());
    let levels: Vec<_> = lines
        .iter()
        .map(|v| v["level"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(levels, ["AUDIT", "SECURITY"]);
}

#[test]
fn sinks_filter_by_their_own_level() {
    let mut c = capture_config();
    let mut errors = SinkConfig::new("errors", SinkKind::Capture);
    errors.level = Level::Error;
    c.sinks.push(errors);
    let log = Logger::new(c).unwrap();
    log.info("i", &[]);
    log.error("e", &[]);
    log.flush(SECS5).unwrap();
    assert_eq!(log.capture("mem").unwrap().lines().len(), 2);
    assert_eq!(log.capture("errors").unwrap().lines().len(), 1);
    let m = log.metrics();
    assert_eq!(m.sink("errors").unwrap().filtered, 1);
    assert_balanced(&m);
}

#[test]
fn sampling_keeps_the_rate_and_never_samples_errors() {
    let mut c = capture_config();
    c.sample_rate = 0.25;
    let log = Logger::new(c).unwrap();
    for _ in 0..1000 {
        log.info("sampled", &[]);
    }
    for _ in 0..10 {
        log.error("kept", &[]);
        log.audit("kept", &[]);
    }
    log.flush(SECS5).unwrap();
    let text = log.capture("mem").unwrap().text();
    assert_eq!(text.matches("\"sampled\"").count(), 250);
    assert_eq!(text.matches("\"kept\"").count(), 20);
    let m = log.metrics();
    assert_eq!(m.filtered, 750);
    assert_balanced(&m);
}

#[test]
fn events_a_caller_samples_out_are_submitted_and_filtered() {
    let log = capture_logger();
    log.info("kept", &[]);
    for _ in 0..7 {
        log.count_sampled_out();
    }
    log.flush(SECS5).unwrap();
    assert_eq!(log.capture("mem").unwrap().lines().len(), 1);
    let m = log.metrics();
    assert_eq!(m.submitted, 8);
    assert_eq!(m.filtered, 7);
    assert_balanced(&m);
}

#[test]
fn child_loggers_add_bound_fields_and_names() {
    let log = capture_logger();
    let child = log
        .named("db")
        .with(&[field("pool", "main")])
        .with(&[field("shard", 3)]);
    child.info("query", &[field("rows", 10)]);
    let v = one_line(&log);
    assert_eq!(v["logger"], "db");
    assert_eq!(v["pool"], "main");
    assert_eq!(v["shard"], 3);
    assert_eq!(v["rows"], 10);
}

#[test]
fn named_children_take_their_configured_level() {
    let mut c = capture_config();
    c.loggers = vec![asynclog_core::config::LoggerOverride {
        name: "noisy".into(),
        level: Level::Error,
    }];
    let log = Logger::new(c).unwrap();
    let noisy = log.named("noisy");
    noisy.warn("hidden", &[]);
    noisy.error("shown", &[]);
    assert_eq!(one_line(&log)["msg"], "shown");
}

#[test]
fn context_scopes_are_captured_at_the_call_and_restored() {
    let log = capture_logger();
    {
        let _outer = context::enter(&[field("correlation_id", "req-1"), field("user", "a")]);
        let _inner = context::enter(&[field("user", "b"), field("span_id", "00f067aa0ba902b7")]);
        log.info("inside", &[]);
    }
    log.info("outside", &[]);
    log.flush(SECS5).unwrap();
    let lines = json_lines(&log.capture("mem").unwrap().text());
    assert_eq!(lines[0]["correlation_id"], "req-1");
    assert_eq!(lines[0]["user"], "b");
    assert_eq!(lines[0]["span_id"], "00f067aa0ba902b7");
    assert!(lines[1].get("correlation_id").is_none());
}

#[test]
fn context_follows_a_task_across_awaits_and_threads() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let log = capture_logger();
    rt.block_on(async {
        let mut tasks = Vec::new();
        for r in 0..20 {
            let log = log.clone();
            let id = format!("req-{r}");
            tasks.push(tokio::spawn(context::scope(
                &[field("correlation_id", id.as_str())],
                async move {
                    for step in 0..5 {
                        tokio::task::yield_now().await;
                        log.log_async(Level::Info, "step", &[field("step", step)])
                            .await;
                    }
                },
            )));
        }
        for t in tasks {
            t.await.unwrap();
        }
        log.flush_async(SECS5).await.unwrap();
    });
    let lines = json_lines(&log.capture("mem").unwrap().text());
    assert_eq!(lines.len(), 100);
    for r in 0..20 {
        let id = format!("req-{r}");
        assert_eq!(
            lines
                .iter()
                .filter(|v| v["correlation_id"] == id.as_str())
                .count(),
            5
        );
    }
}

#[test]
fn log_async_waits_for_room_without_blocking_the_executor() {
    let log = Logger::new(stall_config(4, asynclog_core::config::Policy::Block)).unwrap();
    let cap = log.capture("mem").unwrap();
    cap.pause();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let outcome = rt.block_on(async {
        let pending = {
            let log = log.clone();
            tokio::spawn(async move {
                for i in 0..20 {
                    log.log_async(Level::Info, "e", &[field("i", i)]).await;
                }
            })
        };
        // The single executor thread is still free while the producer waits.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(!pending.is_finished());
        cap.resume();
        pending.await
    });
    outcome.unwrap();
    log.flush(SECS5).unwrap();
    assert_eq!(log.capture("mem").unwrap().lines().len(), 20);
}

#[test]
fn long_messages_and_values_are_truncated_with_a_marker_and_counted() {
    let mut c = capture_config();
    c.limits.max_message_bytes = 64;
    let log = Logger::new(c).unwrap();
    let long = "é".repeat(100);
    log.info(&long, &[field("v", long.as_str())]);
    let v = one_line(&log);
    let msg = v["msg"].as_str().unwrap();
    assert!(msg.len() <= 64 && msg.ends_with(TRUNCATION_MARKER), "{msg}");
    assert!(v["v"].as_str().unwrap().ends_with(TRUNCATION_MARKER));
    assert_eq!(log.metrics().truncated, 1);
}

#[test]
fn fields_past_the_limit_are_left_out_and_counted() {
    let mut c = capture_config();
    c.limits.max_fields = 3;
    let log = Logger::new(c).unwrap();
    let fields: Vec<_> = (0..10).map(|i| field("k", i)).collect();
    log.info("m", &fields);
    let v = one_line(&log);
    assert_eq!(v[DROPPED_FIELDS_KEY], 7);
}

#[test]
fn nesting_past_the_limit_becomes_a_marker() {
    let mut c = capture_config();
    c.limits.max_depth = 2;
    let log = Logger::new(c).unwrap();
    let deepest = [field("x", 1)];
    let mid = [field("c", &deepest[..])];
    let top = [field("b", &mid[..])];
    log.info("m", &[field("a", &top[..])]);
    let v = one_line(&log);
    // Two levels of objects are kept; the third becomes the marker.
    assert_eq!(v["a"]["b"]["c"], asynclog_core::record::DEPTH_MARKER);
}

#[test]
fn records_over_the_size_limit_are_dropped_and_counted() {
    let mut c = capture_config();
    c.limits.max_record_bytes = 1024;
    let log = Logger::new(c).unwrap();
    let big = "x".repeat(600);
    let outcome = log.log(
        Level::Info,
        "m",
        &[field("a", big.as_str()), field("b", big.as_str())],
    );
    assert_eq!(outcome, Outcome::Dropped(DropReason::TooLarge));
    log.flush(SECS5).unwrap();
    let m = log.metrics();
    assert_eq!(m.dropped.too_large, 1);
    assert_balanced(&m);
}

#[test]
fn invalid_utf8_is_replaced_and_counted_never_written_raw() {
    let log = capture_logger();
    log.log_with(Level::Info, b"bad \xff\xfe message", |w| {
        w.str(Some(b"k\xc3"), b"v\x80");
    });
    let v = one_line(&log);
    assert_eq!(v["msg"], "bad \u{fffd}\u{fffd} message");
    assert_eq!(v["k\u{fffd}"], "v\u{fffd}");
    assert_eq!(log.metrics().invalid_utf8, 1);
}

#[test]
fn pre_encoded_fields_are_checked_before_they_are_queued() {
    let log = capture_logger();
    let mut good = vec![0x07u8, 4, 0];
    good.extend_from_slice(b"path");
    good.extend_from_slice(&3u32.to_le_bytes());
    good.extend_from_slice(b"/ok");
    assert_eq!(
        log.log_encoded(Level::Info, b"m", &good),
        Ok(Outcome::Queued)
    );
    let err = log
        .log_encoded(Level::Info, b"m", &good[..good.len() - 1])
        .unwrap_err();
    assert_eq!(err.reason, "string runs past the end");
    assert!(log.log_encoded(Level::Info, b"m", &[0x7f, 0, 0]).is_err());
    let v = one_line(&log);
    assert_eq!(v["path"], "/ok");
    let m = log.metrics();
    assert_eq!(m.dropped.invalid, 2);
    assert_balanced(&m);
}

#[test]
fn every_value_type_reaches_the_output() {
    let arr = [Value::I64(1), Value::Str("two")];
    let log = capture_logger();
    log.info(
        "m",
        &[
            field("s", "x"),
            field("i", -1),
            field("u", u64::MAX),
            field("f", 0.5),
            field("b", false),
            field("n", Value::Null),
            field("bytes", &b"\x00\x01"[..]),
            field("arr", &arr[..]),
        ],
    );
    let v = one_line(&log);
    assert_eq!(v["s"], "x");
    assert_eq!(v["i"], -1);
    assert_eq!(v["u"], u64::MAX);
    assert_eq!(v["f"], 0.5);
    assert_eq!(v["b"], false);
    assert!(v["n"].is_null());
    assert_eq!(v["bytes"], "AAE=");
    assert_eq!(v["arr"], serde_json::json!([1, "two"]));
}

/// Nanoseconds since the epoch of an RFC 3339 UTC stamp with nine digits
/// of fraction, as the NDJSON encoder writes them.
fn rfc3339_nanos(s: &str) -> u64 {
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Days from the civil date (proleptic Gregorian).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19);
    assert_eq!(&s[19..20], ".");
    secs as u64 * 1_000_000_000 + n(20..29) as u64
}

#[test]
fn timestamps_are_the_wall_clock_at_the_call() {
    let log = capture_logger();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    };
    let mut windows = Vec::new();
    for i in 0..300 {
        let before = now();
        log.info("tick", &[field("i", i)]);
        windows.push((before, now()));
        if i % 50 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(3));
        }
    }
    log.flush(SECS5).unwrap();
    let lines = json_lines(&log.capture("mem").unwrap().text());
    assert_eq!(lines.len(), 300);
    for (v, (before, after)) in lines.iter().zip(windows) {
        let ts = rfc3339_nanos(v["ts"].as_str().unwrap());
        // The stamp is taken inside the call; allow a little for a
        // counter-based clock's conversion.
        assert!(
            ts + 50_000 >= before && ts <= after + 50_000,
            "record {} stamped {ts}, called between {before} and {after}",
            v["i"]
        );
    }
}

#[test]
fn a_handle_with_its_own_level_leaves_its_parent_alone() {
    let log = capture_logger();
    let child = log.with(&[field("component", "db")]).with_own_level();
    child.set_level(Level::Debug);
    assert_eq!(log.level(), Level::Info);
    assert_eq!(child.log(Level::Debug, "seen", &[]), Outcome::Queued);
    assert_eq!(log.log(Level::Debug, "hidden", &[]), Outcome::Filtered);
    log.set_level(Level::Error);
    assert_eq!(
        child.level(),
        Level::Debug,
        "the parent's change stays with the parent"
    );
    let grandchild = child.with(&[field("k", 1)]);
    assert_eq!(
        grandchild.level(),
        Level::Debug,
        "children share their parent's level"
    );
    let v = one_line(&log);
    assert_eq!(v["msg"], "seen");
    assert_eq!(v["component"], "db");
}
