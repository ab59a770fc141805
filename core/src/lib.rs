//! asynclog-core: an async-first structured logging engine.
//!
//! Producers on any thread or task turn each event into a compact binary
//! record and enqueue it; a worker thread owned by the logger encodes
//! batches once and hands them to per-sink delivery threads. Every event is
//! accounted for: `submitted = written + dropped + filtered` per sink, with
//! each drop counted by reason.

#![deny(missing_docs)]

pub mod config;
pub mod level;
pub mod record;
pub(crate) mod sink;

pub use config::Config;
pub use level::Level;
pub use record::Limits;
