//! Parsing and validation of configuration documents.
//!
//! A document is JSON (when its first non-whitespace character is `{`) or
//! TOML; both describe the same tree, and every key is optional:
//!
//! ```json
//! { "name": "app", "level": "info",
//!   "queue": { "capacity": 65536, "max_bytes": "32MiB", "policy": "block",
//!              "shards": "auto" },
//!   "batch": { "max_events": 4096, "max_bytes": "1MiB", "max_delay_ms": 100 },
//!   "limits": { "max_message_bytes": 65536, "max_fields": 256, "max_depth": 16,
//!               "max_record_bytes": "1MiB" },
//!   "sample_rate": 1.0, "audit_policy": "block", "shutdown_timeout_ms": 5000,
//!   "loggers": { "db": { "level": "warn" } },
//!   "sinks": [
//!     { "type": "stderr", "encoder": "console", "color": "auto", "level": "debug",
//!       "queue": { "max_batches": 16, "max_bytes": "16MiB", "policy": "block" } },
//!     { "type": "file", "path": "/var/log/app.log", "mode": "0640",
//!       "rotation": { "max_bytes": "100MiB", "interval": "daily", "keep": 10,
//!                     "compress": true } } ] }
//! ```
//!
//! - Queue `shards` is `auto` (from the CPU count) or an integer from 1
//!   to 64 (see [`QueueConfig::shards`]).
//! - Policies are `block`, `drop_newest` or `drop_oldest`; sink types are
//!   `stdout`, `stderr`, `file` or `capture`; encoders are `ndjson`,
//!   `logfmt` or `console` (the only one that takes `color`: `auto`,
//!   `always` or `never`). Keywords and level names ignore case.
//! - Sizes are integers (bytes) or strings with a unit: `B`, `KB` (1000),
//!   `KiB` (1024), `MB`, `MiB`, `GB`, `GiB`, in any case.
//! - A rotation `interval` is `hourly`, `daily`, a number with a unit `s`,
//!   `m`, `h` or `d` (`"15m"`), or an integer number of seconds.
//! - A file `mode` is an octal string (`"0640"`) or an integer (`416`).
//! - Any scalar may also be written as a string (`"capacity": "${CAP}"`),
//!   which is parsed as the expected type.
//! - `${VAR}` in a string value is replaced by the environment variable
//!   `VAR`; `$${` stands for a literal `${`. An unset variable, or one whose
//!   value holds a line break, is an error.
//! - Without `sinks`, records go to one NDJSON `stdout` sink. A sink's name
//!   defaults to its type, with `-2`, `-3`... appended when the type repeats.
//!
//! Unknown keys, wrong types and out-of-range values are errors naming the
//! path of the value: `sinks[0].pathh: unknown key; expected one of ...`.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use super::{
    BatchConfig, ColorMode, Config, EncoderConfig, FileSinkConfig, LoggerOverride, MAX_SHARDS,
    PluginRef, PluginSettings, PluginsConfig, Policy, QueueConfig, Rotation, SinkConfig, SinkKind,
    SinkQueueConfig,
};
use crate::level::Level;
use crate::record::Limits;
use crate::value::MAX_DEPTH_CAP;

/// The syntax of a configuration document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// TOML.
    Toml,
}

impl Format {
    /// Guesses the syntax of `text`: JSON when its first non-whitespace
    /// character is `{`, otherwise TOML.
    pub fn detect(text: &str) -> Format {
        if strip_bom(text).trim_start().starts_with('{') {
            Format::Json
        } else {
            Format::Toml
        }
    }

    /// The syntax a file's extension names, if it names one.
    fn from_extension(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?;
        if extension.eq_ignore_ascii_case("json") {
            Some(Format::Json)
        } else if extension.eq_ignore_ascii_case("toml") {
            Some(Format::Toml)
        } else {
            None
        }
    }
}

/// A configuration error naming where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file the document came from, when it came from one.
    pub file: Option<std::path::PathBuf>,
    /// Path of the bad value, such as `sinks[1].path`; empty for the whole
    /// document.
    pub path: String,
    /// What is wrong, in lower case.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// An environment lookup: the value of a variable, or `None` when unset.
type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The variables [`Config::apply_env`] reads, in the order it applies them.
const ENV_VARS: [&str; 12] = [
    "ASYNCLOG_NAME",
    "ASYNCLOG_LEVEL",
    "ASYNCLOG_QUEUE_CAPACITY",
    "ASYNCLOG_QUEUE_MAX_BYTES",
    "ASYNCLOG_QUEUE_POLICY",
    "ASYNCLOG_QUEUE_SHARDS",
    "ASYNCLOG_SAMPLE_RATE",
    "ASYNCLOG_AUDIT_POLICY",
    "ASYNCLOG_SHUTDOWN_TIMEOUT_MS",
    "ASYNCLOG_BATCH_MAX_EVENTS",
    "ASYNCLOG_BATCH_MAX_BYTES",
    "ASYNCLOG_BATCH_MAX_DELAY_MS",
];

impl Config {
    /// Parses a JSON or TOML document (see [`Format::detect`]), replacing
    /// `${VAR}` from the process environment and then applying its
    /// `ASYNCLOG_*` overrides (see [`Config::apply_env`]).
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse_with(text, Format::detect(text), &process_env)
    }

    /// Parses a document of the given format, looking environment variables
    /// up with `env` both for `${VAR}` and for the `ASYNCLOG_*` overrides,
    /// then validates the result (see [`Config::validate`]).
    pub fn parse_with(
        text: &str,
        format: Format,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut doc = match format {
            Format::Json => json_document(text)?,
            Format::Toml => toml_document(text)?,
        };
        interpolate(&mut doc, &KeyPath::root(), env, false)?;
        let mut config = read_config(&Cursor::new(&doc, KeyPath::root()))?;
        config.apply_env(env)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and parses a configuration file with the process environment,
    /// as [`Config::from_file_with`] does.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        Config::from_file_with(path, &process_env)
    }

    /// Reads and parses a configuration file: JSON for `.json`, TOML for
    /// `.toml`, otherwise detected from the text. Every error, including
    /// an unreadable file, names the file.
    pub fn from_file_with(
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let in_file = |error: ConfigError| ConfigError {
            file: Some(path.to_path_buf()),
            ..error
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| in_file(KeyPath::root().error(format!("cannot read the file: {e}"))))?;
        let format = Format::from_extension(path).unwrap_or_else(|| Format::detect(&text));
        Config::parse_with(&text, format, env).map_err(in_file)
    }

    /// Overrides documented keys from `ASYNCLOG_*` environment variables,
    /// looked up with `env`. [`Config::parse_with`] applies them after the
    /// document.
    ///
    /// | Variable | Overrides | Value |
    /// |---|---|---|
    /// | `ASYNCLOG_NAME` | `name` | any string |
    /// | `ASYNCLOG_LEVEL` | `level` | a level name: `info`, `warn`... |
    /// | `ASYNCLOG_QUEUE_CAPACITY` | `queue.capacity` | a positive integer |
    /// | `ASYNCLOG_QUEUE_MAX_BYTES` | `queue.max_bytes` | a size: `1048576`, `32MiB` |
    /// | `ASYNCLOG_QUEUE_POLICY` | `queue.policy` | `block`, `drop_newest` or `drop_oldest` |
    /// | `ASYNCLOG_QUEUE_SHARDS` | `queue.shards` | `auto`, or an integer from 1 to 64 |
    /// | `ASYNCLOG_SAMPLE_RATE` | `sample_rate` | a number from 0 to 1 |
    /// | `ASYNCLOG_AUDIT_POLICY` | `audit_policy` | `block`, `drop_newest` or `drop_oldest` |
    /// | `ASYNCLOG_SHUTDOWN_TIMEOUT_MS` | `shutdown_timeout` | milliseconds, 0 or more |
    /// | `ASYNCLOG_BATCH_MAX_EVENTS` | `batch.max_events` | a positive integer |
    /// | `ASYNCLOG_BATCH_MAX_BYTES` | `batch.max_bytes` | a size: `1048576`, `1MiB` |
    /// | `ASYNCLOG_BATCH_MAX_DELAY_MS` | `batch.max_delay` | milliseconds, 1 or more |
    ///
    /// An empty variable counts as unset. A bad value is an error whose path
    /// is the variable's name:
    /// `ASYNCLOG_QUEUE_CAPACITY: expected a positive integer, got "abc"`.
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        for var in ENV_VARS {
            if let Some(raw) = env(var).filter(|raw| !raw.is_empty()) {
                let value = Value::String(raw);
                self.apply_var(var, &Cursor::new(&value, KeyPath::named(var)))?;
            }
        }
        Ok(())
    }

    /// Applies one of [`ENV_VARS`].
    fn apply_var(&mut self, var: &str, value: &Cursor<'_>) -> Result<(), ConfigError> {
        match var {
            "ASYNCLOG_NAME" => self.name = value.str()?.to_owned(),
            "ASYNCLOG_LEVEL" => self.level = value.level()?,
            "ASYNCLOG_QUEUE_CAPACITY" => self.queue.capacity = value.count(1)?,
            "ASYNCLOG_QUEUE_MAX_BYTES" => self.queue.max_bytes = value.size(1)?,
            "ASYNCLOG_QUEUE_POLICY" => self.queue.policy = value.policy()?,
            "ASYNCLOG_QUEUE_SHARDS" => self.queue.shards = value.shards()?,
            "ASYNCLOG_SAMPLE_RATE" => self.sample_rate = value.rate()?,
            "ASYNCLOG_AUDIT_POLICY" => self.audit_policy = value.policy()?,
            "ASYNCLOG_SHUTDOWN_TIMEOUT_MS" => self.shutdown_timeout = value.millis(0)?,
            "ASYNCLOG_BATCH_MAX_EVENTS" => self.batch.max_events = value.count(1)?,
            "ASYNCLOG_BATCH_MAX_BYTES" => self.batch.max_bytes = value.size(1)?,
            "ASYNCLOG_BATCH_MAX_DELAY_MS" => self.batch.max_delay = value.millis(1)?,
            _ => unreachable!("{var} is not one of ENV_VARS"),
        }
        Ok(())
    }

    /// Checks a configuration with the rules documents are held to, so a
    /// configuration built in code fails the same way a document would:
    /// the error's path is where the value would sit in a document
    /// (`sinks[1].path: must be an absolute path`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let root = KeyPath::root();

        let queue = root.key("queue");
        queue
            .key("capacity")
            .check(at_least(self.queue.capacity, 1))?;
        queue
            .key("max_bytes")
            .check(at_least(self.queue.max_bytes, 1))?;
        queue
            .key("shards")
            .check(at_most(self.queue.shards, MAX_SHARDS))?;

        let batch = root.key("batch");
        batch
            .key("max_events")
            .check(at_least(self.batch.max_events, 1))?;
        batch
            .key("max_bytes")
            .check(at_least(self.batch.max_bytes, 1))?;
        let max_delay_ms = self.batch.max_delay.as_millis();
        batch.key("max_delay_ms").check(at_least(max_delay_ms, 1))?;

        let limits = root.key("limits");
        let Limits {
            max_message_bytes,
            max_fields,
            max_depth,
            max_record_bytes,
        } = self.limits;
        let message_bytes = at_least(max_message_bytes, MIN_MESSAGE_BYTES);
        limits.key("max_message_bytes").check(message_bytes)?;
        limits.key("max_fields").check(at_least(max_fields, 1))?;
        limits.key("max_depth").check(at_least(max_depth, 1))?;
        limits
            .key("max_depth")
            .check(at_most(max_depth, MAX_DEPTH_CAP))?;
        let record_bytes = at_least(max_record_bytes, MIN_RECORD_BYTES);
        limits.key("max_record_bytes").check(record_bytes)?;

        root.key("sample_rate")
            .check(check_sample_rate(self.sample_rate))?;

        let loggers = root.key("loggers");
        let mut logger_names = HashSet::new();
        for logger in &self.loggers {
            if !logger_names.insert(logger.name.as_str()) {
                let message = format!("duplicate logger name {:?}", logger.name);
                return Err(loggers.key(&logger.name).error(message));
            }
        }

        let sinks = root.key("sinks");
        if self.sinks.is_empty() {
            return Err(sinks.error("at least one sink is required"));
        }
        let mut sink_names = HashSet::new();
        for (index, sink) in self.sinks.iter().enumerate() {
            let at = sinks.index(index);
            if sink.name.is_empty() {
                return Err(at.key("name").error("must not be empty"));
            }
            if !sink_names.insert(sink.name.as_str()) {
                let message = format!("duplicate sink name {:?}", sink.name);
                return Err(at.key("name").error(message));
            }
            validate_sink(sink, &at)?;
        }

        let dirs = root.key("plugins").key("dirs");
        for (index, dir) in self.plugins.dirs.iter().enumerate() {
            dirs.index(index).check(check_plugin_dir(dir))?;
        }
        let processors = root.key("processors");
        for (index, processor) in self.processors.iter().enumerate() {
            validate_plugin_ref(processor, &processors.index(index))?;
        }
        Ok(())
    }
}

