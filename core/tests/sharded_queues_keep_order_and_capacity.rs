//! A queue split into shards keeps every thread's and every task's order,
//! applies its policy per shard, and flushes every shard.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use asynclog_core::config::Policy;
use asynclog_core::{DropReason, Level, Logger, Outcome, field};
use common::*;

fn sharded(shards: usize) -> Logger {
    let mut c = capture_config();
    c.queue.shards = shards;
    Logger::new(c).unwrap()
}

#[test]
fn threads_on_four_shards_each_keep_their_order() {
    let log = sharded(4);
    log_from_threads(&log, 6, 20_000);
    assert_each_producer_in_order(&log.capture("mem").unwrap().text(), 6, 20_000);
    assert_balanced(&log.metrics());
}

#[test]
fn a_task_moving_between_threads_keeps_its_order() {
    let log = sharded(2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..4)
            .map(|t| {
                let log = log.clone();
                tokio::spawn(async move {
                    for i in 0..5_000u64 {
                        log.info("e", &[field("t", t), field("i", i)]);
                        if i % 3 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    log.flush(SECS5).unwrap();
    assert_each_producer_in_order(&log.capture("mem").unwrap().text(), 4, 5_000);
}

#[test]
fn a_full_shard_follows_the_policy_whatever_room_the_others_have() {
    for policy in [Policy::DropNewest, Policy::DropOldest] {
        let mut c = stall_config(16, policy);
        c.queue.shards = 4;
        let log = Logger::new(c).unwrap();
        let cap = log.capture("mem").unwrap();
        stall(&log);
        let mut refused = 0;
        for i in 0..104 {
            match log.log(Level::Info, "burst", &[field("seq", i)]) {
                Outcome::Queued => {}
                Outcome::Dropped(DropReason::QueueFull) => refused += 1,
                other => panic!("unexpected outcome {other:?}"),
            }
        }
        cap.resume();
        log.flush(SECS5).unwrap();
        let m = log.metrics();
        assert_eq!(m.dropped.queue_full, 100, "{policy:?}: {m:?}");
        assert_balanced(&m);
        let seqs = ints_of(&cap.text(), "burst", "seq");
        let kept: Vec<i64> = match policy {
            Policy::DropNewest => {
                assert_eq!(refused, 100);
                (0..4).collect()
            }
            _ => {
                assert_eq!(refused, 0);
                (100..104).collect()
            }
        };
        assert_eq!(seqs, kept, "{policy:?}: one shard's worth, in order");
    }
}

#[test]
fn flush_waits_for_every_shard_while_another_thread_floods() {
    let log = sharded(2);
    let stop = Arc::new(AtomicBool::new(false));
    let flood = {
        let (log, stop) = (log.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                log.info("flood", &[]);
            }
        })
    };
    let cap = log.capture("mem").unwrap();
    for round in 0..20u64 {
        for i in 0..200u64 {
            log.info("mine", &[field("round", round), field("i", i)]);
        }
        log.flush(SECS5).unwrap();
        let written = String::from_utf8(cap.take()).unwrap();
        let mine = written
            .lines()
            .filter(|l| l.contains(r#""msg":"mine""#))
            .count();
        assert_eq!(mine, 200, "round {round}: flush returned before its events");
    }
    stop.store(true, Ordering::Relaxed);
    flood.join().unwrap();
    log.flush(SECS5).unwrap();
    assert_balanced(&log.metrics());
}
