//! After `dlopen`, the descriptor is checked before any callback runs:
//! each refusal names the file, the field and both values. The library's
//! constructors have run by then (that is what `dlopen` does), but
//! `create` never has: the `events` file it would write stays absent.

mod plugin_support;

use asynclog_core::plugin;
use plugin_support::{PluginDir, start_error};
use serde_json::json;

/// Builds a test plugin with `defines` and returns the load error.
fn refusal(defines: &[&str]) -> (String, String) {
    let dir = PluginDir::new();
    let so = dir.test_plugin("p.so", defines);
    let events = dir.join("events");
    let e = plugin::load(so.to_str().unwrap(), None, &dir.dirs())
        .unwrap_err()
        .to_string();
    // Through a logger too: the same refusal, with the sink's place.
    let through_logger = start_error(json!({
        "plugins": dir.dirs_json(),
        "sinks": [{"type": "plugin", "name": "p", "plugin": so,
                   "config": {"events": events}}]
    }));
    assert_eq!(through_logger, format!("sinks[0] (p): {e}"));
    assert!(!events.exists(), "create ran for a refused plugin");
    let prefix = format!("{}: ", so.display());
    (e.strip_prefix(&prefix).unwrap_or(&e).to_string(), e)
}

#[test]
fn another_major_version_is_refused() {
    assert_eq!(
        refusal(&["TP_ABI_MAJOR=2"]).0,
        "abi_major 2, this host supports 1"
    );
}

#[test]
fn a_newer_minor_version_is_refused() {
    assert_eq!(
        refusal(&["TP_ABI_MINOR=7"]).0,
        "abi_minor 7 is newer than this host's 2; upgrade asynclog to load it"
    );
}

#[test]
fn a_plugin_built_for_an_older_minor_still_loads() {
    // Minor 0: the host API table ended before the static-field entries.
    let dir = PluginDir::new();
    let so = dir.test_plugin(
        "old.so",
        &[
            "TP_ABI_MINOR=0",
            "TP_HOST_API_SIZE=offsetof(asynclog_host_api,static_add_str)",
        ],
    );
    let loaded = plugin::load(so.to_str().unwrap(), None, &dir.dirs());
    assert!(loaded.is_ok(), "{:?}", loaded.err().map(|e| e.to_string()));
}

#[test]
fn a_short_descriptor_is_refused() {
    let (e, _) = refusal(&["TP_STRUCT_SIZE=40"]);
    assert!(
        e.starts_with("struct_size 40 is smaller than a v1 descriptor ("),
        "{e}"
    );
}

#[test]
fn a_bad_magic_is_refused() {
    assert_eq!(
        refusal(&["TP_MAGIC=0x12345678"]).0,
        "sanity.magic is 0x12345678, expected 0x47504c41; not a descriptor, or a corrupt one"
    );
}

#[test]
fn a_missing_entry_point_is_refused() {
    assert_eq!(
        refusal(&["TP_NO_ENTRY"]).0,
        "has no asynclog_plugin_entry_v1 symbol; is it an asynclog plugin, with the entry \
         point exported?"
    );
}

#[test]
fn a_null_descriptor_is_refused() {
    assert_eq!(
        refusal(&["TP_ENTRY_NULL"]).0,
        "asynclog_plugin_entry_v1 returned NULL"
    );
}

#[test]
fn null_required_callbacks_are_refused() {
    assert_eq!(refusal(&["TP_NULL_CREATE"]).0, "create callback is NULL");
    assert_eq!(refusal(&["TP_NULL_DESTROY"]).0, "destroy callback is NULL");
    assert_eq!(
        refusal(&["TP_NULL_CALLBACK"]).0,
        "write_batch callback is NULL; a sink plugin needs one"
    );
    let dir = PluginDir::new();
    let so = dir.test_plugin("f.so", &["TP_KIND=3", "TP_NULL_CALLBACK"]);
    let e = plugin::load(so.to_str().unwrap(), None, &dir.dirs()).unwrap_err();
    assert_eq!(
        e.reason,
        "process callback is NULL; a filter plugin needs one"
    );
}

