//! Logger configuration: the types, their defaults, and where they come
//! from.
//!
//! A [`Config`] is plain data. Build one in code, or parse a JSON or TOML
//! document with [`Config::parse`]; parsing validates every value and names
//! the path of the first bad one (`sinks[1].path: must be an absolute
//! path`). `ASYNCLOG_*` environment variables then override the documented
//! keys, and `${VAR}` inside string values is replaced from the environment.
//! With no document at all, [`Config::default`] logs NDJSON to stdout at
//! `INFO`.

use std::path::PathBuf;
use std::time::Duration;

use crate::level::Level;
use crate::record::Limits;

mod parse;

pub use parse::{ConfigError, Format};
pub(crate) use parse::{describe, parse_duration_ms, parse_size};

/// What a full queue does with one more event or batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Wait for room. Nothing is lost; the producer (or, for a sink queue,
    /// the worker) waits.
    Block,
    /// Drop the event or batch being added, and count it.
    DropNewest,
    /// Drop the oldest queued event or batch to make room, and count it.
    DropOldest,
}

impl Policy {
    /// The name used in configuration documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Block => "block",
            Policy::DropNewest => "drop_newest",
            Policy::DropOldest => "drop_oldest",
        }
    }
}

/// The whole configuration of one logger and its sinks.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Name written in the `logger` key of each record. Default `"app"`.
    pub name: String,
    /// Events below this level are filtered at the call. Default `Info`.
    pub level: Level,
    /// The logger's event queue.
    pub queue: QueueConfig,
    /// How the worker groups encoded records for sinks.
    pub batch: BatchConfig,
    /// Size limits applied to every event at the call.
    pub limits: Limits,
    /// Fraction of sampled events (below `Error`, not `Audit` or `Security`)
    /// that are kept, from 0 to 1. Default 1: keep everything.
    pub sample_rate: f64,
    /// Policy for `Audit` and `Security` events when the queue is full.
    /// Default `Block`, so they are never dropped.
    pub audit_policy: Policy,
    /// How long dropping or closing the logger waits for sinks to drain.
    /// Default 5 seconds.
    pub shutdown_timeout: Duration,
    /// Level overrides for child loggers, by name.
    pub loggers: Vec<LoggerOverride>,
    /// Where records go. Default: one `stdout` sink with NDJSON.
    pub sinks: Vec<SinkConfig>,
    /// Where plugins may be loaded from. Default: nowhere, so no plugin
    /// can be loaded until `plugins.dirs` names a directory.
    pub plugins: PluginsConfig,
    /// Processor plugins run by the worker on every record that passes
    /// the logger's level and sampling, before any encoding: enrichers,
    /// then filters, then redactors, in the order listed. Default: none.
    pub processors: Vec<PluginRef>,
}

/// Where plugins may be loaded from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PluginsConfig {
    /// Absolute paths of the directories plugins are loaded from. A
    /// plugin named by a bare name is looked up in them in order; one
    /// named by a path must lie inside one of them. Default: none.
    pub dirs: Vec<PathBuf>,
}

/// A plugin to load and the settings for its instance.
#[derive(Clone, Debug, PartialEq)]
pub struct PluginRef {
    /// An absolute path to the shared object, or a bare name looked up in
    /// [`PluginsConfig::dirs`] as `NAME`, `NAME.so` and `libNAME.so`.
    pub plugin: String,
    /// The expected SHA-256 of the shared object, 64 hex digits; checked
    /// before it is loaded. Default: not checked.
    pub sha256: Option<String>,
    /// The plugin's own settings, validated against the schema it declares
    /// before its instance is created.
    pub config: PluginSettings,
}

impl PluginRef {
    /// A reference to `plugin` with no checksum and no settings.
    pub fn new(plugin: impl Into<String>) -> PluginRef {
        PluginRef {
            plugin: plugin.into(),
            sha256: None,
            config: PluginSettings::default(),
        }
    }
}

/// A plugin's own settings as the document gave them: a table whose keys
/// and types the plugin's schema defines.
///
/// Which values are secret is known only once the plugin is loaded, so
/// `Debug` shows the keys and never a value.
#[derive(Clone, Default, PartialEq)]
pub struct PluginSettings(pub serde_json::Map<String, serde_json::Value>);

impl PluginSettings {
    /// Settings from a JSON object; anything else is `None`.
    pub fn from_json(value: serde_json::Value) -> Option<PluginSettings> {
        match value {
            serde_json::Value::Object(map) => Some(PluginSettings(map)),
            _ => None,
        }
    }
}

