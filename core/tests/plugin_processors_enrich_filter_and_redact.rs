//! Processor plugins run on the worker before encoding: enrichers add
//! fields, filters drop records (counted as filtered), redactors replace
//! values wherever they are; a failing stage lets records pass.

mod common;
mod plugin_support;

use asynclog_core::{Logger, context, field};
use common::{SECS5, assert_balanced, json_lines};
use plugin_support::{PluginDir, config};
use serde_json::json;

fn with_processors(dir: &PluginDir, processors: serde_json::Value) -> Logger {
    Logger::new(config(json!({
        "level": "trace",
        "plugins": dir.dirs_json(),
        "processors": processors,
        "sinks": [{"type": "capture", "name": "mem"}]
    })))
    .unwrap()
}

fn lines(log: &Logger) -> Vec<serde_json::Value> {
    log.flush(SECS5).unwrap();
    json_lines(&log.capture("mem").unwrap().text())
}

#[test]
fn the_c_level_filter_drops_low_levels_and_prefixes() {
    let dir = PluginDir::new();
    let so = dir.level_filter("liblevel_filter.so");
    let log = with_processors(
        &dir,
        json!([{"plugin": so, "config": {"min_level": "WARN", "drop_prefixes": ["healthcheck"]}}]),
    );
    log.debug("debug", &[]);
    log.info("info", &[]);
    log.warn("warn", &[]);
    log.warn("healthcheck ok", &[]);
    log.error("error", &[]);
    log.audit("audit passes every level filter", &[]);
    let msgs: Vec<String> = lines(&log)
        .iter()
        .map(|l| l["msg"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(msgs, ["warn", "error", "audit passes every level filter"]);

    let m = log.metrics();
    assert_eq!(m.submitted, 6);
    assert_eq!(m.filtered, 3);
    assert_balanced(&m);
    let h = log.health();
    let p = h.plugin("processors[0]").unwrap();
    assert_eq!(p.plugin, "level-filter");
    assert!(p.healthy);
    assert_eq!(p.filtered, 3);
    assert_eq!(
        p.counters,
        [
            ("dropped_level".to_string(), 2),
            ("dropped_prefix".to_string(), 1)
        ]
    );
}

#[test]
fn the_c_level_filter_refuses_an_unknown_level() {
    let dir = PluginDir::new();
    let so = dir.level_filter("lf.so");
    let e = Logger::new(config(json!({
        "plugins": dir.dirs_json(),
        "processors": [{"plugin": so, "config": {"min_level": "loud"}}]
    })))
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "processors[0].config: min_level: expected trace, debug, info, warn, error or fatal"
    );
}

#[test]
fn the_env_enricher_adds_identity_but_the_event_keeps_its_own_fields() {
    let dir = PluginDir::new();
    let so = dir.rust_plugin("env_enricher");
    let log = with_processors(
        &dir,
        json!([{"plugin": so, "config": {
            "fields": ["team=core", "region=eu-1"],
            "service_name": "checkout", "service_version": "1.4.2", "container": false
        }}]),
    );
    log.info("plain", &[]);
    log.info("own team", &[field("team", "web")]);
    let lines = lines(&log);
    let first = &lines[0];
    assert_eq!(first["team"], "core");
    assert_eq!(first["region"], "eu-1");
    assert_eq!(first["service.name"], "checkout");
    assert_eq!(first["service.version"], "1.4.2");
    assert_eq!(first["process.pid"], std::process::id());
    assert!(first["host.name"].is_string(), "{first}");
    assert_eq!(lines[1]["team"], "web");
    assert!(log.health().is_healthy());
}

#[test]
fn static_fields_reach_every_encoder_and_the_event_still_wins() {
    let dir = PluginDir::new();
    let so = dir.rust_plugin("env_enricher");
    let enricher = json!({"plugin": so, "config": {
        "fields": ["team=core", "region=eu-1", "msg=static"],
        "host": false, "pid": false, "container": false}});
    // NDJSON alone (the fields are written from their rendered form) and
    // NDJSON beside logfmt (they are copied into each record).
    for sinks in [
        json!([{"type": "capture", "name": "mem"}]),
        json!([{"type": "capture", "name": "mem"},
               {"type": "capture", "name": "fmt", "encoder": "logfmt"}]),
    ] {
        let log = Logger::new(config(json!({
            "plugins": dir.dirs_json(),
            "processors": [enricher.clone()],
            "sinks": sinks.clone()
        })))
        .unwrap();
        log.info("plain", &[field("n", 1)]);
        log.info("own region", &[field("region", "us-2")]);
        let lines = lines(&log);
        assert_eq!(lines.len(), 2, "{sinks}");
        assert_eq!(lines[0]["team"], "core");
        assert_eq!(lines[0]["region"], "eu-1");
        assert_eq!(
            lines[0]["fields.msg"], "static",
            "a reserved key is renamed"
        );
        assert_eq!(lines[0]["msg"], "plain");
        assert_eq!(lines[0]["n"], 1);
        assert_eq!(lines[1]["region"], "us-2", "the event's own value wins");
        assert_eq!(lines[1]["team"], "core");
        let raw = log.capture("mem").unwrap().lines();
        for line in &raw {
            assert_eq!(line.matches("\"region\"").count(), 1, "{line}");
        }
        // Rendered once, the static fields follow the event's own; copied
        // into the record, they come before them.
        let (n, team) = (raw[0].find("\"n\":"), raw[0].find("\"team\":"));
        let rendered = sinks.as_array().unwrap().len() == 1;
        assert_eq!(n < team, rendered, "{}", raw[0]);
        if let Some(fmt) = log.capture("fmt") {
            let text = fmt.text();
            assert!(text.contains("team=core"), "{text}");
            assert!(text.contains("region=us-2"), "{text}");
        }
    }
}

#[test]
fn stages_after_the_env_enricher_see_its_static_fields() {
    let dir = PluginDir::new();
    let enricher = dir.rust_plugin("env_enricher");
    let redactor = dir.test_plugin("redact.so", &["TP_KIND=4"]);
    let log = with_processors(
        &dir,
        json!([
            {"plugin": enricher, "config": {"fields": ["team=core", "region=eu-1"],
                                            "host": false, "pid": false, "container": false}},
            {"plugin": redactor, "config": {"mode": "replace", "key": "region", "value": "***"}}
        ]),
    );
    log.info("first", &[field("n", 1)]);
    let lines = lines(&log);
    assert_eq!(lines[0]["team"], "core");
    assert_eq!(lines[0]["region"], "***");
    assert_eq!(lines[0]["n"], 1);
}

#[test]
fn a_redactor_replaces_values_in_fields_bound_fields_and_context() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("redact.so", &["TP_KIND=4"]);
    let log = with_processors(
        &dir,
        json!([{"plugin": so, "config": {"mode": "replace", "key": "password", "value": "***"}}]),
    );
    let child = log.with(&[field("password", "bound-secret")]);
    let _scope = context::enter(&[field("password", "context-secret")]);
    let nested = [field("name", "ann"), field("password", 1234)];
    let list = [asynclog_core::Value::Object(&nested)];
    child.info(
        "login",
        &[
            field("password", "top-secret"),
            field("user", &nested[..]),
            field("attempts", &list[..]),
        ],
    );
    let text = {
        log.flush(SECS5).unwrap();
        log.capture("mem").unwrap().text()
    };
    for secret in ["bound-secret", "context-secret", "top-secret", "1234"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    let line = &json_lines(&text)[0];
    assert_eq!(line["password"], "***");
    assert_eq!(line["user"]["password"], "***");
    assert_eq!(line["user"]["name"], "ann");
    assert_eq!(line["attempts"][0]["password"], "***");
}

#[test]
fn a_processor_may_replace_the_message_and_add_fields() {
    let dir = PluginDir::new();
    let add = dir.test_plugin("add.so", &["TP_KIND=2", "TP_NAME=\"adder\""]);
    let msg = dir.test_plugin("msg.so", &["TP_KIND=4", "TP_NAME=\"messenger\""]);
    let log = with_processors(
        &dir,
        json!([
            {"plugin": add, "config": {"mode": "add", "key": "stage", "value": "enriched"}},
            {"plugin": msg, "config": {"mode": "message", "value": "[message withheld]"}}
        ]),
    );
    log.info("card 4111 1111 1111 1111", &[field("n", 1)]);
    let line = &lines(&log)[0];
    assert_eq!(line["msg"], "[message withheld]");
    assert_eq!(line["stage"], "enriched");
    assert_eq!(line["n"], 1);
}

#[test]
fn a_failing_stage_lets_the_record_pass_and_says_why() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("err.so", &["TP_KIND=3"]);
    let log = with_processors(&dir, json!([{"plugin": so, "config": {"mode": "error"}}]));
    log.info("still here", &[]);
    assert_eq!(lines(&log)[0]["msg"], "still here");
    let h = log.health();
    let p = &h.plugins[0];
    assert!(p.healthy);
    assert_eq!(p.errors, 1);
    assert_eq!(
        p.last_error.as_deref(),
        Some("process returned ERROR: error asked for")
    );
}