/// The checks of [`Config::validate`] for a plugin sink or processor.
fn validate_plugin_ref(plugin: &PluginRef, at: &KeyPath) -> Result<(), ConfigError> {
    at.key("plugin").check(check_plugin_spec(&plugin.plugin))?;
    if let Some(digest) = &plugin.sha256 {
        at.key("sha256").check(check_sha256(digest))?;
    }
    Ok(())
}

/// The checks of [`Config::validate`] for one sink, apart from its name.
fn validate_sink(sink: &SinkConfig, at: &KeyPath) -> Result<(), ConfigError> {
    let queue = at.key("queue");
    queue
        .key("max_batches")
        .check(at_least(sink.queue.max_batches, 1))?;
    queue
        .key("max_bytes")
        .check(at_least(sink.queue.max_bytes, 1))?;
    if let SinkKind::File(file) = &sink.kind {
        at.key("path").check(check_file_path(&file.path))?;
        at.key("mode").check(check_mode(file.mode))?;
        let rotation = at.key("rotation");
        if let Some(max_bytes) = file.rotation.max_bytes {
            rotation.key("max_bytes").check(at_least(max_bytes, 1))?;
        }
        if let Some(interval) = file.rotation.interval {
            rotation.key("interval").check(check_interval(interval))?;
        }
        rotation
            .key("keep")
            .check(at_least(file.rotation.keep, 1))?;
    }
    if let SinkKind::Plugin(plugin) = &sink.kind {
        validate_plugin_ref(plugin, at)?;
    }
    Ok(())
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

// ---------------------------------------------------------------------------
// Rules shared by the parser, the environment overrides and `validate`.

/// Smallest `limits.max_message_bytes`: room for a truncation marker.
const MIN_MESSAGE_BYTES: usize = 16;

/// Smallest `limits.max_record_bytes`: room for a header and a short message.
const MIN_RECORD_BYTES: usize = 256;

fn at_least<T: PartialOrd + fmt::Display>(n: T, min: T) -> Result<(), String> {
    if n < min {
        Err(format!("must be at least {min}, got {n}"))
    } else {
        Ok(())
    }
}

fn at_most<T: PartialOrd + fmt::Display>(n: T, max: T) -> Result<(), String> {
    if n > max {
        Err(format!("must be at most {max}, got {n}"))
    } else {
        Ok(())
    }
}

fn check_sample_rate(rate: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&rate) {
        Ok(())
    } else {
        Err(format!("must be a number from 0 to 1, got {rate}"))
    }
}

fn check_file_path(path: &Path) -> Result<(), String> {
    if !path.is_absolute() {
        Err("must be an absolute path".to_owned())
    } else if path.to_string_lossy().ends_with(std::path::is_separator) {
        Err("must name a file, not end with \"/\"".to_owned())
    } else {
        Ok(())
    }
}

fn check_plugin_dir(dir: &Path) -> Result<(), String> {
    if dir.is_absolute() {
        Ok(())
    } else {
        Err(format!(
            "must be an absolute path, got {:?}",
            dir.display().to_string()
        ))
    }
}

/// A plugin is an absolute path, or a bare file name looked up in
/// `plugins.dirs`.
fn check_plugin_spec(spec: &str) -> Result<(), String> {
    if spec.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if spec.starts_with('/') {
        return if spec.ends_with('/') {
            Err("must name a file, not end with \"/\"".to_owned())
        } else {
            Ok(())
        };
    }
    let bare = spec != "."
        && spec != ".."
        && spec
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if bare {
        Ok(())
    } else {
        Err(format!(
            "expected an absolute path or a bare plugin name (letters, digits, \"_\", \"-\", \".\"), got {spec:?}"
        ))
    }
}

fn check_sha256(digest: &str) -> Result<(), String> {
    if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(format!("expected 64 hex digits, got {digest:?}"))
    }
}

fn check_mode(mode: u32) -> Result<(), String> {
    if mode & !0o777 != 0 {
        Err(format!(
            "must hold permission bits only (at most 0777), got {mode:04o}"
        ))
    } else if mode & 0o022 != 0 {
        Err(format!(
            "{mode:04o} lets group or others write to the log file; use 0600 or 0640"
        ))
    } else {
        Ok(())
    }
}

fn check_interval(interval: Duration) -> Result<(), String> {
    if interval < Duration::from_secs(1) {
        Err(format!("must be at least 1 second, got {interval:?}"))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Paths and the typed cursor over the document.

/// Where a value sits in the document, such as `sinks[1].rotation.keep`;
/// empty for the whole document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct KeyPath(String);

impl KeyPath {
    fn root() -> KeyPath {
        KeyPath::default()
    }

    /// A path that is just a name, such as an environment variable's.
    fn named(name: &str) -> KeyPath {
        KeyPath(name.to_owned())
    }

    /// The path of `key` in the table at this path. Keys other than
    /// letters, digits, `_` and `-` are quoted: `loggers["db.pool"]`.
    fn key(&self, key: &str) -> KeyPath {
        let bare = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        KeyPath(match (bare, self.0.is_empty()) {
            (true, true) => key.to_owned(),
            (true, false) => format!("{}.{key}", self.0),
            (false, _) => format!("{}[{key:?}]", self.0),
        })
    }

    /// The path of item `index` in the array at this path.
    fn index(&self, index: usize) -> KeyPath {
        KeyPath(format!("{}[{index}]", self.0))
    }

    fn error(&self, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: None,
            path: self.0.clone(),
            message: message.into(),
        }
    }

    /// Turns a rule's complaint into an error at this path.
    fn check(&self, rule: Result<(), String>) -> Result<(), ConfigError> {
        rule.map_err(|message| self.error(message))
    }
}

/// A value of the document and its path, with typed accessors whose errors
/// name that path.
struct Cursor<'a> {
    value: &'a Value,
    path: KeyPath,
}

/// A table (object) of the document and its path.
struct Table<'a> {
    map: &'a Map<String, Value>,
    path: KeyPath,
}

const SIZE: &str = "a size such as 1048576 or \"1MiB\"";
const MODE: &str = "a file mode such as \"0640\"";
const INTERVAL: &str = "an interval such as \"daily\", \"15m\" or 3600";

const POLICIES: &[(&str, Policy)] = &[
    ("block", Policy::Block),
    ("drop_newest", Policy::DropNewest),
    ("drop_oldest", Policy::DropOldest),
];

impl<'a> Cursor<'a> {
    fn new(value: &'a Value, path: KeyPath) -> Cursor<'a> {
        Cursor { value, path }
    }

    fn error(&self, message: impl Into<String>) -> ConfigError {
        self.path.error(message)
    }

    /// The error for a value of the wrong type.
    fn expected(&self, what: &str) -> ConfigError {
        self.error(format!("expected {what}, got {}", describe(self.value)))
    }

    fn check(&self, rule: Result<(), String>) -> Result<(), ConfigError> {
        self.path.check(rule)
    }

    /// The value as a table with any keys.
    fn object(&self) -> Result<Table<'a>, ConfigError> {
        match self.value {
            Value::Object(map) => Ok(Table {
                map,
                path: self.path.clone(),
            }),
            _ => Err(self.expected("a table")),
        }
    }