impl std::fmt::Debug for PluginSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for key in self.0.keys() {
            map.entry(key, &format_args!("[REDACTED]"));
        }
        map.finish()
    }
}

/// A level for child loggers of one name.
#[derive(Clone, Debug, PartialEq)]
pub struct LoggerOverride {
    /// The child logger's name, matched exactly.
    pub name: String,
    /// The minimum level for that child.
    pub level: Level,
}

/// Bounds and policy of the logger's event queue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueueConfig {
    /// Most events queued at once, rounded up to a power of two and shared
    /// evenly by the shards. Default 65,536.
    pub capacity: usize,
    /// Most bytes of encoded events queued at once. Default 32 MiB.
    pub max_bytes: usize,
    /// What a full queue does. Default `Block`.
    pub policy: Policy,
    /// How many shards the queue is split into (rounded up to a power of
    /// two, at most 64), or 0 to choose from the machine (the default; see
    /// [`QueueConfig::shard_count`]).
    ///
    /// The shards share `capacity` evenly, and a thread claims slots in
    /// its own shard only, so threads logging at the same moment on
    /// different cores do not contend for one queue tail. The worker takes
    /// records across shards in timestamp order, so every thread's (and
    /// every task's) records are written in the order it logged them;
    /// records of different threads logged within the same microsecond may
    /// be written in either order. The merge trusts the timestamps: where
    /// the call reads the wall clock (`ASYNCLOG_CLOCK=system`, or a CPU
    /// without a constant TSC), a step of that clock backwards can swap two
    /// records of a task that moved to another thread at that moment.
    ///
    /// The price: one thread can fill only its own shard. A burst from one
    /// thread larger than a shard waits for room (or is dropped, by the
    /// policy) sooner than with one shard, and `drop_oldest` evicts the
    /// oldest record of the caller's shard. A program whose logging comes
    /// from one thread at a time (an event loop, threads taking turns
    /// behind a lock) loses nothing with 1.
    pub shards: usize,
}

/// Fewest slots a shard is given when the shard count is chosen from the
/// machine: a smaller capacity is split into fewer shards.
pub const MIN_AUTO_SHARD_SLOTS: usize = 8192;

/// Most shards the count chosen from the machine goes up to.
pub const MAX_AUTO_SHARDS: usize = 8;

/// Most shards a configuration may ask for.
pub const MAX_SHARDS: usize = 64;

impl QueueConfig {
    /// The number of shards the queue is built with: `shards` rounded up to
    /// a power of two when set; otherwise one per CPU this process may run
    /// on (rounded up to a power of two, at most 8), halved while a shard
    /// would get fewer than 8,192 slots. On one CPU, or with a capacity
    /// under 16,384, that is 1; with the default capacity on two CPUs, 2
    /// shards of 32,768, and on eight or more, 8 of 8,192.
    pub fn shard_count(&self) -> usize {
        if self.shards > 0 {
            return self.shards.min(MAX_SHARDS).next_power_of_two();
        }
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let slots = self.capacity.max(2).next_power_of_two();
        let mut shards = cpus.min(MAX_AUTO_SHARDS).next_power_of_two();
        while shards > 1 && slots / shards < MIN_AUTO_SHARD_SLOTS {
            shards /= 2;
        }
        shards
    }
}

/// Batch bounds: a batch is handed to sinks when any bound is reached, or
/// as soon as the queue runs empty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchConfig {
    /// Most events in one batch. Default 4,096.
    pub max_events: usize,
    /// Most encoded bytes in one batch. Default 1 MiB.
    pub max_bytes: usize,
    /// Longest time an event waits in an open batch, or in the queue while
    /// the worker dozes between bursts. Default 100 ms.
    pub max_delay: Duration,
}

/// One sink: where it writes, how records are encoded, what it accepts.
#[derive(Clone, Debug, PartialEq)]
pub struct SinkConfig {
    /// Unique name, used in metrics and errors. Default: the sink's type,
    /// with `-2`, `-3`... appended when the type repeats.
    pub name: String,
    /// The destination.
    pub kind: SinkKind,
    /// The encoding of each record.
    pub encoder: EncoderConfig,
    /// Minimum level this sink accepts. Default `Trace`: whatever the
    /// logger passes.
    pub level: Level,
    /// The sink's own queue of batches.
    pub queue: SinkQueueConfig,
}