#[test]
fn a_fatal_stage_is_retired_destroyed_once_and_passed_by() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("fatal.so", &["TP_KIND=3"]);
    let events = dir.join("events");
    let log = with_processors(
        &dir,
        json!([{"plugin": so, "config": {"mode": "fatal", "after": 2, "events": events}}]),
    );
    for i in 0..5 {
        log.info("event", &[field("i", i)]);
    }
    assert_eq!(lines(&log).len(), 5);
    let h = log.health();
    let p = &h.plugins[0];
    assert!(!p.healthy && p.retired);
    assert_eq!(p.calls, 3);
    assert_eq!(p.passed_through, 2);
    assert_eq!(
        p.last_error.as_deref(),
        Some("retired after process returned FATAL: fatal asked for")
    );
    assert!(!h.is_healthy());
    drop(log);
    assert_eq!(
        std::fs::read_to_string(&events).unwrap(),
        "create\ndestroy\n"
    );
}

#[test]
fn stages_are_destroyed_once_at_shutdown() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("pass.so", &["TP_KIND=2"]);
    let events = dir.join("events");
    let log = with_processors(&dir, json!([{"plugin": so, "config": {"events": events}}]));
    log.info("one", &[]);
    log.shutdown(SECS5).unwrap();
    drop(log);
    assert_eq!(
        std::fs::read_to_string(&events).unwrap(),
        "create\ndestroy\n"
    );
}

