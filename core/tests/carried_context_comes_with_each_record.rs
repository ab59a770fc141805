//! Context a binding carries itself reaches the record, after thread
//! context, and bad encodings are refused with their offset.

mod common;

use asynclog_core::context::{self, Context};
use asynclog_core::{Level, Logger, Outcome, field};
use common::*;

fn lines(log: &Logger) -> Vec<serde_json::Value> {
    log.flush(SECS5).unwrap();
    // Leave out the logger's own notices (the in-band drop report).
    json_lines(&log.capture("mem").unwrap().text())
        .into_iter()
        .filter(|v| v["logger"] != "asynclog")
        .collect()
}

#[test]
fn carried_context_is_written_and_wins_over_thread_context() {
    let log = capture_logger();
    let outer = Context::new(&[field("correlation_id", "req-1"), field("tenant", "a")]);
    let inner = Context::new(&[field("tenant", "b")]);
    let ctx = outer.extend(&inner);
    let _thread = context::enter(&[field("correlation_id", "thread")]);
    let out = log.log_in_context(Level::Info, b"hello", &ctx, |w| w.i64(Some(b"n"), 7));
    assert_eq!(out, Outcome::Queued);
    let rec = &lines(&log)[0];
    assert_eq!(rec["correlation_id"], "req-1");
    assert_eq!(rec["tenant"], "b");
    assert_eq!(rec["n"], 7);
}

#[test]
fn encoded_context_round_trips_and_bad_buffers_are_refused() {
    let built = Context::new(&[field("trace_id", "0af7651916cd43dd8448eb211c80319c")]);
    let again = Context::from_encoded(built.as_bytes()).unwrap();
    assert_eq!(built, again);
    let err = Context::from_encoded(&[0x07, 0x05, 0x00]).unwrap_err();
    assert!(err.offset <= 3, "{err}");

    let log = capture_logger();
    let fields = Context::new(&[field("user_id", 9)]);
    let out = log
        .log_encoded_in_context(Level::Warn, b"m", &again, fields.as_bytes())
        .unwrap();
    assert_eq!(out, Outcome::Queued);
    assert!(
        log.log_encoded_in_context(Level::Warn, b"m", &again, &[0xff])
            .is_err()
    );
    let recs = lines(&log);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["trace_id"], "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(recs[0]["user_id"], 9);
    let m = log.metrics();
    assert_eq!(m.dropped.invalid, 1);
    assert_balanced(&m);
}
