//! What one logging call costs the thread that makes it, through the Rust
//! API: the benchmark workload's INFO event with three fields, the same
//! call filtered out by level, a call with ten fields, and a child logger
//! with bound fields.
//!
//! Calls go to a capture sink. They are timed in bursts that fit the
//! queue; between bursts, untimed, the benchmark waits for the worker and
//! empties the capture. So the producer never waits for room: this is the
//! cost of a call when the logger keeps up, not the logger's throughput
//! (`benches/compare` measures that, end to end, against other loggers).
//!
//! ```text
//! cargo bench -p asynclog-core --bench producer
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use asynclog_core::config::{SinkConfig, SinkKind};
use asynclog_core::{Capture, Config, Logger, field};
use criterion::{Criterion, criterion_group, criterion_main};

/// Calls per timed burst: well under the default queue of 65,536 events.
const BURST: u64 = 4096;

const MESSAGE: &str = "request handled";
const PATH: &str = "/api/v1/items";

/// A logger at `INFO` whose one sink is a capture.
fn capture_logger() -> (Logger, Capture) {
    let config = Config {
        sinks: vec![SinkConfig::new("mem", SinkKind::Capture)],
        ..Config::default()
    };
    let log = Logger::new(config).expect("a capture logger");
    let capture = log.capture("mem").expect("the capture sink");
    (log, capture)
}

/// Times `iters` calls of `call` in bursts of [`BURST`], draining the
/// logger between bursts outside the timing.
fn in_bursts(log: &Logger, capture: &Capture, iters: u64, mut call: impl FnMut(u64)) -> Duration {
    let mut timed = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = (iters - done).min(BURST);
        let start = Instant::now();
        for i in done..done + n {
            call(i);
        }
        timed += start.elapsed();
        done += n;
        log.flush(Duration::from_secs(30))
            .expect("the logger drains");
        capture.clear();
    }
    timed
}

#[inline]
fn latency_ms(i: u64) -> f64 {
    12.5 + (i % 7) as f64
}

fn info_three_fields(c: &mut Criterion) {
    let (log, capture) = capture_logger();
    c.bench_function("info, 3 fields (the workload event)", |b| {
        b.iter_custom(|iters| {
            in_bursts(&log, &capture, iters, |i| {
                log.info(
                    MESSAGE,
                    &[
                        field("user_id", black_box(i as i64)),
                        field("path", PATH),
                        field("latency_ms", latency_ms(i)),
                    ],
                );
            })
        })
    });
}

fn debug_filtered(c: &mut Criterion) {
    let (log, _capture) = capture_logger();
    let mut i = 0u64;
    c.bench_function("debug, 3 fields, filtered out at INFO", |b| {
        b.iter(|| {
            i += 1;
            log.debug(
                MESSAGE,
                &[
                    field("user_id", black_box(i as i64)),
                    field("path", PATH),
                    field("latency_ms", latency_ms(i)),
                ],
            );
        })
    });
}

fn info_ten_fields(c: &mut Criterion) {
    let (log, capture) = capture_logger();
    c.bench_function("info, 10 fields", |b| {
        b.iter_custom(|iters| {
            in_bursts(&log, &capture, iters, |i| {
                log.info(
                    MESSAGE,
                    &[
                        field("user_id", black_box(i as i64)),
                        field("path", PATH),
                        field("latency_ms", latency_ms(i)),
                        field("method", "GET"),
                        field("status", 200u16),
                        field("bytes", 5120u64),
                        field("cache_hit", i % 3 == 0),
                        field("region", "eu-west-1"),
                        field("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"),
                        field("attempt", 1i32),
                    ],
                );
            })
        })
    });
}

fn child_with_bound_fields(c: &mut Criterion) {
    let (log, capture) = capture_logger();
    let child = log.named("http").with(&[
        field("service", "api"),
        field("version", "1.4.2"),
        field("instance", 7u32),
    ]);
    c.bench_function("child logger with 3 bound fields, info, 3 fields", |b| {
        b.iter_custom(|iters| {
            in_bursts(&log, &capture, iters, |i| {
                child.info(
                    MESSAGE,
                    &[
                        field("user_id", black_box(i as i64)),
                        field("path", PATH),
                        field("latency_ms", latency_ms(i)),
                    ],
                );
            })
        })
    });
}

criterion_group! {
    name = producer;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = info_three_fields, debug_filtered, info_ten_fields, child_with_bound_fields
}
criterion_main!(producer);