/// The health of the only stage, after `n` events went through it.
fn one_stage_after(
    so: &std::path::Path,
    dir: &PluginDir,
    settings: serde_json::Value,
    n: u64,
) -> (Vec<serde_json::Value>, asynclog_core::plugin::PluginHealth) {
    let log = with_processors(dir, json!([{"plugin": so, "config": settings}]));
    for i in 0..n {
        log.info("event", &[field("i", i)]);
    }
    let lines = lines(&log);
    let h = log.health().plugins.remove(0);
    (lines, h)
}

#[test]
fn a_stage_with_process_batch_edits_every_record_of_a_chunk() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("batch.so", &["TP_KIND=2", "TP_BATCH"]);
    let (lines, p) = one_stage_after(
        &so,
        &dir,
        json!({"mode": "add", "key": "stage", "value": "batched"}),
        500,
    );
    assert_eq!(lines.len(), 500);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["stage"], "batched");
        assert_eq!(line["i"], i as u64, "order kept");
    }
    assert_eq!(p.calls, 500, "calls count records, not batches");
    let batches = p.counters.iter().find(|(k, _)| k == "batches").unwrap().1;
    assert!((1..=500).contains(&batches), "{p:?}");
}

#[test]
fn a_batch_that_ends_on_fatal_retires_the_stage_and_the_rest_pass() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("batch.so", &["TP_KIND=3", "TP_BATCH"]);
    let (lines, p) = one_stage_after(&so, &dir, json!({"mode": "fatal", "after": 2}), 5);
    assert_eq!(lines.len(), 5);
    assert!(p.retired);
    assert_eq!((p.calls, p.passed_through), (3, 2), "{p:?}");
    assert_eq!(
        p.last_error.as_deref(),
        Some("retired after process returned FATAL: fatal asked for")
    );
}

#[test]
fn a_batch_that_stops_short_without_saying_why_counts_as_fatal() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("batch.so", &["TP_KIND=3", "TP_BATCH"]);
    let (lines, p) = one_stage_after(&so, &dir, json!({"mode": "short", "after": 2}), 5);
    assert_eq!(lines.len(), 5, "records past the stop still pass");
    assert!(p.retired);
    assert_eq!((p.calls, p.passed_through), (2, 3), "{p:?}");
    assert_eq!(
        p.last_error.as_deref(),
        Some(
            "retired after process_batch returned FATAL: it stopped before the end of the \
             batch without FATAL or PANIC"
        )
    );
}