#[test]
fn bad_names_kinds_and_schemas_are_refused() {
    assert_eq!(
        refusal(&["TP_NAME=\"Bad Name\""]).0,
        "name \"Bad Name\" is not valid: use 1 to 64 of a-z, 0-9, \"_\" and \"-\""
    );
    assert_eq!(
        refusal(&["TP_KIND=9"]).0,
        "kind 9 is unknown; this host knows 1 (sink), 2 (enricher), 3 (filter) and 4 (redactor)"
    );
    assert_eq!(
        refusal(&["TP_DUP_SCHEMA"]).0,
        "config_fields[10].name \"mode\" is declared twice"
    );
}

#[test]
fn two_libraries_with_one_name_are_refused_in_one_logger() {
    let dir = PluginDir::new();
    let a = dir.test_plugin("a.so", &["TP_NAME=\"twin\""]);
    let b = dir.test_plugin("b.so", &["TP_NAME=\"twin\""]);
    let e = start_error(json!({
        "plugins": dir.dirs_json(),
        "sinks": [{"type": "plugin", "name": "one", "plugin": a},
                  {"type": "plugin", "name": "two", "plugin": b}]
    }));
    assert_eq!(
        e,
        format!(
            "sinks[1] (two): {}: plugin name \"twin\" is already used by {} in this logger",
            b.display(),
            a.display()
        )
    );
}

#[test]
fn one_library_may_back_several_instances() {
    let dir = PluginDir::new();
    let so = dir.test_plugin("multi.so", &[]);
    let out = |n: &str| dir.join(n);
    let log = asynclog_core::Logger::new(plugin_support::config(json!({
        "plugins": dir.dirs_json(),
        "sinks": [{"type": "plugin", "name": "one", "plugin": so, "config": {"path": out("1")}},
                  {"type": "plugin", "name": "two", "plugin": so, "config": {"path": out("2")}}]
    })))
    .unwrap();
    log.info("to both", &[]);
    log.flush(std::time::Duration::from_secs(5)).unwrap();
    for n in ["1", "2"] {
        let text = std::fs::read_to_string(out(n)).unwrap();
        assert!(text.contains("\"msg\":\"to both\""), "{text}");
    }
    assert_eq!(log.health().plugins.len(), 2);
}

#[test]
fn a_plugin_of_the_wrong_kind_is_refused_where_it_is_listed() {
    let dir = PluginDir::new();
    let filter = dir.test_plugin("filter.so", &["TP_KIND=3"]);
    let sink = dir.test_plugin("sink.so", &[]);
    assert_eq!(
        start_error(json!({
            "plugins": dir.dirs_json(),
            "sinks": [{"type": "plugin", "name": "f", "plugin": filter}]
        })),
        format!(
            "sinks[0].plugin: {} is a filter plugin; list it under processors",
            filter.display()
        )
    );
    assert_eq!(
        start_error(json!({
            "plugins": dir.dirs_json(),
            "processors": [{"plugin": sink}]
        })),
        format!(
            "processors[0].plugin: {} is a sink plugin; list it under sinks",
            sink.display()
        )
    );
}

#[test]
fn processors_must_come_in_pipeline_order() {
    let dir = PluginDir::new();
    let redactor = dir.test_plugin("r.so", &["TP_KIND=4", "TP_NAME=\"r\""]);
    let enricher = dir.test_plugin("e.so", &["TP_KIND=2", "TP_NAME=\"e\""]);
    assert_eq!(
        start_error(json!({
            "plugins": dir.dirs_json(),
            "processors": [{"plugin": redactor}, {"plugin": enricher}]
        })),
        "processors[1]: an enricher cannot follow a redactor: processors run enrichers, then \
         filters, then redactors"
    );
}
