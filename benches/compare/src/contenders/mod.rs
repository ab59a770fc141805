//! The contenders, one file each, all logging the same workload.
//!
//! Each `run` opens its logger on a file, logs the plan through
//! [`crate::harness::produce`], and closes the logger so that everything
//! is written before it returns; the end-to-end time runs from the first
//! call to that return.

use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use crate::harness::Produced;
use crate::workload::Plan;

mod asynclog_c_abi;
mod asynclog_plugins;
mod asynclog_rust;
#[cfg(have_spdlog)]
mod spdlog;
mod tracing_json;
mod write_loop;

/// What a run hands back.
pub struct Finished {
    /// The producers' side.
    pub produced: Produced,
    /// Taken once the logger was closed and everything was written.
    pub end: Instant,
    /// Whatever the logger reports about itself (its own counters).
    pub details: Value,
}

/// One contender.
pub struct Contender {
    /// The name used on the command line and in the results.
    pub name: &'static str,
    /// What it is, for the table's notes.
    pub about: &'static str,
    /// Runs only with one thread: the single-thread reference loop.
    pub single_thread_only: bool,
    /// Logs the plan to a file at the path.
    pub run: fn(&Path, &Plan) -> Result<Finished, String>,
}

/// Every contender built into this binary, in the order they run.
pub fn all() -> Vec<Contender> {
    let mut v = vec![
        Contender {
            name: "asynclog-rust",
            about: "asynclog through the Rust API (Logger::log)",
            single_thread_only: false,
            run: asynclog_rust::run,
        },
        Contender {
            name: "asynclog-c-abi",
            about: "asynclog through the C ABI (asynclog_log with asynclog_field structs)",
            single_thread_only: false,
            run: asynclog_c_abi::run,
        },
        Contender {
            name: "tracing",
            about: "tracing + tracing-subscriber fmt().json() + tracing-appender non_blocking \
                    (lossy(false)) to a File",
            single_thread_only: false,
            run: tracing_json::run,
        },
    ];
    #[cfg(have_spdlog)]
    v.push(Contender {
        name: "spdlog",
        about: "spdlog async logger (queue 8192, block policy, 1 worker) with basic_file_sink",
        single_thread_only: false,
        run: spdlog::run,
    });
    v.extend([
        Contender {
            name: "asynclog-pass-through",
            about: "asynclog-rust with one pass-through processor plugin (fault, mode pass)",
            single_thread_only: true,
            run: asynclog_plugins::pass_through,
        },
        Contender {
            name: "asynclog-env-enricher",
            about: "asynclog-rust with the env-enricher plugin adding five static fields",
            single_thread_only: true,
            run: asynclog_plugins::env_enricher,
        },
        Contender {
            name: "asynclog-bound-5",
            about: "asynclog-rust with the same five fields bound by Logger::with, no plugin",
            single_thread_only: true,
            run: asynclog_plugins::bound_five,
        },
    ]);
    v.push(Contender {
        name: "loop",
        about: "single-thread format (itoa/ryu) into 64 KiB, write(2) when full",
        single_thread_only: true,
        run: write_loop::run,
    });
    v
}

/// Names of contenders known to the benchmark but not built in.
pub fn missing() -> Vec<&'static str> {
    if cfg!(have_spdlog) {
        Vec::new()
    } else {
        vec!["spdlog"]
    }
}