    /// The value as a table whose keys are all among `keys`.
    fn table(&self, keys: &[&str]) -> Result<Table<'a>, ConfigError> {
        let table = self.object()?;
        if let Some(unknown) = table.map.keys().find(|key| !keys.contains(&key.as_str())) {
            let message = format!("unknown key; expected one of {}", keys.join(", "));
            return Err(self.path.key(unknown).error(message));
        }
        Ok(table)
    }

    /// The items of an array.
    fn items(&self) -> Result<Vec<Cursor<'a>>, ConfigError> {
        match self.value {
            Value::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(index, item)| Cursor::new(item, self.path.index(index)))
                .collect()),
            _ => Err(self.expected("an array")),
        }
    }

    fn str(&self) -> Result<&'a str, ConfigError> {
        self.value.as_str().ok_or_else(|| self.expected("a string"))
    }

    fn bool(&self) -> Result<bool, ConfigError> {
        match self.value {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.trim() {
                s if s.eq_ignore_ascii_case("true") => Some(true),
                s if s.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| self.expected("true or false"))
    }

    /// A non-negative integer, or a string holding one.
    fn integer(&self) -> Option<u64> {
        match self.value {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A count of at least `min` (which is at least 1).
    fn count<T>(&self, min: T) -> Result<T, ConfigError>
    where
        T: TryFrom<u64> + PartialOrd + fmt::Display + Copy,
    {
        let n = self
            .integer()
            .ok_or_else(|| self.expected("a positive integer"))?;
        self.in_range(n, min)
    }

    /// A number of milliseconds of at least `min`.
    fn millis(&self, min: u64) -> Result<Duration, ConfigError> {
        let what = if min == 0 {
            "a non-negative integer"
        } else {
            "a positive integer"
        };
        let ms = self.integer().ok_or_else(|| self.expected(what))?;
        self.check(at_least(ms, min))?;
        Ok(Duration::from_millis(ms))
    }

    /// A size in bytes of at least `min`: an integer, or a string with an
    /// optional unit.
    fn size<T>(&self, min: T) -> Result<T, ConfigError>
    where
        T: TryFrom<u64> + PartialOrd + fmt::Display + Copy,
    {
        let bytes = match self.value {
            Value::Number(n) => n.as_u64().ok_or_else(|| self.expected(SIZE))?,
            Value::String(s) => parse_size(s).map_err(|message| self.error(message))?,
            _ => return Err(self.expected(SIZE)),
        };
        self.in_range(bytes, min)
    }

    fn in_range<T>(&self, n: u64, min: T) -> Result<T, ConfigError>
    where
        T: TryFrom<u64> + PartialOrd + fmt::Display + Copy,
    {
        let n = T::try_from(n).map_err(|_| self.error(format!("{n} is too large")))?;
        self.check(at_least(n, min))?;
        Ok(n)
    }

    /// A shard count: `"auto"` (0), or an integer from 1 to
    /// [`MAX_SHARDS`].
    fn shards(&self) -> Result<usize, ConfigError> {
        if self
            .value
            .as_str()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("auto"))
        {
            return Ok(0);
        }
        let n = self
            .integer()
            .ok_or_else(|| self.expected("\"auto\" or an integer from 1 to 64"))?;
        let n = self.in_range(n, 1usize)?;
        self.check(at_most(n, MAX_SHARDS))?;
        Ok(n)
    }

    /// A sampling rate from 0 to 1.
    fn rate(&self) -> Result<f64, ConfigError> {
        let rate = match self.value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| self.expected("a number from 0 to 1"))?;
        self.check(check_sample_rate(rate))?;
        Ok(rate)
    }

    /// One of the named `choices`, ignoring case.
    fn keyword<T: Copy>(&self, choices: &[(&str, T)]) -> Result<T, ConfigError> {
        let found = self.value.as_str().and_then(|s| {
            let s = s.trim();
            choices
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(s))
        });
        match found {
            Some(&(_, choice)) => Ok(choice),
            None => {
                let names: Vec<&str> = choices.iter().map(|&(name, _)| name).collect();
                Err(self.expected(&format!("one of {}", names.join(", "))))
            }
        }
    }

    fn level(&self) -> Result<Level, ConfigError> {
        let name = self
            .value
            .as_str()
            .ok_or_else(|| self.expected("a level name"))?;
        name.trim()
            .parse()
            .map_err(|e: crate::level::ParseLevelError| self.error(e.to_string()))
    }

    fn policy(&self) -> Result<Policy, ConfigError> {
        self.keyword(POLICIES)
    }

    /// File permission bits: an octal string or an integer.
    fn mode(&self) -> Result<u32, ConfigError> {
        let mode = match self.value {
            Value::Number(n) => n
                .as_u64()
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
                .ok_or_else(|| self.expected(MODE))?,
            Value::String(s) => parse_mode(s).map_err(|message| self.error(message))?,
            _ => return Err(self.expected(MODE)),
        };
        self.check(check_mode(mode))?;
        Ok(mode)
    }

    /// A rotation interval: a keyword, a number with a unit, or seconds.
    fn interval(&self) -> Result<Duration, ConfigError> {
        let interval = match self.value {
            Value::Number(n) => n
                .as_u64()
                .map(Duration::from_secs)
                .ok_or_else(|| self.expected(INTERVAL))?,
            Value::String(s) => parse_interval(s).map_err(|message| self.error(message))?,
            _ => return Err(self.expected(INTERVAL)),
        };
        self.check(check_interval(interval))?;
        Ok(interval)
    }
}

impl<'a> Table<'a> {
    fn get(&self, key: &str) -> Option<Cursor<'a>> {
        let value = self.map.get(key)?;
        Some(Cursor::new(value, self.path.key(key)))
    }

    /// The value at `key`, or an error saying it is missing, with `hint`.
    fn required(&self, key: &str, hint: &str) -> Result<Cursor<'a>, ConfigError> {
        self.get(key)
            .ok_or_else(|| self.path.key(key).error(format!("missing; {hint}")))
    }

    fn entries(&self) -> impl Iterator<Item = (&'a str, Cursor<'a>)> + '_ {
        self.map
            .iter()
            .map(|(key, value)| (key.as_str(), Cursor::new(value, self.path.key(key))))
    }
}

/// How a value is shown after "got" in an error.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "a table".to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Scalars written as strings.

/// Splits `"64 MiB"` into `("64", "MiB")`.
fn split_number(s: &str) -> (&str, &str) {
    let s = s.trim();
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    (&s[..end], s[end..].trim_start())
}

pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, unit) = split_number(s);
    let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "kib" => 1 << 10,
        "mb" => 1000 * 1000,
        "mib" => 1 << 20,
        "gb" => 1000 * 1000 * 1000,
        "gib" => 1 << 30,
        _ => u64::MAX,
    };
    if digits.is_empty() || multiplier == u64::MAX {
        return Err(format!(
            "invalid size {s:?}; expected a whole number of bytes with an optional unit: \
             B, KB, KiB, MB, MiB, GB or GiB"
        ));
    }
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("size {s:?} is too large"))
}

/// A duration in a plugin's settings: a whole number with a unit `ms`,
/// `s`, `m`, `h` or `d` (`"250ms"`, `"5s"`), `hourly`, `daily`, or a bare
/// number of milliseconds. Returns milliseconds.
pub(crate) fn parse_duration_ms(s: &str) -> Result<u64, String> {
    let millis = match s.trim().to_ascii_lowercase().as_str() {
        "hourly" => Some(3_600_000),
        "daily" => Some(86_400_000),
        _ => {
            let (digits, unit) = split_number(s);
            let multiplier = match unit.to_ascii_lowercase().as_str() {
                "" | "ms" => Some(1),
                "s" => Some(1000),
                "m" => Some(60_000),
                "h" => Some(3_600_000),
                "d" => Some(86_400_000),
                _ => None,
            };
            multiplier.and_then(|m| digits.parse::<u64>().ok()?.checked_mul(m))
        }
    };
    millis.ok_or_else(|| {
        format!(
            "invalid duration {s:?}; expected a whole number with a unit ms, s, m, h or d, \
             such as \"5s\", or a number of milliseconds"
        )
    })
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    let seconds = match s.trim().to_ascii_lowercase().as_str() {
        "hourly" => Some(3600),
        "daily" => Some(86_400),
        _ => {
            let (digits, unit) = split_number(s);
            let multiplier = match unit.to_ascii_lowercase().as_str() {
                "" | "s" => Some(1),
                "m" => Some(60),
                "h" => Some(3600),
                "d" => Some(86_400),
                _ => None,
            };
            multiplier.and_then(|m| digits.parse::<u64>().ok()?.checked_mul(m))
        }
    };
    seconds.map(Duration::from_secs).ok_or_else(|| {
        format!(
            "invalid interval {s:?}; expected \"hourly\", \"daily\", or a whole number with \
             a unit s, m, h or d, such as \"15m\""
        )
    })
}

fn parse_mode(s: &str) -> Result<u32, String> {
    let trimmed = s.trim();
    let digits = trimmed.strip_prefix("0o").unwrap_or(trimmed);
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return Err(format!(
            "invalid mode {s:?}; expected octal digits such as \"0600\""
        ));
    }
    // Too many digits for a u32 is certainly more than permission bits.
    Ok(u32::from_str_radix(digits, 8).unwrap_or(u32::MAX))
}

// ---------------------------------------------------------------------------
// From text to a `Value` tree.

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn json_document(text: &str) -> Result<Value, ConfigError> {
    serde_json::from_str(strip_bom(text)).map_err(|e| {
        // serde_json ends its message with " at line L column C".
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        KeyPath::root().error(format!(
            "invalid JSON at line {}, column {}: {message}",
            e.line(),
            e.column()
        ))
    })
}

fn toml_document(text: &str) -> Result<Value, ConfigError> {
    let text = strip_bom(text);
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let at = match e.span() {
            Some(span) => {
                let (line, column) = line_column(text, span.start);
                format!(" at line {line}, column {column}")
            }
            None => String::new(),
        };
        // Some messages span lines ("invalid string\nexpected `\"`"); keep one.
        let lines = e
            .message()
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty());
        let message: Vec<&str> = lines.collect();
        let message = message.join("; ");
        KeyPath::root().error(format!("invalid TOML{at}: {message}"))
    })?;
    toml_to_json(toml::Value::Table(table), &KeyPath::root())
}

/// One-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

fn toml_to_json(value: toml::Value, path: &KeyPath) -> Result<Value, ConfigError> {
    Ok(match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| path.error(format!("expected a finite number, got {f}")))?,
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(index, item)| toml_to_json(item, &path.index(index)))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(key, value)| {
                    let value = toml_to_json(value, &path.key(&key))?;
                    Ok((key, value))
                })
                .collect::<Result<_, ConfigError>>()?,
        ),
    })
}

// ---------------------------------------------------------------------------
// `${VAR}` interpolation.

