//! A Rust plugin built with the SDK turns a panic into PANIC, and the
//! host retires the instance; records then pass the stage unchanged.

mod common;
mod plugin_support;

use asynclog_core::{Logger, field};
use common::{SECS5, assert_balanced, json_lines};
use plugin_support::{PluginDir, config};
use serde_json::json;

fn with_fault(settings: serde_json::Value) -> (PluginDir, Logger) {
    let dir = PluginDir::new();
    let so = dir.rust_plugin("fault");
    let log = Logger::new(config(json!({
        "plugins": dir.dirs_json(),
        "processors": [{"plugin": so, "config": settings}],
        "sinks": [{"type": "capture", "name": "mem"}]
    })))
    .unwrap();
    (dir, log)
}

fn run(log: &Logger, n: usize) -> Vec<serde_json::Value> {
    for i in 0..n {
        log.info("event", &[field("i", i)]);
    }
    log.flush(SECS5).unwrap();
    json_lines(&log.capture("mem").unwrap().text())
}

#[test]
fn a_panic_retires_the_stage_and_records_pass() {
    let (_dir, log) = with_fault(json!({"mode": "panic", "after": 3}));
    assert_eq!(run(&log, 10).len(), 10);
    let h = log.health();
    let p = &h.plugins[0];
    assert_eq!(p.plugin, "fault");
    assert!(p.retired && !p.healthy);
    assert_eq!(p.calls, 4);
    assert_eq!(p.passed_through, 6);
    let error = p.last_error.as_deref().unwrap();
    assert!(
        error.starts_with(
            "retired after process returned PANIC: panicked: fault plugin panics at record 4 \
             (at plugins/fault/src/lib.rs:"
        ),
        "{error}"
    );
    assert_balanced(&log.metrics());
}

#[test]
fn fatal_retires_the_stage() {
    let (_dir, log) = with_fault(json!({"mode": "fatal"}));
    assert_eq!(run(&log, 3).len(), 3);
    let h = log.health();
    assert!(h.plugins[0].retired);
    assert_eq!(
        h.plugins[0].last_error.as_deref(),
        Some("retired after process returned FATAL: giving up at record 1")
    );
}

#[test]
fn errors_are_counted_and_the_stage_goes_on() {
    let (_dir, log) = with_fault(json!({"mode": "error", "after": 1}));
    assert_eq!(run(&log, 4).len(), 4);
    let h = log.health();
    let p = &h.plugins[0];
    assert!(p.healthy && !p.retired);
    assert_eq!((p.calls, p.errors), (4, 3), "{p:?}");
    assert_eq!(p.counters, [("errors_returned".to_string(), 3)]);
}

#[test]
fn drops_count_as_filtered() {
    let (_dir, log) = with_fault(json!({"mode": "drop", "after": 2}));
    assert_eq!(run(&log, 5).len(), 2);
    let m = log.metrics();
    assert_eq!(m.filtered, 3);
    assert_balanced(&m);
}

#[test]
fn a_bad_mode_is_refused_by_create() {
    let dir = PluginDir::new();
    let so = dir.rust_plugin("fault");
    let e = Logger::new(config(json!({
        "plugins": dir.dirs_json(),
        "processors": [{"plugin": so, "config": {"mode": "explode"}}]
    })))
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "processors[0].config: mode: expected pass, drop, error, fatal or panic, got \"explode\""
    );
}