#[test]
fn errors_within_a_batch_are_each_counted() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("batch.so", &["TP_KIND=3", "TP_BATCH"]);
    let (lines, p) = one_stage_after(&so, &dir, json!({"mode": "error", "after": 1}), 40);
    assert_eq!(
        lines.len(),
        40,
        "a failed call drops nothing (its edit is discarded)"
    );
    assert!(p.healthy && !p.retired);
    assert_eq!((p.calls, p.errors), (40, 39), "{p:?}");
    assert_eq!(
        p.last_error.as_deref(),
        Some("process returned ERROR: error asked for")
    );
}

#[test]
fn a_plugin_built_for_minor_1_is_called_record_by_record() {
    // Its descriptor ends before process_batch: the host must not read
    // past it, even though this build has the function.
    let dir = PluginDir::new();
    let so = dir.test_plugin(
        "old.so",
        &[
            "TP_KIND=2",
            "TP_BATCH",
            "TP_ABI_MINOR=1",
            "TP_STRUCT_SIZE=offsetof(asynclog_plugin_descriptor,process_batch)",
        ],
    );
    let (lines, p) = one_stage_after(
        &so,
        &dir,
        json!({"mode": "add", "key": "stage", "value": "one by one"}),
        100,
    );
    assert_eq!(lines.len(), 100);
    assert!(lines.iter().all(|l| l["stage"] == "one by one"));
    assert_eq!(p.calls, 100);
    assert!(p.counters.iter().all(|(k, _)| k != "batches"), "{p:?}");
}

#[test]
fn stages_after_a_drop_see_only_the_records_still_going() {
    let dir = PluginDir::new();
    let adder = dir.test_plugin("add.so", &["TP_KIND=2", "TP_BATCH", "TP_NAME=\"adder\""]);
    let filter = dir.test_plugin("drop.so", &["TP_KIND=3", "TP_BATCH", "TP_NAME=\"dropper\""]);
    let redactor = dir.test_plugin("redact.so", &["TP_KIND=4", "TP_BATCH"]);
    let log = with_processors(
        &dir,
        json!([
            {"plugin": adder, "config": {"mode": "add", "key": "seen", "value": "first"}},
            {"plugin": filter, "config": {"mode": "drop", "after": 3}},
            {"plugin": redactor, "config": {"mode": "replace", "key": "seen", "value": "later"}},
        ]),
    );
    for i in 0..100 {
        log.info("event", &[field("i", i)]);
    }
    let lines = lines(&log);
    assert_eq!(lines.len(), 3);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["i"], i as u64);
        assert_eq!(line["seen"], "later", "{line}");
    }
    let h = log.health();
    let calls: Vec<u64> = h.plugins.iter().map(|p| p.calls).collect();
    assert_eq!(calls, [100, 100, 3], "{h:?}");
    assert_eq!(h.plugins[1].filtered, 97);
    assert_balanced(&log.metrics());
}

#[test]
fn records_a_stage_leaves_alone_encode_exactly_as_without_it() {
    // Context, bound fields, nesting, a truncated message and every value
    // type: the view the worker encodes after a stage must be the record
    // itself, part for part and flag for flag.
    let dir = PluginDir::new();
    let so = dir.test_plugin("pass.so", &["TP_KIND=3", "TP_BATCH"]);
    let make = |processors: serde_json::Value| {
        Logger::new(config(json!({
            "level": "trace",
            "plugins": dir.dirs_json(),
            "processors": processors,
            "limits": {"max_message_bytes": 16},
            "sinks": [{"type": "capture", "name": "mem"}]
        })))
        .unwrap()
    };
    let staged = make(json!([{"plugin": so}]));
    let plain = make(json!([]));
    for log in [&staged, &plain] {
        let child = log.with(&[field("service", "api"), field("shard", 3)]);
        let _scope = context::enter(&[field("request_id", "r-1")]);
        for i in 0..100u64 {
            child.info(
                "a message longer than sixteen bytes",
                &[
                    field("i", i),
                    field("neg", -5i64),
                    field("ratio", 0.25),
                    field("ok", i % 2 == 0),
                    field("name", "ünïcode"),
                ],
            );
            child.warn("short", &[]);
        }
    }
    let strip = |log: &Logger| -> Vec<serde_json::Value> {
        let mut lines = lines(log);
        for l in &mut lines {
            l.as_object_mut().unwrap().remove("ts");
        }
        lines
    };
    let (a, b) = (strip(&staged), strip(&plain));
    assert_eq!(a.len(), 200);
    assert_eq!(a, b);
    assert_eq!(staged.health().plugins[0].calls, 200);
}
