//! The host checks a plugin's settings against the schema it declares
//! before `create`, with errors naming the key path, and keeps secret
//! values out of every error, dump and report.

mod plugin_support;

use asynclog_core::Logger;
use plugin_support::{PluginDir, config, start_error};
use serde_json::json;

const SECRET: &str = "hunter2-do-not-print";

fn sink_with(dir: &PluginDir, defines: &[&str], settings: serde_json::Value) -> serde_json::Value {
    let so = dir.test_plugin("p.so", defines);
    json!({
        "plugins": dir.dirs_json(),
        "sinks": [{"type": "capture", "name": "mem"},
                  {"type": "plugin", "name": "remote", "plugin": so, "config": settings}]
    })
}

#[test]
fn a_missing_required_setting_is_named() {
    let dir = PluginDir::new();
    let doc = sink_with(&dir, &["TP_REQUIRE_ENDPOINT"], json!({}));
    assert_eq!(start_error(doc), "sinks[1].config.endpoint: required");
}

#[test]
fn an_unknown_setting_lists_the_known_ones() {
    let dir = PluginDir::new();
    let doc = sink_with(&dir, &[], json!({"endpiont": "x"}));
    assert_eq!(
        start_error(doc),
        "sinks[1].config.endpiont: unknown key; expected one of mode, after, path, events, key, \
         value, token, endpoint, timeout, buffer"
    );
}

#[test]
fn wrong_types_say_what_was_expected() {
    let dir = PluginDir::new();
    let doc = sink_with(&dir, &[], json!({"after": "soon"}));
    assert_eq!(
        start_error(doc),
        "sinks[1].config.after: expected an integer, got \"soon\""
    );
    let doc = sink_with(&dir, &[], json!({"timeout": "5 fortnights"}));
    assert!(start_error(doc).starts_with("sinks[1].config.timeout: invalid duration"));
    let doc = sink_with(&dir, &[], json!({"buffer": true}));
    assert_eq!(
        start_error(doc),
        "sinks[1].config.buffer: expected a size such as 1048576 or \"1MiB\", got true"
    );
}

#[test]
fn sizes_and_durations_take_units() {
    let dir = PluginDir::new();
    let doc = sink_with(
        &dir,
        &[],
        json!({"timeout": "5s", "buffer": "64KiB", "after": 0}),
    );
    Logger::new(config(doc)).unwrap();
}

#[test]
fn a_secret_of_the_wrong_type_is_not_shown() {
    let dir = PluginDir::new();
    let doc = sink_with(&dir, &[], json!({"token": 918273645}));
    let e = start_error(doc);
    assert_eq!(
        e,
        "sinks[1].config.token: expected a string, got [REDACTED]"
    );
}

#[test]
fn secrets_appear_in_no_dump_report_or_metric() {
    let dir = PluginDir::new();
    let doc = sink_with(&dir, &[], json!({"token": SECRET, "path": dir.join("out")}));
    let parsed = config(doc);
    let dumped = format!("{parsed:?}");
    assert!(!dumped.contains(SECRET), "{dumped}");
    assert!(dumped.contains("\"token\": [REDACTED]"), "{dumped}");

    let log = Logger::new(parsed).unwrap();
    log.info("hello", &[]);
    log.flush(std::time::Duration::from_secs(5)).unwrap();
    for text in [
        format!("{log:?}"),
        format!("{:?}", log.health()),
        log.health().to_json(),
        log.metrics().to_json(),
        format!("{:?}", log.metrics()),
    ] {
        assert!(!text.contains(SECRET), "{text}");
    }
}

#[test]
fn interpolation_errors_in_plugin_settings_do_not_quote_the_value() {
    let dir = PluginDir::new();
    let doc = sink_with(&dir, &[], json!({"token": "abc${UNTERMINATED"}));
    let e = asynclog_core::Config::parse_with(
        &doc.to_string(),
        asynclog_core::config::Format::Json,
        &|_| None,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "sinks[1].config.token: unterminated \"${\"");
}

#[test]
fn a_plugin_refusing_its_settings_is_a_config_error() {
    let dir = PluginDir::new();
    let doc = sink_with(&dir, &[], json!({"mode": "bad_config"}));
    assert_eq!(
        start_error(doc),
        "sinks[1].config: mode: bad_config asked for"
    );
}

#[test]
fn plugin_keys_are_refused_on_other_sinks_and_checked_on_plugin_sinks() {
    let e = asynclog_core::Config::parse_with(
        r#"{"sinks": [{"type": "stdout", "plugin": "x"}]}"#,
        asynclog_core::config::Format::Json,
        &|_| None,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "sinks[0].plugin: only applies to plugin sinks");
    let e = asynclog_core::Config::parse_with(
        r#"{"sinks": [{"type": "plugin", "plugin": "x", "sha256": "abc"}]}"#,
        asynclog_core::config::Format::Json,
        &|_| None,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "sinks[0].sha256: expected 64 hex digits, got \"abc\"");
    let e = asynclog_core::Config::parse_with(
        r#"{"plugins": {"dirs": ["relative/dir"]}}"#,
        asynclog_core::config::Format::Json,
        &|_| None,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "plugins.dirs[0]: must be an absolute path, got \"relative/dir\""
    );
    let e = asynclog_core::Config::parse_with(
        r#"{"processors": [{"plugin": "../up"}]}"#,
        asynclog_core::config::Format::Json,
        &|_| None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("processors[0].plugin: expected an absolute path or a bare plugin name"),
        "{e}"
    );
}
