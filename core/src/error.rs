//! Errors of building a logger, and the outcome of waiting for it.

use std::fmt;
use std::io;

use crate::config::ConfigError;
use crate::plugin::PluginError;

/// Why a logger could not be built.
#[derive(Debug)]
pub enum Error {
    /// The configuration was refused.
    Config(ConfigError),
    /// A plugin was refused by the loader's checks, or failed to start.
    Plugin {
        /// Where it was configured: `sinks[1] (audit)`, `processors[0]`.
        context: String,
        /// The file and the reason.
        source: PluginError,
    },
    /// A sink could not be opened, or a thread not started.
    Io {
        /// What was being done: `sinks[0] (file)`, `worker thread`.
        context: String,
        /// The underlying error, which names the path where there is one.
        source: io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(e) => e.fmt(f),
            Error::Plugin { context, source } => write!(f, "{context}: {source}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Config(e) => Some(e),
            Error::Plugin { source, .. } => Some(source),
            Error::Io { source, .. } => Some(source),
        }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Error {
        Error::Config(e)
    }
}

/// A flush or shutdown that ran out of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Events logged before the call that were not written when the time
    /// ran out, for the slowest sink: still in flight, or (for a shutdown)
    /// given up on and counted as `shutdown_timeout`.
    pub events: u64,
}

impl fmt::Display for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out with {} events not yet written", self.events)
    }
}

impl std::error::Error for Pending {}

/// What became of one `log` call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The event is queued and will be written (or counted).
    Queued,
    /// Below the logger's level; counted as filtered.
    Filtered,
    /// Dropped and counted, for this reason.
    Dropped(DropReason),
}

/// Why the call itself dropped an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// The queue was full under a drop policy.
    QueueFull,
    /// The record was larger than `max_record_bytes` after truncation.
    TooLarge,
    /// Pre-encoded fields were not well formed.
    Invalid,
    /// The logger is closing or closed.
    Closed,
}
