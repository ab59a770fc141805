//! What a processor plugin costs the pipeline: the workload's INFO event
//! with three fields, end to end (logged, processed, encoded, written to
//! a capture sink, flushed), with no plugin, with the `fault` plugin in
//! its pass-through mode (the fixed cost of one stage: the call, the
//! record view, the lock), and with `env-enricher` adding five fields.
//!
//! Plugins run on the worker, not on the producer, so the time per event
//! here is the pipeline's, flush included; the producer's cost per call
//! is `benches/rust/producer.rs`.
//!
//! The plugins are built in release mode into `target/bench-plugins` on
//! the first run (or taken from `ASYNCLOG_BENCH_PLUGIN_DIR`), then copied
//! into a private directory the loader accepts.
//!
//! ```text
//! cargo bench -p asynclog-core --bench plugins
//! ```

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use asynclog_core::config::Format;
use asynclog_core::{Capture, Config, Logger, field};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

/// Events per timed burst: well under the default queue of 65,536.
const BURST: u64 = 4096;

/// The directory holding the release builds of the plugins.
fn built_plugins() -> PathBuf {
    if let Some(dir) = std::env::var_os("ASYNCLOG_BENCH_PLUGIN_DIR") {
        return PathBuf::from(dir);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = root.join("target/bench-plugins");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "--release", "--quiet"])
        .args(["-p", "asynclog-fault", "-p", "asynclog-env-enricher"])
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("running cargo build for the plugins");
    assert!(status.success(), "building the plugins failed");
    target.join("release")
}

/// A 0755 directory with 0644 copies of the plugins.
fn plugin_dir() -> (tempfile::TempDir, PathBuf) {
    let built = built_plugins();
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().canonicalize().unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    for name in ["libasynclog_fault.so", "libasynclog_env_enricher.so"] {
        let to = path.join(name);
        std::fs::copy(built.join(name), &to).expect("copying a plugin");
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    (dir, path)
}

fn logger(dir: &Path, processors: serde_json::Value) -> (Logger, Capture) {
    let doc = json!({
        "plugins": {"dirs": [dir]},
        "processors": processors,
        "sinks": [{"type": "capture", "name": "mem"}]
    });
    let config = Config::parse_with(&doc.to_string(), Format::Json, &|_| None).unwrap();
    let log = Logger::new(config).expect("a logger");
    let capture = log.capture("mem").unwrap();
    (log, capture)
}

/// Times `iters` events end to end, in bursts, flush included.
fn end_to_end(log: &Logger, capture: &Capture, iters: u64) -> Duration {
    let mut timed = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = (iters - done).min(BURST);
        let start = Instant::now();
        for i in done..done + n {
            log.info(
                "request handled",
                &[
                    field("user_id", i as i64),
                    field("path", "/api/v1/items"),
                    field("latency_ms", 12.5 + (i % 7) as f64),
                ],
            );
        }
        log.flush(Duration::from_secs(30))
            .expect("the logger drains");
        timed += start.elapsed();
        done += n;
        capture.clear();
    }
    timed
}

fn plugins(c: &mut Criterion) {
    let (_keep, dir) = plugin_dir();
    let fault = dir.join("libasynclog_fault.so");
    let enricher = dir.join("libasynclog_env_enricher.so");
    let cases = [
        ("no plugin", json!([])),
        ("pass-through processor", json!([{"plugin": fault}])),
        (
            "env-enricher (5 fields)",
            json!([{"plugin": enricher, "config": {
                "fields": ["team=core"], "service_name": "checkout",
                "service_version": "1.4.2", "container": false
            }}]),
        ),
    ];
    let mut group = c.benchmark_group("pipeline, 3-field INFO event, end to end");
    for (name, processors) in cases {
        let (log, capture) = logger(&dir, processors);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| end_to_end(&log, &capture, iters))
        });
    }
    group.finish();
}

criterion_group!(benches, plugins);
criterion_main!(benches);
