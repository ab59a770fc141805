//! A tour of asynclog: a few records through the default pipeline (NDJSON
//! to stdout at INFO), then a timed burst from two threads into a file,
//! with the accounting that proves nothing was lost.
//!
//! Run with `cargo run --release -p asynclog-core --example demo`.
//! `ASYNCLOG_DEMO_EVENTS` sets the burst size (default 2,000,000) and
//! `ASYNCLOG_DEMO_THREADS` the number of producer threads (default 2).

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use asynclog_core::config::{FileSinkConfig, SinkConfig, SinkKind};
use asynclog_core::{Config, Logger, Value, context, field};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("== asynclog demo: the default pipeline (NDJSON to stdout, INFO) ==");
    let log = Logger::from_env()?;
    let http = log.named("http").with(&[field("service", "checkout")]);
    {
        let _request = context::enter(&[
            field("correlation_id", "req-7f3a"),
            field("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"),
        ]);
        http.info(
            "request handled",
            &[
                field("status", 200),
                field("path", "/api/v1/items"),
                field("latency_ms", 12.5),
            ],
        );
        let cart = [field("items", 3), field("total", 59.9)];
        http.warn(
            "slow dependency",
            &[field("cart", &cart[..]), field("dep", "payments")],
        );
    }
    log.debug("filtered out: below INFO", &[]);
    log.audit(
        "role granted",
        &[field("actor", "alice"), field("role", "admin")],
    );
    log.error(
        "bad input is escaped",
        &[field("value", "line\nbreak \u{1b}[31m")],
    );
    log.info(
        "values of every type",
        &[
            field("bytes", &b"\x00\xff"[..]),
            field("none", Value::Null),
            field("big", u64::MAX),
        ],
    );
    log.flush(Duration::from_secs(5))
        .map_err(|p| format!("flush: {p}"))?;
    let m = log.metrics();
    println!(
        "-- {} submitted, {} written to stdout, {} filtered, {} dropped",
        m.submitted,
        m.sinks[0].written,
        m.sinks[0].filtered,
        m.sinks[0].dropped.total()
    );
    drop(log);

    let events: u64 = std::env::var("ASYNCLOG_DEMO_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let threads: u64 = std::env::var("ASYNCLOG_DEMO_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(2);
    let dir = std::env::temp_dir().join(format!("asynclog-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("burst.ndjson");
    let config = Config {
        sinks: vec![SinkConfig::new(
            "file",
            SinkKind::File(FileSinkConfig::new(&path)),
        )],
        ..Config::default()
    };
    println!();
    println!(
        "== burst: {events} events from {threads} threads into {} (default queue: {} events, \
         policy {}) ==",
        path.display(),
        config.queue.capacity,
        config.queue.policy.as_str()
    );
    let log = Logger::new(config)?;
    let start = Instant::now();
    let producers: Vec<_> = (0..threads)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut worst = Duration::ZERO;
                for i in 0..events / threads {
                    let user_id = t * (events / threads) + i;
                    let call = Instant::now();
                    log.info(
                        "request handled",
                        &[
                            field("user_id", user_id),
                            field("path", "/api/v1/items"),
                            field("latency_ms", 12.5 + (i % 7) as f64),
                        ],
                    );
                    worst = worst.max(call.elapsed());
                }
                worst
            })
        })
        .collect();
    let worst: Duration = producers
        .into_iter()
        .map(|p| p.join().unwrap())
        .max()
        .unwrap();
    let produced = start.elapsed();
    log.shutdown(Duration::from_secs(30))
        .map_err(|p| format!("shutdown: {p}"))?;
    let total = start.elapsed();
    let m = log.metrics();
    drop(log);

    let mut lines = 0u64;
    let mut bytes = 0u64;
    for line in BufReader::new(std::fs::File::open(&path)?).lines() {
        let line = line?;
        bytes += line.len() as u64 + 1;
        lines += 1;
    }
    std::fs::remove_dir_all(&dir)?;
    let s = &m.sinks[0];
    println!(
        "producers done in {:.3} s; everything written and closed in {:.3} s",
        produced.as_secs_f64(),
        total.as_secs_f64()
    );
    println!(
        "end to end: {:.2} M events/s",
        events as f64 / total.as_secs_f64() / 1e6
    );
    println!(
        "producer calls: {:.0} ns mean, {} us worst",
        produced.as_nanos() as f64 * threads as f64 / events as f64,
        worst.as_micros()
    );
    println!("bytes per line: {:.1}", bytes as f64 / lines.max(1) as f64);
    println!(
        "accounting: submitted {} = written {} + filtered {} + dropped {} + in flight {}",
        m.submitted,
        s.written,
        s.filtered,
        s.dropped.total(),
        s.in_flight
    );
    println!("lines read back: {lines}");
    if lines != events || s.written != events {
        return Err(format!("lost events: {} of {events} written", s.written).into());
    }
    Ok(())
}
