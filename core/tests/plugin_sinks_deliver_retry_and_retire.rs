//! Sink plugins get one line per record; RETRY goes through the delivery
//! retries, ERROR ends as `sink_error`, and FATAL retires the instance
//! while every other sink goes on.

mod common;
mod plugin_support;

use asynclog_core::{Logger, field};
use common::{SECS5, assert_balanced};
use plugin_support::{PluginDir, config};
use serde_json::json;

fn logger(dir: &PluginDir, so: &std::path::Path, settings: serde_json::Value) -> Logger {
    Logger::new(config(json!({
        "plugins": dir.dirs_json(),
        "batch": {"max_events": 4},
        "sinks": [{"type": "capture", "name": "mem"},
                  {"type": "plugin", "name": "remote", "plugin": so, "config": settings}]
    })))
    .unwrap()
}

fn log_n(log: &Logger, n: usize) {
    for i in 0..n {
        log.info("event", &[field("i", i)]);
    }
    let _ = log.flush(SECS5);
}

fn numbers(text: &str) -> Vec<u64> {
    common::json_lines(text)
        .iter()
        .map(|l| l["i"].as_u64().unwrap())
        .collect()
}

#[test]
fn the_rust_file_sink_appends_every_line() {
    let dir = PluginDir::new();
    let so = dir.rust_plugin("file_sink");
    let out = dir.join("app.log");
    let log = logger(&dir, &so, json!({"path": out, "fsync": true}));
    log_n(&log, 10);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(numbers(&text), (0..10).collect::<Vec<_>>());
    let m = log.metrics();
    assert_eq!(m.sink("remote").unwrap().written, 10);
    assert_balanced(&m);
    let h = log.health();
    let p = h.plugin("remote").unwrap();
    assert_eq!(p.plugin, "file-sink");
    assert_eq!(
        p.counters[0],
        ("bytes_written".to_string(), text.len() as u64)
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn the_file_sink_refuses_a_relative_path() {
    let dir = PluginDir::new();
    let so = dir.rust_plugin("file_sink");
    let e = Logger::new(config(json!({
        "plugins": dir.dirs_json(),
        "sinks": [{"type": "plugin", "plugin": so, "config": {"path": "app.log"}}]
    })))
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "sinks[0].config: path: must be an absolute path, got \"app.log\""
    );
}

#[test]
fn each_line_is_passed_whole_with_its_newline() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("lines.so", &[]);
    let out = dir.join("out");
    let log = logger(&dir, &so, json!({"path": out}));
    log_n(&log, 9);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.ends_with('\n'));
    assert_eq!(numbers(&text), (0..9).collect::<Vec<_>>());
}

#[test]
fn retry_goes_through_the_delivery_retries() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("retry.so", &[]);
    let out = dir.join("out");
    let log = logger(&dir, &so, json!({"path": out, "mode": "retry_once"}));
    log_n(&log, 3);
    assert_eq!(numbers(&std::fs::read_to_string(&out).unwrap()), [0, 1, 2]);
    let m = log.metrics();
    let s = m.sink("remote").unwrap();
    assert_eq!((s.written, s.write_errors, s.dropped.sink_error), (3, 1, 0));
    assert_balanced(&m);
}

#[test]
fn a_partial_batch_is_finished_without_duplicates() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("partial.so", &["TP_CAPS=2"]);
    let out = dir.join("out");
    let log = logger(&dir, &so, json!({"path": out, "mode": "partial"}));
    log.capture("mem").unwrap();
    for i in 0..4 {
        log.info("event", &[field("i", i)]);
    }
    log.flush(SECS5).unwrap();
    assert_eq!(
        numbers(&std::fs::read_to_string(&out).unwrap()),
        [0, 1, 2, 3]
    );
    let m = log.metrics();
    assert_eq!(m.sink("remote").unwrap().written, 4);
    assert_balanced(&m);
}

#[test]
fn errors_end_as_sink_error_and_the_other_sinks_write_everything() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("error.so", &[]);
    let log = logger(&dir, &so, json!({"mode": "error"}));
    log_n(&log, 3);
    let m = log.metrics();
    assert_eq!(m.sink("remote").unwrap().dropped.sink_error, 3);
    assert_eq!(m.sink("mem").unwrap().written, 3);
    assert_balanced(&m);
    let h = log.health();
    let p = h.plugin("remote").unwrap();
    assert!(p.healthy, "errors alone do not make an instance unhealthy");
    assert_eq!(
        p.last_error.as_deref(),
        Some("write_batch returned ERROR: error asked for")
    );
}

#[test]
fn fatal_retires_the_sink_once_and_later_events_are_counted() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("fatal.so", &[]);
    let out = dir.join("out");
    let events = dir.join("events");
    let log = logger(
        &dir,
        &so,
        json!({"path": out, "events": events, "mode": "fatal", "after": 1}),
    );
    log.info("first", &[field("i", 0)]);
    log.flush(SECS5).unwrap();
    log_n(&log, 6);
    let m = log.metrics();
    let remote = m.sink("remote").unwrap();
    assert_eq!(remote.written, 1);
    assert_eq!(remote.dropped.sink_error, 6);
    assert_eq!(m.sink("mem").unwrap().written, 7);
    assert_balanced(&m);

    let h = log.health();
    let p = h.plugin("remote").unwrap();
    assert!(p.retired && !p.healthy);
    assert_eq!(p.calls, 2, "a retired instance is never called again");
    assert_eq!(
        p.last_error.as_deref(),
        Some("retired after write_batch returned FATAL: fatal asked for")
    );
    assert_eq!(
        std::fs::read_to_string(&events).unwrap(),
        "create\ndestroy\n"
    );
    drop(log);
    assert_eq!(
        std::fs::read_to_string(&events).unwrap(),
        "create\ndestroy\n"
    );
}

#[test]
fn panic_status_retires_like_fatal() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("panic.so", &[]);
    let log = logger(&dir, &so, json!({"mode": "panic"}));
    log_n(&log, 2);
    let h = log.health();
    let p = h.plugin("remote").unwrap();
    assert!(p.retired);
    assert_eq!(
        p.last_error.as_deref(),
        Some("retired after write_batch returned PANIC: panic asked for")
    );
    assert_eq!(log.metrics().sink("mem").unwrap().written, 2);
}

#[test]
fn a_healthy_sink_is_destroyed_once_at_shutdown() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("ok.so", &[]);
    let events = dir.join("events");
    let log = logger(&dir, &so, json!({"events": events}));
    log_n(&log, 1);
    drop(log);
    assert_eq!(
        std::fs::read_to_string(&events).unwrap(),
        "create\ndestroy\n"
    );
}

#[test]
fn a_logger_that_fails_to_start_destroys_what_it_created() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("first.so", &[]);
    let events = dir.join("events");
    let e = Logger::new(config(json!({
        "plugins": dir.dirs_json(),
        "sinks": [{"type": "plugin", "name": "good", "plugin": so, "config": {"events": events}},
                  {"type": "plugin", "name": "bad", "plugin": so, "config": {"mode": "bad_config"}}]
    })))
    .unwrap_err();
    assert_eq!(e.to_string(), "sinks[1].config: mode: bad_config asked for");
    assert_eq!(
        std::fs::read_to_string(&events).unwrap(),
        "create\ndestroy\n"
    );
}
