//! asynclog through its Rust API: one file sink, NDJSON, the default
//! queue (65,536 events, block policy, so nothing is lost).

use std::path::Path;
use std::time::{Duration, Instant};

use asynclog_core::config::{FileSinkConfig, SinkConfig, SinkKind};
use asynclog_core::{Config, Level, Logger, Outcome, field};
use serde_json::json;

use super::Finished;
use crate::harness::produce;
use crate::workload::{LOGGER_NAME, MESSAGE, PATH, Plan};

pub fn run(path: &Path, plan: &Plan) -> Result<Finished, String> {
    let config = Config {
        name: LOGGER_NAME.into(),
        sinks: vec![SinkConfig::new(
            "file",
            SinkKind::File(FileSinkConfig::new(path)),
        )],
        ..Config::default()
    };
    let log = Logger::new(config).map_err(|e| format!("asynclog: {e}"))?;

    let produced = produce(plan, |_| {
        let log = log.clone();
        move |id, latency| {
            let fields = [
                field("user_id", id as i64),
                field("path", PATH),
                field("latency_ms", latency),
            ];
            matches!(log.log(Level::Info, MESSAGE, &fields), Outcome::Queued)
        }
    });

    let shutdown = log.shutdown(Duration::from_secs(300));
    let metrics = log.metrics();
    drop(log);
    let end = Instant::now();

    let sink = metrics.sink("file");
    Ok(Finished {
        produced,
        end,
        details: json!({
            "shutdown": match shutdown {
                Ok(()) => "ok".to_string(),
                Err(p) => format!("{} events pending", p.events),
            },
            "submitted": metrics.submitted,
            "dropped": metrics.dropped.total(),
            "written": sink.map(|s| s.written),
            "batches": sink.map(|s| s.batches),
            "sink_dropped": sink.map(|s| s.dropped.total()),
        }),
    })
}
