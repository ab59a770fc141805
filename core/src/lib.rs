//! asynclog-core: an async-first structured logging engine.
//!
//! Producers on any thread or task turn each event into a compact binary
//! record and put it in a bounded queue; a worker thread owned by the
//! logger encodes batches once and hands them to per-sink delivery
//! threads. The producer never waits on I/O.
//!
//! Every event is accounted for: for each sink,
//! `submitted = written + filtered + dropped (+ in flight)`, with each drop
//! counted by reason (see [`metrics`]).
//!
//! ```
//! use std::time::Duration;
//! use asynclog_core::{Config, Logger, context, field};
//! use asynclog_core::config::{SinkConfig, SinkKind};
//!
//! let mut config = Config::default();
//! config.sinks = vec![SinkConfig::new("mem", SinkKind::Capture)];
//! let log = Logger::new(config)?;
//!
//! let requests = log.named("http").with(&[field("service", "api")]);
//! let _scope = context::enter(&[field("correlation_id", "req-1")]);
//! requests.info("request handled", &[field("status", 200)]);
//!
//! log.flush(Duration::from_secs(5)).unwrap();
//! let line = &log.capture("mem").unwrap().lines()[0];
//! assert!(line.contains(r#""logger":"http""#));
//! assert!(line.contains(r#""correlation_id":"req-1","service":"api","status":200"#));
//! # Ok::<(), asynclog_core::Error>(())
//! ```
//!
//! Nothing is global: two loggers in one process share no queue, thread,
//! runtime or counter. The one thing shared is the caller's [`context`],
//! which belongs to the thread or task, not to a logger.

#![deny(missing_docs)]

mod clock;
pub mod config;
pub mod context;
mod counter;
mod delivery;
mod encode;
mod error;
pub mod level;
mod logger;
pub mod metrics;
pub mod plugin;
mod queue;
pub mod record;
pub(crate) mod sink;
mod tlv;
pub mod value;
mod worker;

pub use config::Config;
pub use error::{DropReason, Error, Outcome, Pending};
pub use level::Level;
pub use logger::Logger;
pub use metrics::Snapshot;
pub use record::Limits;
pub use sink::Capture;
pub use tlv::{EncodedError, copy_encoded};
pub use value::{Field, FieldWriter, Value, field};
