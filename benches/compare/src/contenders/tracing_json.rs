//! tracing as it is commonly set up for JSON to a file: the
//! tracing-subscriber fmt layer with its JSON format (event fields
//! flattened to the top level, no target), writing through
//! tracing-appender's non-blocking writer to a `File`. The writer is
//! lossless (`lossy(false)`): with its 128,000-line channel full, callers
//! wait instead of dropping lines.
//!
//! As in tracing's design, each line is formatted on the calling thread;
//! the appender's thread only writes it, one `write(2)` per line.

use std::fs::File;
use std::path::Path;
use std::time::Instant;

use serde_json::json;
use tracing_appender::non_blocking::NonBlockingBuilder;

use super::Finished;
use crate::harness::produce;
use crate::workload::{PATH, Plan};

pub fn run(path: &Path, plan: &Plan) -> Result<Finished, String> {
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (writer, guard) = NonBlockingBuilder::default().lossy(false).finish(file);
    let errors = writer.error_counter();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_target(false)
        .with_max_level(tracing::Level::INFO)
        .with_writer(writer)
        .finish();
    tracing::subscriber::set_global_default(subscriber).map_err(|e| format!("tracing: {e}"))?;

    let produced = produce(plan, |_| {
        move |id, latency| {
            tracing::info!(
                user_id = id as i64,
                path = PATH,
                latency_ms = latency,
                "request handled"
            );
            true
        }
    });

    // Dropping the guard waits for the appender's thread to write what is
    // queued (tracing-appender gives it at most one second).
    drop(guard);
    let end = Instant::now();

    Ok(Finished {
        produced,
        end,
        details: json!({ "dropped_lines": errors.dropped_lines() }),
    })
}