/// The destinations built in.
#[derive(Clone, Debug, PartialEq)]
pub enum SinkKind {
    /// The process's standard output.
    Stdout,
    /// The process's standard error.
    Stderr,
    /// A file, optionally rotated.
    File(FileSinkConfig),
    /// Memory, for tests: see [`crate::Capture`].
    Capture,
    /// A sink plugin: a shared object loaded at [`crate::Logger::new`].
    Plugin(PluginRef),
}

impl SinkKind {
    /// The type name used in configuration documents.
    pub fn type_name(&self) -> &'static str {
        match self {
            SinkKind::Stdout => "stdout",
            SinkKind::Stderr => "stderr",
            SinkKind::File(_) => "file",
            SinkKind::Capture => "capture",
            SinkKind::Plugin(_) => "plugin",
        }
    }
}

/// Bounds and policy of a sink's batch queue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SinkQueueConfig {
    /// Most batches queued for this sink. Default 16.
    pub max_batches: usize,
    /// Most bytes queued for this sink. Default 16 MiB.
    pub max_bytes: usize,
    /// What a full sink queue does. Default `Block`: the worker waits, so a
    /// stalled sink eventually applies the logger queue's policy.
    pub policy: Policy,
}

/// A file sink.
#[derive(Clone, Debug, PartialEq)]
pub struct FileSinkConfig {
    /// Absolute path of the active file.
    pub path: PathBuf,
    /// Permission bits for a new file. Default `0o600`; `0o640` is the
    /// other common choice.
    pub mode: u32,
    /// When to start a new file.
    pub rotation: Rotation,
}

/// When and how a file sink rotates.
#[derive(Clone, Debug, PartialEq)]
pub struct Rotation {
    /// Rotate once the file reaches this size. Default: never by size.
    pub max_bytes: Option<u64>,
    /// Rotate at each multiple of this interval of wall-clock time since
    /// the Unix epoch (UTC). Default: never by time.
    pub interval: Option<Duration>,
    /// How many rotated files to keep. Default 10.
    pub keep: usize,
    /// Compress rotated files with gzip, off the write path. Default off.
    pub compress: bool,
}

/// How records are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EncoderConfig {
    /// One JSON object per line.
    Ndjson,
    /// `key=value` pairs per line.
    Logfmt,
    /// Human-readable lines, with colour as configured.
    Console {
        /// When to colour the level.
        color: ColorMode,
    },
}

/// When the console encoder uses ANSI colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColorMode {
    /// Colour only when the sink is a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            name: "app".to_string(),
            level: Level::Info,
            queue: QueueConfig::default(),
            batch: BatchConfig::default(),
            limits: Limits::default(),
            sample_rate: 1.0,
            audit_policy: Policy::Block,
            shutdown_timeout: Duration::from_secs(5),
            loggers: Vec::new(),
            sinks: vec![SinkConfig::new("stdout", SinkKind::Stdout)],
            plugins: PluginsConfig::default(),
            processors: Vec::new(),
        }
    }
}

impl Default for QueueConfig {
    fn default() -> QueueConfig {
        QueueConfig {
            capacity: 65_536,
            max_bytes: 32 << 20,
            policy: Policy::Block,
            shards: 0,
        }
    }
}

impl Default for BatchConfig {
    fn default() -> BatchConfig {
        BatchConfig {
            max_events: 4096,
            max_bytes: 1 << 20,
            max_delay: Duration::from_millis(100),
        }
    }
}

impl Default for SinkQueueConfig {
    fn default() -> SinkQueueConfig {
        SinkQueueConfig {
            max_batches: 16,
            max_bytes: 16 << 20,
            policy: Policy::Block,
        }
    }
}

impl Default for Rotation {
    fn default() -> Rotation {
        Rotation {
            max_bytes: None,
            interval: None,
            keep: 10,
            compress: false,
        }
    }
}

impl SinkConfig {
    /// A sink with NDJSON, no level of its own and the default queue.
    pub fn new(name: impl Into<String>, kind: SinkKind) -> SinkConfig {
        SinkConfig {
            name: name.into(),
            kind,
            encoder: EncoderConfig::Ndjson,
            level: Level::Trace,
            queue: SinkQueueConfig::default(),
        }
    }
}

impl FileSinkConfig {
    /// A file sink at `path`, mode `0o600`, without rotation.
    pub fn new(path: impl Into<PathBuf>) -> FileSinkConfig {
        FileSinkConfig {
            path: path.into(),
            mode: 0o600,
            rotation: Rotation::default(),
        }
    }
}
