//! asynclog through its Rust API with processor plugins loaded, against
//! the same logger without them: what a plugin stage costs on this
//! workload. Three variants, each otherwise `asynclog-rust`:
//!
//! - `pass-through`: the `fault` plugin, which returns OK and changes
//!   nothing, so the cost is the stage's own (the call, the record view);
//! - `env-enricher`: adds five static fields (team, service.name,
//!   service.version, host.name, process.pid) to every line;
//! - `bound-5`: no plugin, the same five fields bound with
//!   `Logger::with`: what writing five more fields per line costs without
//!   any plugin, the floor for an enricher.
//!
//! The plugins are built in release mode into `target/bench-plugins` (or
//! taken from `ASYNCLOG_BENCH_PLUGIN_DIR`) and copied into a private
//! directory the loader accepts.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use asynclog_core::config::Format;
use asynclog_core::{Config, Logger, field};
use serde_json::json;

use super::Finished;
use crate::workload::{LOGGER_NAME, Plan};

pub fn pass_through(path: &Path, plan: &Plan) -> Result<Finished, String> {
    run(path, plan, Variant::PassThrough)
}

pub fn env_enricher(path: &Path, plan: &Plan) -> Result<Finished, String> {
    run(path, plan, Variant::EnvEnricher)
}

pub fn bound_five(path: &Path, plan: &Plan) -> Result<Finished, String> {
    run(path, plan, Variant::BoundFive)
}

enum Variant {
    PassThrough,
    EnvEnricher,
    BoundFive,
}

/// The release builds of the two plugins, copied 0644 into a 0755
/// directory of their own.
fn plugin_dir() -> Result<PathBuf, String> {
    let built = match std::env::var_os("ASYNCLOG_BENCH_PLUGIN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
            let target = root.join("target/bench-plugins");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .current_dir(&root)
                .args(["build", "--release", "--quiet"])
                .args(["-p", "asynclog-fault", "-p", "asynclog-env-enricher"])
                .arg("--target-dir")
                .arg(&target)
                .status()
                .map_err(|e| format!("running cargo build for the plugins: {e}"))?;
            if !status.success() {
                return Err("building the plugins failed".into());
            }
            target.join("release")
        }
    };
    let dir = std::env::temp_dir().join(format!("asynclog-bench-plugins-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let dir = dir.canonicalize().map_err(|e| e.to_string())?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| e.to_string())?;
    for name in ["libasynclog_fault.so", "libasynclog_env_enricher.so"] {
        let to = dir.join(name);
        std::fs::copy(built.join(name), &to).map_err(|e| format!("copying {name}: {e}"))?;
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644))
            .map_err(|e| e.to_string())?;
    }
    Ok(dir)
}

fn run(path: &Path, plan: &Plan, variant: Variant) -> Result<Finished, String> {
    let dir = match variant {
        Variant::BoundFive => PathBuf::new(),
        _ => plugin_dir()?,
    };
    let processors = match variant {
        Variant::PassThrough => json!([{"plugin": dir.join("libasynclog_fault.so")}]),
        Variant::EnvEnricher => json!([{
            "plugin": dir.join("libasynclog_env_enricher.so"),
            "config": {"fields": ["team=core"], "service_name": "checkout",
                       "service_version": "1.4.2", "container": false}
        }]),
        Variant::BoundFive => json!([]),
    };
    let mut doc = json!({
        "name": LOGGER_NAME,
        "processors": processors,
        "sinks": [{"type": "file", "name": "file", "path": path}]
    });
    if !matches!(variant, Variant::BoundFive) {
        doc["plugins"] = json!({"dirs": [dir]});
    }
    // `ASYNCLOG_*` overrides apply, as they do to the other asynclog
    // contenders.
    let config = Config::parse_with(&doc.to_string(), Format::Json, &|var| {
        std::env::var(var).ok()
    })
    .map_err(|e| format!("asynclog: {e}"))?;
    let root = Logger::new(config).map_err(|e| format!("asynclog: {e}"))?;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let log = match variant {
        Variant::BoundFive => root.with(&[
            field("team", "core"),
            field("service.name", "checkout"),
            field("service.version", "1.4.2"),
            field("host.name", host.trim()),
            field("process.pid", std::process::id() as i64),
        ]),
        _ => root.clone(),
    };

    let produced = super::asynclog_rust::log_plan(&log, plan);
    drop(root);
    let healthy = log.health().is_healthy();
    let (end, details) = super::asynclog_rust::close(log, json!({ "healthy": healthy }));
    if !dir.as_os_str().is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(Finished {
        produced,
        end,
        details,
    })
}