/// Replaces `${VAR}` in every string of the tree. Under a plugin's
/// `config` table (`hide`), whose values may be secrets, errors do not
/// quote the value.
fn interpolate(
    value: &mut Value,
    path: &KeyPath,
    env: Env<'_>,
    hide: bool,
) -> Result<(), ConfigError> {
    match value {
        Value::String(s) if s.contains('$') => {
            *s = expand(s, env).map_err(|message| {
                let message = match hide {
                    true => message.replace(&format!(" in {s:?}"), ""),
                    false => message,
                };
                path.error(message)
            })?;
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                interpolate(item, &path.index(index), env, hide)?;
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                interpolate(item, &path.key(key), env, hide || key == "config")?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Expands one string. Replacements are not expanded again.
fn expand(s: &str, env: Env<'_>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let tail = &rest[dollar..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let end = after
                .find('}')
                .ok_or_else(|| format!("unterminated \"${{\" in {s:?}"))?;
            let name = &after[..end];
            let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !valid {
                return Err(format!(
                    "invalid variable name {name:?} in {s:?}; names are letters, digits and _"
                ));
            }
            let value = env(name).ok_or_else(|| format!("${{{name}}} is not set"))?;
            if value.contains('\n') {
                return Err(format!("${{{name}}} contains a newline; refusing it"));
            }
            if value.contains('\r') {
                return Err(format!(
                    "${{{name}}} contains a carriage return; refusing it"
                ));
            }
            out.push_str(&value);
            rest = &after[end + 1..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

// ---------------------------------------------------------------------------
// From a `Value` tree to a `Config`.

const TOP_KEYS: &[&str] = &[
    "name",
    "level",
    "queue",
    "batch",
    "limits",
    "sample_rate",
    "audit_policy",
    "shutdown_timeout_ms",
    "loggers",
    "sinks",
    "plugins",
    "processors",
];

fn read_config(doc: &Cursor<'_>) -> Result<Config, ConfigError> {
    let top = doc.table(TOP_KEYS)?;
    let mut config = Config::default();
    if let Some(v) = top.get("name") {
        config.name = v.str()?.to_owned();
    }
    if let Some(v) = top.get("level") {
        config.level = v.level()?;
    }
    if let Some(v) = top.get("queue") {
        config.queue = read_queue(&v)?;
    }
    if let Some(v) = top.get("batch") {
        config.batch = read_batch(&v)?;
    }
    if let Some(v) = top.get("limits") {
        config.limits = read_limits(&v)?;
    }
    if let Some(v) = top.get("sample_rate") {
        config.sample_rate = v.rate()?;
    }
    if let Some(v) = top.get("audit_policy") {
        config.audit_policy = v.policy()?;
    }
    if let Some(v) = top.get("shutdown_timeout_ms") {
        config.shutdown_timeout = v.millis(0)?;
    }
    if let Some(v) = top.get("loggers") {
        config.loggers = read_loggers(&v)?;
    }
    if let Some(v) = top.get("sinks") {
        config.sinks = read_sinks(&v)?;
    }
    if let Some(v) = top.get("plugins") {
        config.plugins = read_plugins(&v)?;
    }
    if let Some(v) = top.get("processors") {
        config.processors = v
            .items()?
            .iter()
            .map(|item| read_plugin_ref(&item.table(PROCESSOR_KEYS)?))
            .collect::<Result<_, _>>()?;
    }
    Ok(config)
}

/// Keys of an entry of `processors`.
const PROCESSOR_KEYS: &[&str] = &["plugin", "sha256", "config"];

fn read_plugins(v: &Cursor<'_>) -> Result<PluginsConfig, ConfigError> {
    let table = v.table(&["dirs"])?;
    let mut plugins = PluginsConfig::default();
    if let Some(v) = table.get("dirs") {
        for item in v.items()? {
            let dir = PathBuf::from(item.str()?);
            item.check(check_plugin_dir(&dir))?;
            plugins.dirs.push(dir);
        }
    }
    Ok(plugins)
}

/// The `plugin`, `sha256` and `config` keys of a plugin sink or processor.
fn read_plugin_ref(table: &Table<'_>) -> Result<PluginRef, ConfigError> {
    let plugin = table.required("plugin", "expected an absolute path or a plugin name")?;
    let mut plugin_ref = PluginRef::new(plugin.str()?);
    plugin.check(check_plugin_spec(&plugin_ref.plugin))?;
    if let Some(v) = table.get("sha256") {
        let digest = v.str()?;
        v.check(check_sha256(digest))?;
        plugin_ref.sha256 = Some(digest.to_ascii_lowercase());
    }
    if let Some(v) = table.get("config") {
        plugin_ref.config = PluginSettings(v.object()?.map.clone());
    }
    Ok(plugin_ref)
}

fn read_queue(v: &Cursor<'_>) -> Result<QueueConfig, ConfigError> {
    let table = v.table(&["capacity", "max_bytes", "policy", "shards"])?;
    let mut queue = QueueConfig::default();
    if let Some(v) = table.get("capacity") {
        queue.capacity = v.count(1)?;
    }
    if let Some(v) = table.get("max_bytes") {
        queue.max_bytes = v.size(1)?;
    }
    if let Some(v) = table.get("policy") {
        queue.policy = v.policy()?;
    }
    if let Some(v) = table.get("shards") {
        queue.shards = v.shards()?;
    }
    Ok(queue)
}

fn read_batch(v: &Cursor<'_>) -> Result<BatchConfig, ConfigError> {
    let table = v.table(&["max_events", "max_bytes", "max_delay_ms"])?;
    let mut batch = BatchConfig::default();
    if let Some(v) = table.get("max_events") {
        batch.max_events = v.count(1)?;
    }
    if let Some(v) = table.get("max_bytes") {
        batch.max_bytes = v.size(1)?;
    }
    if let Some(v) = table.get("max_delay_ms") {
        batch.max_delay = v.millis(1)?;
    }
    Ok(batch)
}

fn read_limits(v: &Cursor<'_>) -> Result<Limits, ConfigError> {
    let table = v.table(&[
        "max_message_bytes",
        "max_fields",
        "max_depth",
        "max_record_bytes",
    ])?;
    let mut limits = Limits::default();
    if let Some(v) = table.get("max_message_bytes") {
        limits.max_message_bytes = v.size(MIN_MESSAGE_BYTES)?;
    }
    if let Some(v) = table.get("max_fields") {
        limits.max_fields = v.count(1)?;
    }
    if let Some(v) = table.get("max_depth") {
        limits.max_depth = v.count(1)?;
    }
    if let Some(v) = table.get("max_record_bytes") {
        limits.max_record_bytes = v.size(MIN_RECORD_BYTES)?;
    }
    Ok(limits)
}

/// Child logger levels, ordered by name.
fn read_loggers(v: &Cursor<'_>) -> Result<Vec<LoggerOverride>, ConfigError> {
    let mut loggers = v
        .object()?
        .entries()
        .map(|(name, v)| {
            let table = v.table(&["level"])?;
            let level = table.required("level", "expected a level name")?.level()?;
            Ok(LoggerOverride {
                name: name.to_owned(),
                level,
            })
        })
        .collect::<Result<Vec<_>, ConfigError>>()?;
    loggers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(loggers)
}

/// The `type` of a sink in a document.
#[derive(Clone, Copy)]
enum SinkType {
    Stdout,
    Stderr,
    File,
    Capture,
    Plugin,
}

const SINK_TYPES: &[(&str, SinkType)] = &[
    ("stdout", SinkType::Stdout),
    ("stderr", SinkType::Stderr),
    ("file", SinkType::File),
    ("capture", SinkType::Capture),
    ("plugin", SinkType::Plugin),
];

const ENCODERS: &[(&str, EncoderConfig)] = &[
    ("ndjson", EncoderConfig::Ndjson),
    ("logfmt", EncoderConfig::Logfmt),
    (
        "console",
        EncoderConfig::Console {
            color: ColorMode::Auto,
        },
    ),
];

const COLOR_MODES: &[(&str, ColorMode)] = &[
    ("auto", ColorMode::Auto),
    ("always", ColorMode::Always),
    ("never", ColorMode::Never),
];

const SINK_KEYS: &[&str] = &[
    "type", "name", "encoder", "color", "level", "queue", "path", "mode", "rotation", "plugin",
    "sha256", "config",
];

/// Keys only file sinks take.
const FILE_KEYS: &[&str] = &["path", "mode", "rotation"];

/// Keys only plugin sinks take.
const PLUGIN_KEYS: &[&str] = &["plugin", "sha256", "config"];

fn read_sinks(v: &Cursor<'_>) -> Result<Vec<SinkConfig>, ConfigError> {
    let mut sinks = Vec::new();
    for item in v.items()? {
        let sink = read_sink(&item, &sinks)?;
        sinks.push(sink);
    }
    Ok(sinks)
}

/// One sink; `previous` are the sinks before it, for its default name.
fn read_sink(v: &Cursor<'_>, previous: &[SinkConfig]) -> Result<SinkConfig, ConfigError> {
    let table = v.table(SINK_KEYS)?;
    let sink_type = table
        .required(
            "type",
            "expected one of stdout, stderr, file, capture, plugin",
        )?
        .keyword(SINK_TYPES)?;
    let kind = match sink_type {
        SinkType::Stdout => SinkKind::Stdout,
        SinkType::Stderr => SinkKind::Stderr,
        SinkType::Capture => SinkKind::Capture,
        SinkType::File => SinkKind::File(read_file_sink(&table)?),
        SinkType::Plugin => SinkKind::Plugin(read_plugin_ref(&table)?),
    };
    if !matches!(kind, SinkKind::File(_)) {
        if let Some(key) = FILE_KEYS.iter().find(|key| table.map.contains_key(**key)) {
            return Err(table.path.key(key).error("only applies to file sinks"));
        }
    }
    if !matches!(kind, SinkKind::Plugin(_)) {
        if let Some(key) = PLUGIN_KEYS.iter().find(|key| table.map.contains_key(**key)) {
            return Err(table.path.key(key).error("only applies to plugin sinks"));
        }
    }

    let name = match table.get("name") {
        Some(v) => v.str()?.to_owned(),
        None => default_sink_name(kind.type_name(), previous),
    };
    let mut sink = SinkConfig::new(name, kind);
    if let Some(v) = table.get("encoder") {
        sink.encoder = v.keyword(ENCODERS)?;
    }
    if let Some(v) = table.get("color") {
        match &mut sink.encoder {
            EncoderConfig::Console { color } => *color = v.keyword(COLOR_MODES)?,
            _ => return Err(v.error("only applies to the console encoder")),
        }
    }
    if let Some(v) = table.get("level") {
        sink.level = v.level()?;
    }
    if let Some(v) = table.get("queue") {
        sink.queue = read_sink_queue(&v)?;
    }
    Ok(sink)
}

/// The type name, with `-2`, `-3`... when sinks before have the same type.
fn default_sink_name(type_name: &str, previous: &[SinkConfig]) -> String {
    let same_type = previous
        .iter()
        .filter(|sink| sink.kind.type_name() == type_name)
        .count();
    match same_type {
        0 => type_name.to_owned(),
        n => format!("{type_name}-{}", n + 1),
    }
}

fn read_sink_queue(v: &Cursor<'_>) -> Result<SinkQueueConfig, ConfigError> {
    let table = v.table(&["max_batches", "max_bytes", "policy"])?;
    let mut queue = SinkQueueConfig::default();
    if let Some(v) = table.get("max_batches") {
        queue.max_batches = v.count(1)?;
    }
    if let Some(v) = table.get("max_bytes") {
        queue.max_bytes = v.size(1)?;
    }
    if let Some(v) = table.get("policy") {
        queue.policy = v.policy()?;
    }
    Ok(queue)
}

fn read_file_sink(sink: &Table<'_>) -> Result<FileSinkConfig, ConfigError> {
    let path = sink.required("path", "a file sink needs an absolute path")?;
    let mut file = FileSinkConfig::new(PathBuf::from(path.str()?));
    path.check(check_file_path(&file.path))?;
    if let Some(v) = sink.get("mode") {
        file.mode = v.mode()?;
    }
    if let Some(v) = sink.get("rotation") {
        file.rotation = read_rotation(&v)?;
    }
    Ok(file)
}

fn read_rotation(v: &Cursor<'_>) -> Result<Rotation, ConfigError> {
    let table = v.table(&["max_bytes", "interval", "keep", "compress"])?;
    let mut rotation = Rotation::default();
    if let Some(v) = table.get("max_bytes") {
        rotation.max_bytes = Some(v.size(1)?);
    }
    if let Some(v) = table.get("interval") {
        rotation.interval = Some(v.interval()?);
    }
    if let Some(v) = table.get("keep") {
        rotation.keep = v.count(1)?;
    }
    if let Some(v) = table.get("compress") {
        rotation.compress = v.bool()?;
    }
    Ok(rotation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn json(text: &str) -> Config {
        Config::parse_with(text, Format::Json, &no_env).unwrap()
    }

    fn json_err(text: &str) -> String {
        Config::parse_with(text, Format::Json, &no_env)
            .unwrap_err()
            .to_string()
    }

    fn toml(text: &str) -> Config {
        Config::parse_with(text, Format::Toml, &no_env).unwrap()
    }

    fn toml_err(text: &str) -> String {
        Config::parse_with(text, Format::Toml, &no_env)
            .unwrap_err()
            .to_string()
    }

    /// The only sink of a document with one sink.
    fn sink(text: &str) -> SinkConfig {
        let mut config = json(text);
        assert_eq!(config.sinks.len(), 1);
        config.sinks.remove(0)
    }

    fn file_of(sink: &SinkConfig) -> &FileSinkConfig {
        match &sink.kind {
            SinkKind::File(file) => file,
            other => panic!("not a file sink: {other:?}"),
        }
    }

    // --- formats and defaults ---------------------------------------------

    #[test]
    fn empty_documents_give_the_default_config() {
        assert_eq!(json("{}"), Config::default());
        assert_eq!(json("  \n{ }\n"), Config::default());
        assert_eq!(toml(""), Config::default());
        assert_eq!(toml("# nothing\n"), Config::default());
    }

    #[test]
    fn the_default_config_is_valid() {
        Config::default().validate().unwrap();
        let config = Config::default();
        assert_eq!(config.sinks.len(), 1);
        assert_eq!(config.sinks[0].name, "stdout");
        assert_eq!(config.sinks[0].kind, SinkKind::Stdout);
        assert_eq!(config.sinks[0].encoder, EncoderConfig::Ndjson);
        assert_eq!(config.sinks[0].level, Level::Trace);
    }

    #[test]
    fn format_is_detected_from_the_first_character() {
        assert_eq!(Format::detect("{}"), Format::Json);
        assert_eq!(Format::detect(" \n\t{\"name\": \"x\"}"), Format::Json);
        assert_eq!(Format::detect("\u{feff}{}"), Format::Json);
        assert_eq!(Format::detect("name = \"x\""), Format::Toml);
        assert_eq!(Format::detect(""), Format::Toml);
        assert_eq!(
            Format::from_extension(Path::new("/a/b.JSON")),
            Some(Format::Json)
        );
        assert_eq!(
            Format::from_extension(Path::new("b.toml")),
            Some(Format::Toml)
        );
        assert_eq!(Format::from_extension(Path::new("b.conf")), None);
        assert_eq!(Format::from_extension(Path::new("b")), None);
    }

    #[test]
    fn parse_detects_the_format() {
        assert_eq!(Config::parse(r#"{"name": "svc"}"#).unwrap().name, "svc");
        assert_eq!(Config::parse("name = \"svc\"").unwrap().name, "svc");
    }

    const FULL_JSON: &str = r#"{
        "name": "billing", "level": "debug",
        "queue": {"capacity": 1024, "max_bytes": "8MiB", "policy": "drop_newest",
                  "shards": 2},
        "batch": {"max_events": 100, "max_bytes": "64KiB", "max_delay_ms": 20},
        "limits": {"max_message_bytes": 1024, "max_fields": 32, "max_depth": 4,
                   "max_record_bytes": "16KiB"},
        "sample_rate": 0.25, "audit_policy": "drop_oldest", "shutdown_timeout_ms": 250,
        "loggers": {"http": {"level": "error"}, "db": {"level": "warn"}},
        "sinks": [
            {"type": "stderr", "encoder": "console", "color": "never", "level": "info",
             "queue": {"max_batches": 8, "max_bytes": "1MB", "policy": "drop_oldest"}},
            {"type": "file", "name": "main", "encoder": "logfmt", "path": "/var/log/app.log",
             "mode": "0640",
             "rotation": {"max_bytes": "100MiB", "interval": "daily", "keep": 3,
                          "compress": true}},
            {"type": "capture"}
        ]
    }"#;

    const FULL_TOML: &str = r#"
        name = "billing"
        level = "debug"
        sample_rate = 0.25
        audit_policy = "drop_oldest"
        shutdown_timeout_ms = 250

        [queue]
        capacity = 1024
        max_bytes = "8MiB"
        policy = "drop_newest"
        shards = 2

        [batch]
        max_events = 100
        max_bytes = "64KiB"
        max_delay_ms = 20

        [limits]
        max_message_bytes = 1024
        max_fields = 32
        max_depth = 4
        max_record_bytes = "16KiB"

        [loggers.http]
        level = "error"

        [loggers.db]
        level = "warn"

        [[sinks]]
        type = "stderr"
        encoder = "console"
        color = "never"
        level = "info"
        queue = { max_batches = 8, max_bytes = "1MB", policy = "drop_oldest" }

        [[sinks]]
        type = "file"
        name = "main"
        encoder = "logfmt"
        path = "/var/log/app.log"
        mode = 0o640
        rotation = { max_bytes = "100MiB", interval = "daily", keep = 3, compress = true }

        [[sinks]]
        type = "capture"
    "#;

    fn full_config() -> Config {
        Config {
            name: "billing".to_owned(),
            level: Level::Debug,
            queue: QueueConfig {
                capacity: 1024,
                max_bytes: 8 << 20,
                policy: Policy::DropNewest,
                shards: 2,
            },
            batch: BatchConfig {
                max_events: 100,
                max_bytes: 64 << 10,
                max_delay: Duration::from_millis(20),
            },
            limits: Limits {
                max_message_bytes: 1024,
                max_fields: 32,
                max_depth: 4,
                max_record_bytes: 16 << 10,
            },
            sample_rate: 0.25,
            audit_policy: Policy::DropOldest,
            shutdown_timeout: Duration::from_millis(250),
            loggers: vec![
                LoggerOverride {
                    name: "db".to_owned(),
                    level: Level::Warn,
                },
                LoggerOverride {
                    name: "http".to_owned(),
                    level: Level::Error,
                },
            ],
            sinks: vec![
                SinkConfig {
                    name: "stderr".to_owned(),
                    kind: SinkKind::Stderr,
                    encoder: EncoderConfig::Console {
                        color: ColorMode::Never,
                    },
                    level: Level::Info,
                    queue: SinkQueueConfig {
                        max_batches: 8,
                        max_bytes: 1_000_000,
                        policy: Policy::DropOldest,
                    },
                },
                SinkConfig {
                    encoder: EncoderConfig::Logfmt,
                    ..SinkConfig::new(
                        "main",
                        SinkKind::File(FileSinkConfig {
                            path: PathBuf::from("/var/log/app.log"),
                            mode: 0o640,
                            rotation: Rotation {
                                max_bytes: Some(100 << 20),
                                interval: Some(Duration::from_secs(86_400)),
                                keep: 3,
                                compress: true,
                            },
                        }),
                    )
                },
                SinkConfig::new("capture", SinkKind::Capture),
            ],
            ..Config::default()
        }
    }

    #[test]
    fn plugin_sinks_and_processors_read_alike_in_json_and_toml() {
        let digest = "AB".repeat(32);
        let from_json = json(&format!(
            r#"{{"plugins": {{"dirs": ["/opt/p"]}},
                "processors": [{{"plugin": "enricher", "config": {{"n": 1}}}}],
                "sinks": [{{"type": "plugin", "name": "out", "plugin": "/opt/p/s.so",
                            "sha256": "{digest}", "level": "warn",
                            "config": {{"token": "t", "tags": ["a"]}}}}]}}"#
        ));
        let from_toml = toml(&format!(
            r#"
            processors = [{{ plugin = "enricher", config = {{ n = 1 }} }}]
            [plugins]
            dirs = ["/opt/p"]
            [[sinks]]
            type = "plugin"
            name = "out"
            plugin = "/opt/p/s.so"
            sha256 = "{digest}"
            level = "warn"
            config = {{ token = "t", tags = ["a"] }}
            "#
        ));
        assert_eq!(from_json, from_toml);
        assert_eq!(from_json.plugins.dirs, [PathBuf::from("/opt/p")]);
        assert_eq!(from_json.processors[0].plugin, "enricher");
        let SinkKind::Plugin(sink) = &from_json.sinks[0].kind else {
            panic!("not a plugin sink");
        };
        assert_eq!(sink.sha256.as_deref(), Some("ab".repeat(32).as_str()));
        assert_eq!(sink.config.0["tags"], serde_json::json!(["a"]));
        assert_eq!(from_json.sinks[0].level, Level::Warn);
        assert!(!format!("{from_json:?}").contains("\"t\""));
    }

    #[test]
    fn json_and_toml_give_equal_configs() {
        assert_eq!(json(FULL_JSON), full_config());
        assert_eq!(toml(FULL_TOML), full_config());
        assert_eq!(Config::parse(FULL_JSON), Config::parse(FULL_TOML));
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let e = Config::parse_with("{\n  \"name\": }", Format::Json, &no_env).unwrap_err();
        assert_eq!(e.path, "");
        assert_eq!(e.file, None);
        assert_eq!(
            e.to_string(),
            "invalid JSON at line 2, column 11: expected value"
        );

        let e = Config::parse_with("name = \"x\"\nlevel = \n", Format::Toml, &no_env).unwrap_err();
        assert_eq!(e.path, "");
        assert_eq!(
            e.to_string(),
            "invalid TOML at line 2, column 9: invalid string; expected `\"`, `'`"
        );

        let e = toml_err("name = \"x\"\nname = \"y\"\n");
        assert!(e.starts_with("invalid TOML at line 2, column 1: "), "{e}");
    }

    #[test]
    fn the_top_level_must_be_a_table() {
        assert_eq!(
            Config::parse_with("[1]", Format::Json, &no_env)
                .unwrap_err()
                .to_string(),
            "expected a table, got an array"
        );
    }

    // --- keys and types ---------------------------------------------------

    #[test]
    fn unknown_keys_are_errors() {
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "file", "pathh": "/x.log"}]}"#),
            "sinks[0].pathh: unknown key; expected one of type, name, encoder, color, level, \
             queue, path, mode, rotation, plugin, sha256, config"
        );
        assert_eq!(
            json_err(r#"{"levle": "info"}"#),
            "levle: unknown key; expected one of name, level, queue, batch, limits, \
             sample_rate, audit_policy, shutdown_timeout_ms, loggers, sinks, plugins, processors"
        );
        assert_eq!(
            json_err(r#"{"queue": {"size": 1}}"#),
            "queue.size: unknown key; expected one of capacity, max_bytes, policy, shards"
        );
        assert_eq!(
            json_err(r#"{"loggers": {"db": {"lvl": "warn"}}}"#),
            "loggers.db.lvl: unknown key; expected one of level"
        );
        assert_eq!(
            toml_err("[[sinks]]\ntype = \"file\"\npath = \"/a\"\nrotation = { keeps = 1 }"),
            "sinks[0].rotation.keeps: unknown key; expected one of max_bytes, interval, keep, \
             compress"
        );
    }

    #[test]
    fn wrong_types_name_the_expected_type() {
        assert_eq!(json_err(r#"{"name": 5}"#), "name: expected a string, got 5");
        assert_eq!(
            json_err(r#"{"queue": {"capacity": "abc"}}"#),
            "queue.capacity: expected a positive integer, got \"abc\""
        );
        assert_eq!(
            json_err(r#"{"queue": {"capacity": -1}}"#),
            "queue.capacity: expected a positive integer, got -1"
        );
        assert_eq!(
            json_err(r#"{"queue": {"capacity": 1.5}}"#),
            "queue.capacity: expected a positive integer, got 1.5"
        );
        assert_eq!(
            json_err(r#"{"queue": 5}"#),
            "queue: expected a table, got 5"
        );
        assert_eq!(
            json_err(r#"{"sinks": {"type": "stdout"}}"#),
            "sinks: expected an array, got a table"
        );
        assert_eq!(
            json_err(r#"{"sinks": [5]}"#),
            "sinks[0]: expected a table, got 5"
        );
        assert_eq!(
            json_err(r#"{"level": null}"#),
            "level: expected a level name, got null"
        );
        assert_eq!(
            json_err(r#"{"shutdown_timeout_ms": true}"#),
            "shutdown_timeout_ms: expected a non-negative integer, got true"
        );
        assert_eq!(
            json_err(r#"{"sample_rate": [1]}"#),
            "sample_rate: expected a number from 0 to 1, got an array"
        );
        assert_eq!(
            json_err(r#"{"queue": {"max_bytes": false}}"#),
            "queue.max_bytes: expected a size such as 1048576 or \"1MiB\", got false"
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "file", "path": "/a", "rotation": {"compress": 1}}]}"#),
            "sinks[0].rotation.compress: expected true or false, got 1"
        );
    }

    #[test]
    fn scalars_may_be_written_as_strings() {
        let config = json(
            r#"{"queue": {"capacity": " 12 "}, "sample_rate": "0.5",
                "shutdown_timeout_ms": "0",
                "sinks": [{"type": "file", "path": "/a",
                           "rotation": {"keep": "2", "compress": "TRUE", "interval": "60"}}]}"#,
        );
        assert_eq!(config.queue.capacity, 12);
        assert_eq!(config.sample_rate, 0.5);
        assert_eq!(config.shutdown_timeout, Duration::ZERO);
        let rotation = &file_of(&config.sinks[0]).rotation;
        assert_eq!(rotation.keep, 2);
        assert!(rotation.compress);
        assert_eq!(rotation.interval, Some(Duration::from_secs(60)));
    }

    #[test]
    fn levels_and_keywords_ignore_case() {
        let config = json(
            r#"{"level": "WARN", "queue": {"policy": "Drop_Newest"},
                "sinks": [{"type": "STDERR", "encoder": "Console", "color": "ALWAYS"}]}"#,
        );
        assert_eq!(config.level, Level::Warn);
        assert_eq!(config.queue.policy, Policy::DropNewest);
        assert_eq!(config.sinks[0].kind, SinkKind::Stderr);
        assert_eq!(config.sinks[0].name, "stderr");
        assert_eq!(
            config.sinks[0].encoder,
            EncoderConfig::Console {
                color: ColorMode::Always
            }
        );
    }

    #[test]
    fn bad_keywords_list_the_choices() {
        assert_eq!(
            json_err(r#"{"queue": {"policy": "blok"}}"#),
            "queue.policy: expected one of block, drop_newest, drop_oldest, got \"blok\""
        );
        assert_eq!(
            json_err(r#"{"audit_policy": 1}"#),
            "audit_policy: expected one of block, drop_newest, drop_oldest, got 1"
        );
        assert_eq!(
            json_err(r#"{"level": "loud"}"#),
            "level: unknown level \"loud\": expected one of trace, debug, info, warn, error, \
             fatal, audit, security"
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "syslog"}]}"#),
            "sinks[0].type: expected one of stdout, stderr, file, capture, plugin, got \"syslog\""
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "stdout", "encoder": "json"}]}"#),
            "sinks[0].encoder: expected one of ndjson, logfmt, console, got \"json\""
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "stdout", "encoder": "console", "color": "yes"}]}"#),
            "sinks[0].color: expected one of auto, always, never, got \"yes\""
        );
    }

    // --- sizes and minimums -----------------------------------------------

    #[test]
    fn sizes_accept_units_in_any_case() {
        for (text, bytes) in [
            ("1", 1),
            ("7B", 7),
            ("2KB", 2000),
            ("2kb", 2000),
            ("2KiB", 2048),
            ("2kib", 2048),
            ("3MB", 3_000_000),
            ("3MiB", 3 << 20),
            ("3 mib", 3 << 20),
            ("1GB", 1_000_000_000),
            ("1GiB", 1 << 30),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        let config = json(r#"{"queue": {"max_bytes": 4096}, "batch": {"max_bytes": "4kB"}}"#);
        assert_eq!(config.queue.max_bytes, 4096);
        assert_eq!(config.batch.max_bytes, 4000);
    }

    #[test]
    fn bad_sizes_are_errors() {
        let expected = "queue.max_bytes: invalid size \"32MB?\"; expected a whole number of \
                        bytes with an optional unit: B, KB, KiB, MB, MiB, GB or GiB";
        assert_eq!(json_err(r#"{"queue": {"max_bytes": "32MB?"}}"#), expected);
        for text in ["", "MiB", "1.5MiB", "-1", "1TB", "1 2"] {
            assert!(parse_size(text).is_err(), "{text:?}");
        }
        assert_eq!(
            json_err(r#"{"queue": {"max_bytes": "99999999999999GiB"}}"#),
            "queue.max_bytes: size \"99999999999999GiB\" is too large"
        );
        assert_eq!(
            json_err(r#"{"queue": {"max_bytes": "0KiB"}}"#),
            "queue.max_bytes: must be at least 1, got 0"
        );
    }

    #[test]
    fn queue_shards_are_auto_or_a_count_up_to_64() {
        let shards = |doc: &str| Config::parse(doc).unwrap().queue.shards;
        assert_eq!(Config::default().queue.shards, 0, "auto by default");
        assert_eq!(shards(r#"{"queue": {"shards": "auto"}}"#), 0);
        assert_eq!(shards(r#"{"queue": {"shards": "AUTO"}}"#), 0);
        assert_eq!(shards(r#"{"queue": {"shards": 3}}"#), 3);
        assert_eq!(shards(r#"{"queue": {"shards": "64"}}"#), 64);
        assert_eq!(shards("[queue]\nshards = 8"), 8);
        for (doc, error) in [
            (
                r#"{"queue": {"shards": 0}}"#,
                "queue.shards: must be at least 1, got 0",
            ),
            (
                r#"{"queue": {"shards": 65}}"#,
                "queue.shards: must be at most 64, got 65",
            ),
            (
                r#"{"queue": {"shards": "many"}}"#,
                "queue.shards: expected \"auto\" or an integer from 1 to 64, got \"many\"",
            ),
            (
                r#"{"queue": {"shards": -2}}"#,
                "queue.shards: expected \"auto\" or an integer from 1 to 64, got -2",
            ),
        ] {
            assert_eq!(json_err(doc), error, "{doc}");
        }
    }

    #[test]
    fn the_shard_count_is_a_power_of_two_and_auto_keeps_shards_large() {
        let count = |capacity, shards| {
            QueueConfig {
                capacity,
                shards,
                ..QueueConfig::default()
            }
            .shard_count()
        };
        assert_eq!(count(65_536, 1), 1);
        assert_eq!(count(65_536, 3), 4, "rounded up");
        assert_eq!(count(1024, 64), 64, "a set count is kept");
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let auto = count(65_536, 0);
        assert!(auto.is_power_of_two() && auto <= cpus.next_power_of_two().min(8));
        assert!(65_536 / auto >= 8192, "{auto} shards");
        assert_eq!(count(8192, 0), 1, "too small to split");
        assert_eq!(count(16_384, 0), if cpus > 1 { 2 } else { 1 });
    }

    #[test]
    fn counts_and_sizes_have_minimums() {
        for (doc, error) in [
            (
                r#"{"queue": {"capacity": 0}}"#,
                "queue.capacity: must be at least 1, got 0",
            ),
            (
                r#"{"batch": {"max_events": 0}}"#,
                "batch.max_events: must be at least 1, got 0",
            ),
            (
                r#"{"batch": {"max_bytes": 0}}"#,
                "batch.max_bytes: must be at least 1, got 0",
            ),
            (
                r#"{"batch": {"max_delay_ms": 0}}"#,
                "batch.max_delay_ms: must be at least 1, got 0",
            ),
            (
                r#"{"limits": {"max_message_bytes": 15}}"#,
                "limits.max_message_bytes: must be at least 16, got 15",
            ),
            (
                r#"{"limits": {"max_fields": 0}}"#,
                "limits.max_fields: must be at least 1, got 0",
            ),
            (
                r#"{"limits": {"max_depth": 0}}"#,
                "limits.max_depth: must be at least 1, got 0",
            ),
            (
                r#"{"limits": {"max_record_bytes": "255B"}}"#,
                "limits.max_record_bytes: must be at least 256, got 255",
            ),
            (
                r#"{"sinks": [{"type": "stdout", "queue": {"max_batches": 0}}]}"#,
                "sinks[0].queue.max_batches: must be at least 1, got 0",
            ),
            (
                r#"{"sinks": [{"type": "stdout", "queue": {"max_bytes": 0}}]}"#,
                "sinks[0].queue.max_bytes: must be at least 1, got 0",
            ),
            (
                r#"{"sinks": [{"type": "file", "path": "/a", "rotation": {"keep": 0}}]}"#,
                "sinks[0].rotation.keep: must be at least 1, got 0",
            ),
            (
                r#"{"sinks": [{"type": "file", "path": "/a", "rotation": {"max_bytes": 0}}]}"#,
                "sinks[0].rotation.max_bytes: must be at least 1, got 0",
            ),
        ] {
            assert_eq!(json_err(doc), error, "{doc}");
        }
        let config = json(
            r#"{"limits": {"max_message_bytes": 16, "max_record_bytes": 256, "max_depth": 1},
                "shutdown_timeout_ms": 0}"#,
        );
        assert_eq!(config.limits.max_message_bytes, 16);
        assert_eq!(config.limits.max_record_bytes, 256);
        assert_eq!(config.shutdown_timeout, Duration::ZERO);
    }

    #[test]
    fn sample_rate_is_between_zero_and_one() {
        assert_eq!(json(r#"{"sample_rate": 0}"#).sample_rate, 0.0);
        assert_eq!(json(r#"{"sample_rate": 1}"#).sample_rate, 1.0);
        assert_eq!(
            json_err(r#"{"sample_rate": 1.5}"#),
            "sample_rate: must be a number from 0 to 1, got 1.5"
        );
        assert_eq!(
            json_err(r#"{"sample_rate": -0.1}"#),
            "sample_rate: must be a number from 0 to 1, got -0.1"
        );
        assert_eq!(
            json_err(r#"{"sample_rate": "NaN"}"#),
            "sample_rate: must be a number from 0 to 1, got NaN"
        );
        assert_eq!(
            toml_err("sample_rate = nan"),
            "sample_rate: expected a finite number, got NaN"
        );
        assert_eq!(
            toml_err("sample_rate = inf"),
            "sample_rate: expected a finite number, got inf"
        );
    }

    // --- sinks -----------------------------------------------------------

    #[test]
    fn sinks_default_to_ndjson_at_trace() {
        let sink = sink(r#"{"sinks": [{"type": "stderr"}]}"#);
        assert_eq!(sink, SinkConfig::new("stderr", SinkKind::Stderr));
        assert_eq!(sink.encoder, EncoderConfig::Ndjson);
        assert_eq!(sink.level, Level::Trace);
        assert_eq!(sink.queue, SinkQueueConfig::default());
    }

    #[test]
    fn a_sink_needs_a_type() {
        assert_eq!(
            json_err(r#"{"sinks": [{"name": "x"}]}"#),
            "sinks[0].type: missing; expected one of stdout, stderr, file, capture, plugin"
        );
    }

    #[test]
    fn at_least_one_sink_is_required() {
        assert_eq!(
            json_err(r#"{"sinks": []}"#),
            "sinks: at least one sink is required"
        );
        assert_eq!(
            toml_err("sinks = []"),
            "sinks: at least one sink is required"
        );
    }

    #[test]
    fn default_sink_names_count_repeated_types() {
        let config = json(
            r#"{"sinks": [{"type": "stdout"}, {"type": "stdout"}, {"type": "file", "path": "/a"},
                          {"type": "stdout", "name": "third"}, {"type": "stdout"}]}"#,
        );
        let names: Vec<&str> = config.sinks.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["stdout", "stdout-2", "file", "third", "stdout-4"]);
    }

    #[test]
    fn sink_names_are_unique() {
        assert_eq!(
            json_err(
                r#"{"sinks": [{"type": "stdout"}, {"type": "stderr"},
                              {"type": "stderr", "name": "stdout"}]}"#
            ),
            "sinks[2].name: duplicate sink name \"stdout\""
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "stdout", "name": "stdout-2"}, {"type": "stdout"}]}"#),
            "sinks[1].name: duplicate sink name \"stdout-2\""
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "stdout", "name": ""}]}"#),
            "sinks[0].name: must not be empty"
        );
    }

    #[test]
    fn color_only_goes_with_the_console_encoder() {
        let console = sink(r#"{"sinks": [{"type": "stdout", "encoder": "console"}]}"#);
        assert_eq!(
            console.encoder,
            EncoderConfig::Console {
                color: ColorMode::Auto
            }
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "stdout", "color": "always"}]}"#),
            "sinks[0].color: only applies to the console encoder"
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "stdout", "encoder": "logfmt", "color": "never"}]}"#),
            "sinks[0].color: only applies to the console encoder"
        );
    }

    #[test]
    fn file_sinks_need_an_absolute_path() {
        let file = sink(r#"{"sinks": [{"type": "file", "path": "/var/log/a.log"}]}"#);
        assert_eq!(file.name, "file");
        assert_eq!(
            file.kind,
            SinkKind::File(FileSinkConfig::new("/var/log/a.log"))
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "file"}]}"#),
            "sinks[0].path: missing; a file sink needs an absolute path"
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "stdout"}, {"type": "file", "path": "logs/a.log"}]}"#),
            "sinks[1].path: must be an absolute path"
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "file", "path": ""}]}"#),
            "sinks[0].path: must be an absolute path"
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "file", "path": "/var/log/"}]}"#),
            "sinks[0].path: must name a file, not end with \"/\""
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "file", "path": 7}]}"#),
            "sinks[0].path: expected a string, got 7"
        );
    }

    #[test]
    fn file_keys_are_errors_on_other_sinks() {
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "stdout", "path": "/a.log"}]}"#),
            "sinks[0].path: only applies to file sinks"
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "stderr", "mode": "0600"}]}"#),
            "sinks[0].mode: only applies to file sinks"
        );
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "capture", "rotation": {}}]}"#),
            "sinks[0].rotation: only applies to file sinks"
        );
    }

    fn mode_of(mode: &str) -> Result<u32, String> {
        let doc = format!(r#"{{"sinks": [{{"type": "file", "path": "/a", "mode": {mode}}}]}}"#);
        Config::parse_with(&doc, Format::Json, &no_env)
            .map(|config| file_of(&config.sinks[0]).mode)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn modes_are_octal_strings_or_integers() {
        assert_eq!(mode_of(r#""0600""#), Ok(0o600));
        assert_eq!(mode_of(r#""640""#), Ok(0o640));
        assert_eq!(mode_of(r#""0o400""#), Ok(0o400));
        assert_eq!(mode_of("384"), Ok(0o600));
        assert_eq!(
            toml("[[sinks]]\ntype = \"file\"\npath = \"/a\"\nmode = 0o640").sinks[0].kind,
            SinkKind::File(FileSinkConfig {
                mode: 0o640,
                ..FileSinkConfig::new("/a")
            })
        );
        assert_eq!(
            mode_of(r#""rw-""#),
            Err(
                "sinks[0].mode: invalid mode \"rw-\"; expected octal digits such as \"0600\""
                    .to_owned()
            )
        );
        assert_eq!(
            mode_of(r#""384""#),
            Err(
                "sinks[0].mode: invalid mode \"384\"; expected octal digits such as \"0600\""
                    .to_owned()
            )
        );
        assert_eq!(
            mode_of("true"),
            Err("sinks[0].mode: expected a file mode such as \"0640\", got true".to_owned())
        );
    }

    #[test]
    fn modes_must_not_let_others_write() {
        assert_eq!(
            mode_of(r#""0666""#),
            Err(
                "sinks[0].mode: 0666 lets group or others write to the log file; use 0600 \
                 or 0640"
                    .to_owned()
            )
        );
        assert!(mode_of(r#""0620""#).is_err());
        assert!(mode_of(r#""0602""#).is_err());
        assert_eq!(mode_of(r#""0644""#), Ok(0o644));
        assert_eq!(
            mode_of(r#""4600""#),
            Err(
                "sinks[0].mode: must hold permission bits only (at most 0777), got 4600".to_owned()
            )
        );
        assert!(mode_of(r#""77777777777777""#).is_err());
        assert!(mode_of("99999999999").is_err());
    }

    fn interval_of(interval: &str) -> Result<Duration, String> {
        let doc = format!(
            r#"{{"sinks": [{{"type": "file", "path": "/a", "rotation": {{"interval": {interval}}}}}]}}"#
        );
        Config::parse_with(&doc, Format::Json, &no_env)
            .map(|config| file_of(&config.sinks[0]).rotation.interval.unwrap())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn rotation_intervals() {
        for (text, seconds) in [
            (r#""hourly""#, 3600),
            (r#""Daily""#, 86_400),
            (r#""30s""#, 30),
            (r#""15m""#, 900),
            (r#""2h""#, 7200),
            (r#""1d""#, 86_400),
            (r#""45""#, 45),
            ("90", 90),
        ] {
            assert_eq!(
                interval_of(text),
                Ok(Duration::from_secs(seconds)),
                "{text}"
            );
        }
        assert_eq!(
            interval_of(r#""2x""#),
            Err(
                "sinks[0].rotation.interval: invalid interval \"2x\"; expected \"hourly\", \
                 \"daily\", or a whole number with a unit s, m, h or d, such as \"15m\""
                    .to_owned()
            )
        );
        assert_eq!(
            interval_of(r#""0s""#),
            Err("sinks[0].rotation.interval: must be at least 1 second, got 0ns".to_owned())
        );
        assert_eq!(
            interval_of("-5"),
            Err(
                "sinks[0].rotation.interval: expected an interval such as \"daily\", \"15m\" \
                 or 3600, got -5"
                    .to_owned()
            )
        );
    }

    // --- loggers ---------------------------------------------------------

    #[test]
    fn loggers_are_ordered_by_name() {
        let config = json(
            r#"{"loggers": {"zeta": {"level": "error"}, "alpha": {"level": "debug"},
                            "db.pool": {"level": "warn"}}}"#,
        );
        let names: Vec<(&str, Level)> = config
            .loggers
            .iter()
            .map(|l| (l.name.as_str(), l.level))
            .collect();
        assert_eq!(
            names,
            [
                ("alpha", Level::Debug),
                ("db.pool", Level::Warn),
                ("zeta", Level::Error)
            ]
        );
    }

    #[test]
    fn logger_errors_name_the_logger() {
        assert_eq!(
            json_err(r#"{"loggers": {"db": {}}}"#),
            "loggers.db.level: missing; expected a level name"
        );
        assert_eq!(
            json_err(r#"{"loggers": {"db.pool": {"level": "x"}}}"#),
            "loggers[\"db.pool\"].level: unknown level \"x\": expected one of trace, debug, \
             info, warn, error, fatal, audit, security"
        );
        assert_eq!(
            json_err(r#"{"loggers": {"db": "warn"}}"#),
            "loggers.db: expected a table, got \"warn\""
        );
    }

    // --- interpolation ---------------------------------------------------

    #[test]
    fn interpolation_replaces_variables_in_strings() {
        let env = env_of(&[
            ("LOG_DIR", "/var/log/svc"),
            ("APP", "billing"),
            ("CAP", "2048"),
            ("SIZE", "2MiB"),
        ]);
        let doc = r#"{"name": "${APP}-api", "queue": {"capacity": "${CAP}", "max_bytes": "${SIZE}"},
                      "sinks": [{"type": "file", "path": "${LOG_DIR}/${APP}.log"}]}"#;
        let config = Config::parse_with(doc, Format::Json, &env).unwrap();
        assert_eq!(config.name, "billing-api");
        assert_eq!(config.queue.capacity, 2048);
        assert_eq!(config.queue.max_bytes, 2 << 20);
        assert_eq!(
            file_of(&config.sinks[0]).path,
            Path::new("/var/log/svc/billing.log")
        );
        let toml_doc = "name = \"${APP}\"\n[[sinks]]\ntype = \"file\"\npath = \"${LOG_DIR}/a\"";
        let config = Config::parse_with(toml_doc, Format::Toml, &env).unwrap();
        assert_eq!(config.name, "billing");
        assert_eq!(file_of(&config.sinks[0]).path, Path::new("/var/log/svc/a"));
    }

    #[test]
    fn interpolation_escapes_and_literals() {
        let env = env_of(&[("X", "${Y}"), ("EMPTY", "")]);
        let expand = |s: &str| expand(s, &env);
        assert_eq!(expand("$${X}"), Ok("${X}".to_owned()));
        assert_eq!(expand("a$${X}b${X}"), Ok("a${X}b${Y}".to_owned()));
        assert_eq!(expand("cost: $5 $"), Ok("cost: $5 $".to_owned()));
        assert_eq!(expand("$$"), Ok("$$".to_owned()));
        assert_eq!(expand("[${EMPTY}]"), Ok("[]".to_owned()));
        assert_eq!(expand("no dollars"), Ok("no dollars".to_owned()));
        assert_eq!(
            expand("${A B}"),
            Err(
                "invalid variable name \"A B\" in \"${A B}\"; names are letters, digits and _"
                    .to_owned()
            )
        );
        assert!(expand("${}").is_err());
        assert!(expand("${1X}").is_err());
        assert_eq!(
            expand("x${X"),
            Err("unterminated \"${\" in \"x${X\"".to_owned())
        );
    }

    #[test]
    fn interpolation_errors_name_path_and_variable() {
        assert_eq!(
            json_err(r#"{"sinks": [{"type": "file", "path": "${LOG_DIR}/a.log"}]}"#),
            "sinks[0].path: ${LOG_DIR} is not set"
        );
        let env = env_of(&[("LOG_DIR", "/tmp\n/evil"), ("CR", "a\rb")]);
        let e = Config::parse_with(
            r#"{"sinks": [{"type": "file", "path": "${LOG_DIR}/a.log"}]}"#,
            Format::Json,
            &env,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "sinks[0].path: ${LOG_DIR} contains a newline; refusing it"
        );
        let e = Config::parse_with("name = \"${CR}\"", Format::Toml, &env).unwrap_err();
        assert_eq!(
            e.to_string(),
            "name: ${CR} contains a carriage return; refusing it"
        );
    }

    #[test]
    fn keys_are_not_interpolated() {
        let env = env_of(&[("K", "name")]);
        let e = Config::parse_with(r#"{"${K}": "x"}"#, Format::Json, &env).unwrap_err();
        assert!(e.to_string().starts_with("[\"${K}\"]: unknown key;"), "{e}");
        let config = Config::parse_with(
            r#"{"loggers": {"${K}": {"level": "warn"}}}"#,
            Format::Json,
            &env,
        )
        .unwrap();
        assert_eq!(config.loggers[0].name, "${K}");
    }

    #[test]
    fn interpolated_values_are_then_validated() {
        let env = env_of(&[("DIR", "relative"), ("CAP", "lots")]);
        let parse = |doc: &str| {
            Config::parse_with(doc, Format::Json, &env)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            parse(r#"{"sinks": [{"type": "file", "path": "${DIR}/a.log"}]}"#),
            "sinks[0].path: must be an absolute path"
        );
        assert_eq!(
            parse(r#"{"queue": {"capacity": "${CAP}"}}"#),
            "queue.capacity: expected a positive integer, got \"lots\""
        );
    }

    // --- environment overrides -------------------------------------------

    #[test]
    fn env_overrides_every_documented_key() {
        let env = env_of(&[
            ("ASYNCLOG_NAME", "worker"),
            ("ASYNCLOG_LEVEL", "debug"),
            ("ASYNCLOG_QUEUE_CAPACITY", "100"),
            ("ASYNCLOG_QUEUE_MAX_BYTES", "2MiB"),
            ("ASYNCLOG_QUEUE_POLICY", "drop_oldest"),
            ("ASYNCLOG_QUEUE_SHARDS", "4"),
            ("ASYNCLOG_SAMPLE_RATE", "0.1"),
            ("ASYNCLOG_AUDIT_POLICY", "drop_newest"),
            ("ASYNCLOG_SHUTDOWN_TIMEOUT_MS", "1500"),
            ("ASYNCLOG_BATCH_MAX_EVENTS", "10"),
            ("ASYNCLOG_BATCH_MAX_BYTES", "65536"),
            ("ASYNCLOG_BATCH_MAX_DELAY_MS", "7"),
        ]);
        let mut config = Config::default();
        config.apply_env(&env).unwrap();
        let expected = Config {
            name: "worker".to_owned(),
            level: Level::Debug,
            queue: QueueConfig {
                capacity: 100,
                max_bytes: 2 << 20,
                policy: Policy::DropOldest,
                shards: 4,
            },
            batch: BatchConfig {
                max_events: 10,
                max_bytes: 65536,
                max_delay: Duration::from_millis(7),
            },
            sample_rate: 0.1,
            audit_policy: Policy::DropNewest,
            shutdown_timeout: Duration::from_millis(1500),
            ..Config::default()
        };
        assert_eq!(config, expected);
    }

    #[test]
    fn env_overrides_apply_after_the_document() {
        let env = env_of(&[("ASYNCLOG_LEVEL", "ERROR"), ("ASYNCLOG_NAME", "")]);
        let config =
            Config::parse_with(r#"{"name": "svc", "level": "debug"}"#, Format::Json, &env).unwrap();
        assert_eq!(config.level, Level::Error);
        assert_eq!(config.name, "svc", "an empty variable counts as unset");
    }

    #[test]
    fn bad_env_values_name_the_variable() {
        let err = |var: &str, value: &str| {
            let env = env_of(&[(var, value)]);
            Config::parse_with("", Format::Toml, &env)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("ASYNCLOG_QUEUE_CAPACITY", "abc"),
            "ASYNCLOG_QUEUE_CAPACITY: expected a positive integer, got \"abc\""
        );
        assert_eq!(
            err("ASYNCLOG_QUEUE_CAPACITY", "0"),
            "ASYNCLOG_QUEUE_CAPACITY: must be at least 1, got 0"
        );
        assert_eq!(
            err("ASYNCLOG_LEVEL", "chatty"),
            "ASYNCLOG_LEVEL: unknown level \"chatty\": expected one of trace, debug, info, \
             warn, error, fatal, audit, security"
        );
        assert_eq!(
            err("ASYNCLOG_QUEUE_POLICY", "wait"),
            "ASYNCLOG_QUEUE_POLICY: expected one of block, drop_newest, drop_oldest, got \"wait\""
        );
        assert_eq!(
            err("ASYNCLOG_SAMPLE_RATE", "2"),
            "ASYNCLOG_SAMPLE_RATE: must be a number from 0 to 1, got 2"
        );
        assert_eq!(
            err("ASYNCLOG_SAMPLE_RATE", "half"),
            "ASYNCLOG_SAMPLE_RATE: expected a number from 0 to 1, got \"half\""
        );
        assert_eq!(
            err("ASYNCLOG_BATCH_MAX_BYTES", "1TB"),
            "ASYNCLOG_BATCH_MAX_BYTES: invalid size \"1TB\"; expected a whole number of bytes \
             with an optional unit: B, KB, KiB, MB, MiB, GB or GiB"
        );
        assert_eq!(
            err("ASYNCLOG_BATCH_MAX_DELAY_MS", "0"),
            "ASYNCLOG_BATCH_MAX_DELAY_MS: must be at least 1, got 0"
        );
        assert_eq!(
            err("ASYNCLOG_SHUTDOWN_TIMEOUT_MS", "-1"),
            "ASYNCLOG_SHUTDOWN_TIMEOUT_MS: expected a non-negative integer, got \"-1\""
        );
    }

    #[test]
    fn every_env_var_is_documented_on_apply_env() {
        let source = include_str!("parse.rs");
        for var in ENV_VARS {
            assert!(source.contains(&format!("/// | `{var}` |")), "{var}");
        }
    }

    // --- validate on configs built in code --------------------------------

    /// `validate` on a config built in code gives the error the equivalent
    /// document gives.
    fn same_error(doc: &str, edit: impl FnOnce(&mut Config)) {
        let mut config = Config::default();
        edit(&mut config);
        assert_eq!(
            config.validate().unwrap_err().to_string(),
            json_err(doc),
            "{doc}"
        );
    }

    fn file_sink(edit: impl FnOnce(&mut FileSinkConfig)) -> Vec<SinkConfig> {
        let mut file = FileSinkConfig::new("/a.log");
        edit(&mut file);
        vec![SinkConfig::new("file", SinkKind::File(file))]
    }

    #[test]
    fn validate_matches_document_errors() {
        same_error(r#"{"queue": {"capacity": 0}}"#, |c| c.queue.capacity = 0);
        same_error(r#"{"queue": {"max_bytes": 0}}"#, |c| c.queue.max_bytes = 0);
        same_error(r#"{"batch": {"max_events": 0}}"#, |c| {
            c.batch.max_events = 0
        });
        same_error(r#"{"batch": {"max_bytes": 0}}"#, |c| c.batch.max_bytes = 0);
        same_error(r#"{"batch": {"max_delay_ms": 0}}"#, |c| {
            c.batch.max_delay = Duration::ZERO
        });
        same_error(r#"{"limits": {"max_message_bytes": 8}}"#, |c| {
            c.limits.max_message_bytes = 8
        });
        same_error(r#"{"limits": {"max_fields": 0}}"#, |c| {
            c.limits.max_fields = 0
        });
        same_error(r#"{"limits": {"max_depth": 0}}"#, |c| {
            c.limits.max_depth = 0
        });
        same_error(r#"{"limits": {"max_record_bytes": 100}}"#, |c| {
            c.limits.max_record_bytes = 100
        });
        same_error(r#"{"sample_rate": 2}"#, |c| c.sample_rate = 2.0);
        same_error(r#"{"sinks": []}"#, |c| c.sinks.clear());
        same_error(
            r#"{"sinks": [{"type": "stdout"}, {"type": "stderr", "name": "stdout"}]}"#,
            |c| c.sinks.push(SinkConfig::new("stdout", SinkKind::Stderr)),
        );
        same_error(
            r#"{"sinks": [{"type": "stdout", "queue": {"max_batches": 0}}]}"#,
            |c| c.sinks[0].queue.max_batches = 0,
        );
        same_error(r#"{"sinks": [{"type": "file", "path": "a.log"}]}"#, |c| {
            c.sinks = file_sink(|f| f.path = PathBuf::from("a.log"))
        });
        same_error(r#"{"sinks": [{"type": "file", "path": "/logs/"}]}"#, |c| {
            c.sinks = file_sink(|f| f.path = PathBuf::from("/logs/"))
        });
        same_error(
            r#"{"sinks": [{"type": "file", "path": "/a", "mode": "0660"}]}"#,
            |c| c.sinks = file_sink(|f| f.mode = 0o660),
        );
        same_error(
            r#"{"sinks": [{"type": "file", "path": "/a", "mode": "1600"}]}"#,
            |c| c.sinks = file_sink(|f| f.mode = 0o1600),
        );
        same_error(
            r#"{"sinks": [{"type": "file", "path": "/a", "rotation": {"keep": 0}}]}"#,
            |c| c.sinks = file_sink(|f| f.rotation.keep = 0),
        );
        same_error(
            r#"{"sinks": [{"type": "file", "path": "/a", "rotation": {"max_bytes": 0}}]}"#,
            |c| c.sinks = file_sink(|f| f.rotation.max_bytes = Some(0)),
        );
    }

    #[test]
    fn validate_checks_what_documents_cannot_express() {
        let error = |config: Config| config.validate().unwrap_err().to_string();
        let sub_second = Config {
            sinks: file_sink(|f| f.rotation.interval = Some(Duration::from_millis(500))),
            ..Config::default()
        };
        assert_eq!(
            error(sub_second),
            "sinks[0].rotation.interval: must be at least 1 second, got 500ms"
        );

        let nan = Config {
            sample_rate: f64::NAN,
            ..Config::default()
        };
        assert_eq!(
            error(nan),
            "sample_rate: must be a number from 0 to 1, got NaN"
        );

        let db = LoggerOverride {
            name: "db".to_owned(),
            level: Level::Warn,
        };
        let twice = Config {
            loggers: vec![db.clone(), db],
            ..Config::default()
        };
        assert_eq!(error(twice), "loggers.db: duplicate logger name \"db\"");
    }

    #[test]
    fn key_paths_quote_unusual_keys() {
        let root = KeyPath::root();
        assert_eq!(root.key("a").key("b-c").index(2).key("d").0, "a.b-c[2].d");
        assert_eq!(root.key("x").key("a.b").0, "x[\"a.b\"]");
        assert_eq!(root.key("").0, "[\"\"]");
    }
}
