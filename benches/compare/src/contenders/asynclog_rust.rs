//! asynclog through its Rust API: one file sink, NDJSON, the default
//! queue (65,536 events, block policy, so nothing is lost).

use std::path::Path;
use std::time::{Duration, Instant};

use asynclog_core::config::{FileSinkConfig, SinkConfig, SinkKind};
use asynclog_core::{Config, Level, Logger, Outcome, field};
use serde_json::json;

use super::Finished;
use crate::harness::{Produced, produce};
use crate::workload::{LOGGER_NAME, MESSAGE, PATH, Plan};

pub fn run(path: &Path, plan: &Plan) -> Result<Finished, String> {
    let mut config = Config {
        name: LOGGER_NAME.into(),
        sinks: vec![SinkConfig::new(
            "file",
            SinkKind::File(FileSinkConfig::new(path)),
        )],
        ..Config::default()
    };
    // As the C ABI contender's configuration document gets them.
    config
        .apply_env(&|var| std::env::var(var).ok())
        .map_err(|e| format!("asynclog: {e}"))?;
    let log = Logger::new(config).map_err(|e| format!("asynclog: {e}"))?;
    let produced = log_plan(&log, plan);
    let (end, details) = close(log, json!({}));
    Ok(Finished {
        produced,
        end,
        details,
    })
}

/// Logs the plan's events through `log` from the plan's threads.
pub(super) fn log_plan(log: &Logger, plan: &Plan) -> Produced {
    produce(plan, |_| {
        let log = log.clone();
        move |id, latency| {
            let fields = [
                field("user_id", id as i64),
                field("path", PATH),
                field("latency_ms", latency),
            ];
            matches!(log.log(Level::Info, MESSAGE, &fields), Outcome::Queued)
        }
    })
}

/// Shuts the logger down and drops it (the last handle: other clones must
/// be gone), and returns when that was done and the logger's own counts,
/// added to `details`.
pub(super) fn close(log: Logger, mut details: serde_json::Value) -> (Instant, serde_json::Value) {
    // Everything written first, so the worker's CPU time is all of it; it
    // is read before the shutdown ends the thread.
    let flushed = log.flush(Duration::from_secs(300)).is_ok();
    let worker_cpu_s = flushed.then(worker_cpu_s).flatten();
    let shutdown = log.shutdown(Duration::from_secs(300));
    let metrics = log.metrics();
    drop(log);
    let end = Instant::now();
    let sink = metrics.sink("file");
    let counts = json!({
        "shutdown": match shutdown {
            Ok(()) => "ok".to_string(),
            Err(p) => format!("{} events pending", p.events),
        },
        "submitted": metrics.submitted,
        "dropped": metrics.dropped.total(),
        "written": sink.map(|s| s.written),
        "batches": sink.map(|s| s.batches),
        "sink_dropped": sink.map(|s| s.dropped.total()),
        "worker_cpu_s": worker_cpu_s,
    });
    if let (Some(d), serde_json::Value::Object(c)) = (details.as_object_mut(), counts) {
        d.extend(c);
    }
    (end, details)
}

/// The CPU time the logger's worker thread has used, in seconds, from the
/// scheduler's count in `/proc/self/task/*/sched` (microsecond precision,
/// where the per-thread `stat` counts 10 ms ticks); `None` where the
/// kernel does not say. The worker is the pipeline's bottleneck at one
/// producer, so its time per event is what a plugin stage costs, without
/// the noise of two threads' pace on a shared machine.
fn worker_cpu_s() -> Option<f64> {
    let mut total = None;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with("asynclog-worker") {
            continue;
        }
        let sched = std::fs::read_to_string(task.path().join("sched")).ok()?;
        let ms: f64 = sched
            .lines()
            .find(|l| l.starts_with("se.sum_exec_runtime"))?
            .split(':')
            .nth(1)?
            .trim()
            .parse()
            .ok()?;
        *total.get_or_insert(0.0) += ms / 1e3;
    }
    total
}
