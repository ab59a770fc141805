//! Severity levels and the two categories that are never sampled.

use std::fmt;
use std::str::FromStr;

/// The level of an event.
///
/// `Trace` to `Fatal` are severities ordered from least to most severe.
/// `Audit` and `Security` are categories rather than severities: they pass
/// every level filter, are never sampled out, and by default a full queue
/// blocks for them instead of dropping them (see `Config::audit_policy`).
///
/// The numeric values are part of the C ABI and never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    /// Very detailed tracing.
    Trace = 0,
    /// Debugging detail.
    Debug = 1,
    /// Normal operation.
    Info = 2,
    /// Something unexpected that the program handled.
    Warn = 3,
    /// A failed operation.
    Error = 4,
    /// The program cannot continue.
    Fatal = 5,
    /// An audit trail event: who did what, when.
    Audit = 6,
    /// A security-relevant event.
    Security = 7,
}

impl Level {
    /// All levels in numeric order.
    pub const ALL: [Level; 8] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
        Level::Audit,
        Level::Security,
    ];

    /// The level with the given ABI number, if there is one.
    pub fn from_u8(n: u8) -> Option<Level> {
        Level::ALL.get(n as usize).copied()
    }

    /// Upper-case name as written in records: `"INFO"`, `"AUDIT"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
            Level::Audit => "AUDIT",
            Level::Security => "SECURITY",
        }
    }

    /// Lower-case name, as logfmt writes it.
    pub fn as_lower_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
            Level::Audit => "audit",
            Level::Security => "security",
        }
    }

    /// True for `Audit` and `Security`, which bypass filters and sampling.
    pub fn is_category(self) -> bool {
        matches!(self, Level::Audit | Level::Security)
    }

    /// True when an event at this level passes a filter whose minimum is
    /// `min`. Categories always pass.
    #[inline]
    pub fn passes(self, min: Level) -> bool {
        self.is_category() || self >= min
    }

    /// True when sampling may drop this level: below `Error`, not a
    /// category.
    #[inline]
    pub fn is_sampled(self) -> bool {
        self < Level::Error
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a level name is not recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLevelError(pub String);

impl fmt::Display for ParseLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown level {:?}: expected one of trace, debug, info, warn, error, fatal, audit, \
             security",
            self.0
        )
    }
}

impl std::error::Error for ParseLevelError {}

impl FromStr for Level {
    type Err = ParseLevelError;

    /// Parses a level name in any case; `warning` is accepted for `warn`.
    fn from_str(s: &str) -> Result<Level, ParseLevelError> {
        let level = match s.to_ascii_lowercase().as_str() {
            "trace" => Level::Trace,
            "debug" => Level::Debug,
            "info" => Level::Info,
            "warn" | "warning" => Level::Warn,
            "error" => Level::Error,
            "fatal" | "critical" => Level::Fatal,
            "audit" => Level::Audit,
            "security" => Level::Security,
            _ => return Err(ParseLevelError(s.to_string())),
        };
        Ok(level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_pass_every_filter() {
        assert!(Level::Audit.passes(Level::Fatal));
        assert!(Level::Security.passes(Level::Fatal));
        assert!(!Level::Debug.passes(Level::Info));
        assert!(Level::Warn.passes(Level::Info));
    }

    #[test]
    fn names_round_trip() {
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>(), Ok(level));
            assert_eq!(Level::from_u8(level as u8), Some(level));
        }
        assert!("loud".parse::<Level>().is_err());
    }
}
