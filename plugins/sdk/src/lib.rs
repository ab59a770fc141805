//! Write asynclog plugins in Rust.
//!
//! A plugin is a `cdylib` crate that implements [`Processor`] (enrichers,
//! filters, redactors) or [`Sink`] for a type, declares the settings it
//! takes, and exports itself with [`export_plugin!`]:
//!
//! ```
//! use asynclog_plugin_sdk::{Config, ConfigField, ConfigType, Edit, Error, Host, Processor, Record};
//!
//! struct Tagger { tag: String }
//!
//! impl Processor for Tagger {
//!     fn create(config: &Config, _host: &Host) -> Result<Self, Error> {
//!         Ok(Tagger { tag: config.get_str("tag").unwrap_or("none").to_string() })
//!     }
//!
//!     fn process(&mut self, _record: &Record<'_>, edit: &mut Edit<'_>) -> Result<(), Error> {
//!         edit.add_str("tag", &self.tag);
//!         Ok(())
//!     }
//! }
//!
//! const SCHEMA: &[ConfigField] = &[
//!     ConfigField::new(c"tag", ConfigType::String, c"The tag to add"),
//! ];
//!
//! asynclog_plugin_sdk::export_plugin!(enricher Tagger {
//!     name: "tagger",
//!     description: "Adds a tag field to every record",
//!     schema: SCHEMA,
//! });
//! ```
//!
//! The macro writes the static descriptor, the schema table and the
//! `asynclog_plugin_entry_v1` entry point; the version is the crate's.
//! Every callback runs inside `catch_unwind`: a panic becomes
//! `ASYNCLOG_PLUGIN_PANIC` with the panic message as the error, and the
//! host retires the instance. An `Err` from a trait method becomes its
//! status, with its message passed to the host. For processors the macro
//! also exports `process_batch`, which calls [`Processor::process`] for a
//! chunk of records inside one `catch_unwind`, so the boundary is paid
//! per chunk rather than per record.
//!
//! The host checks settings against the schema before `create`, so
//! [`Config`] holds only declared keys with values of the declared type.
//!
//! Diagnostics go through [`Host::log`], never through a global logger: a
//! plugin has its own copy of every crate, `log` and `tracing` included,
//! and their global dispatchers there are not the application's.

#![deny(missing_docs)]

use std::ffi::CStr;
use std::fmt;
use std::time::Duration;

pub use asynclog_plugin_abi as abi;

mod config;
mod record;

pub use config::{Config, ConfigValue};
pub use record::{Fields, Level, Record, Value, Values};

#[doc(hidden)]
pub mod __private;

/// How a failed call ends; each maps to an `ASYNCLOG_PLUGIN_*` status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Transient: the host tries again later (sinks).
    Retry,
    /// The call failed; the instance keeps running.
    Error,
    /// The instance cannot go on: the host retires it.
    Fatal,
    /// `create` refuses the settings.
    BadConfig,
}

/// A failure, with a message the host keeps as the instance's last error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What the host does about it.
    pub kind: ErrorKind,
    /// What went wrong, in lower case.
    pub message: String,
}

impl Error {
    /// A transient failure: `RETRY`.
    pub fn retry(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Retry, message)
    }

    /// A failed call: `ERROR`.
    #[allow(clippy::self_named_constructors)]
    pub fn error(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Error, message)
    }

    /// The instance cannot go on: `FATAL`.
    pub fn fatal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Fatal, message)
    }

    /// Refused settings, from `create`: `BAD_CONFIG`.
    pub fn bad_config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::BadConfig, message)
    }

    fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The ABI status for this error.
    pub fn status(&self) -> abi::asynclog_plugin_status {
        match self.kind {
            ErrorKind::Retry => abi::ASYNCLOG_PLUGIN_RETRY,
            ErrorKind::Error => abi::ASYNCLOG_PLUGIN_ERROR,
            ErrorKind::Fatal => abi::ASYNCLOG_PLUGIN_FATAL,
            ErrorKind::BadConfig => abi::ASYNCLOG_PLUGIN_BAD_CONFIG,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    /// Interrupted, timed-out and would-block errors are `Retry`; others
    /// are `Error`.
    fn from(e: std::io::Error) -> Error {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::Interrupted | K::TimedOut | K::WouldBlock => Error::retry(e.to_string()),
            _ => Error::error(e.to_string()),
        }
    }
}

/// An enricher, filter or redactor: sees each record once, on the
/// logger's worker, before it is encoded.
pub trait Processor: Send + Sized + 'static {
    /// Makes an instance from checked settings. Keep `host` (it is
    /// `Copy`) to log or count later.
    fn create(config: &Config, host: &Host) -> Result<Self, Error>;

    /// Looks at one record and changes it through `edit`. Edits take
    /// effect together when this returns `Ok`; with `Err` they are
    /// discarded and the record goes on unchanged.
    fn process(&mut self, record: &Record<'_>, edit: &mut Edit<'_>) -> Result<(), Error>;

    /// Pushes out anything buffered, within `timeout`.
    fn flush(&mut self, _timeout: Duration) -> Result<(), Error> {
        Ok(())
    }

    /// `Ok` when healthy; otherwise why not.
    fn health(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

/// A sink: writes batches of encoded lines, on a thread of its own.
pub trait Sink: Send + Sized + 'static {
    /// Makes an instance from checked settings.
    fn create(config: &Config, host: &Host) -> Result<Self, Error>;

    /// Writes `lines` (each a complete record with its newline) and
    /// returns how many it accepted, in order. Fewer than all means the
    /// host retries the rest, if the plugin declares
    /// `ASYNCLOG_PLUGIN_CAP_PARTIAL_BATCH`, or the whole batch if not.
    fn write_batch(&mut self, lines: &[&[u8]]) -> Result<usize, Error>;

    /// Pushes out anything buffered, within `timeout`.
    fn flush(&mut self, _timeout: Duration) -> Result<(), Error> {
        Ok(())
    }

    /// `Ok` when healthy; otherwise why not.
    fn health(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

/// The type of a setting, for [`ConfigField`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigType {
    /// Text.
    String,
    /// A signed 64-bit integer.
    Int,
    /// A boolean.
    Bool,
    /// A number.
    Float,
    /// A size in bytes; users may write units (`"64KiB"`).
    Size,
    /// A duration; users may write units (`"5s"`).
    Duration,
    /// A list of strings.
    List,
}

impl ConfigType {
    const fn to_abi(self) -> abi::asynclog_config_type {
        match self {
            ConfigType::String => abi::ASYNCLOG_CONFIG_STRING,
            ConfigType::Int => abi::ASYNCLOG_CONFIG_INT,
            ConfigType::Bool => abi::ASYNCLOG_CONFIG_BOOL,
            ConfigType::Float => abi::ASYNCLOG_CONFIG_FLOAT,
            ConfigType::Size => abi::ASYNCLOG_CONFIG_SIZE,
            ConfigType::Duration => abi::ASYNCLOG_CONFIG_DURATION,
            ConfigType::List => abi::ASYNCLOG_CONFIG_LIST,
        }
    }
}

/// One entry of a plugin's settings schema, built in a `const`:
/// `ConfigField::new(c"path", ConfigType::String, c"File to append to").required()`.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct ConfigField(abi::asynclog_config_field);

// SAFETY: the pointers are to static C strings.
unsafe impl Sync for ConfigField {}
// SAFETY: as above.
unsafe impl Send for ConfigField {}

impl ConfigField {
    /// An optional, non-secret setting. The name is `[a-z0-9_]+`.
    pub const fn new(name: &'static CStr, ty: ConfigType, description: &'static CStr) -> Self {
        ConfigField(abi::asynclog_config_field {
            name: name.as_ptr(),
            type_: ty.to_abi(),
            flags: 0,
            description: description.as_ptr(),
        })
    }

    /// The user must set it.
    pub const fn required(mut self) -> Self {
        self.0.flags |= abi::ASYNCLOG_CONFIG_REQUIRED;
        self
    }

    /// Its value is never shown by the host (nor by [`Config`]'s `Debug`).
    pub const fn secret(mut self) -> Self {
        self.0.flags |= abi::ASYNCLOG_CONFIG_SECRET;
        self
    }

    /// The key.
    pub fn name(&self) -> &'static str {
        // SAFETY: built from a `&'static CStr`.
        unsafe { CStr::from_ptr(self.0.name) }
            .to_str()
            .unwrap_or("")
    }

    /// True for secret settings.
    pub fn is_secret(&self) -> bool {
        self.0.flags & abi::ASYNCLOG_CONFIG_SECRET != 0
    }
}

/// The host, as a plugin instance sees it: diagnostics, errors, the clock
/// and counters. Copy it into the instance in `create`; it stays valid
/// until the instance is destroyed.
#[derive(Clone, Copy)]
pub struct Host {
    host: *const abi::asynclog_host,
    api: *const abi::asynclog_host_api,
}

// SAFETY: the host API is callable from any thread.
unsafe impl Send for Host {}
// SAFETY: as above.
unsafe impl Sync for Host {}

impl Host {
    fn api(&self) -> Option<&abi::asynclog_host_api> {
        // SAFETY: the host's table lives as long as the instance.
        unsafe { self.api.as_ref() }
    }

    /// Writes a diagnostic line on the host's own channel (never into the
    /// log stream).
    pub fn log(&self, level: Level, message: &str) {
        if let Some(api) = self.api() {
            // SAFETY: a live host handle and a live string.
            unsafe { (api.log)(self.host, level as u32, message.as_ptr(), message.len()) };
        }
    }

    /// [`Host::log`] at `DEBUG`.
    pub fn debug(&self, message: &str) {
        self.log(Level::Debug, message);
    }

    /// [`Host::log`] at `INFO`.
    pub fn info(&self, message: &str) {
        self.log(Level::Info, message);
    }

    /// [`Host::log`] at `WARN`.
    pub fn warn(&self, message: &str) {
        self.log(Level::Warn, message);
    }

    /// [`Host::log`] at `ERROR`.
    pub fn error(&self, message: &str) {
        self.log(Level::Error, message);
    }

    /// Sets the message of the failing call; the SDK does this for every
    /// `Err` and panic, so plugins rarely need it.
    pub fn set_error(&self, message: &str) {
        if let Some(api) = self.api() {
            // SAFETY: a live host handle and a live string.
            unsafe { (api.set_error)(self.host, message.as_ptr(), message.len()) };
        }
    }

    /// Wall-clock time, nanoseconds since the Unix epoch.
    pub fn now_nanos(&self) -> u64 {
        // SAFETY: takes no arguments.
        self.api().map_or(0, |api| unsafe { (api.now_nanos)() })
    }

    /// Adds `delta` to the instance's counter `name`, shown in the
    /// logger's health report.
    pub fn counter_add(&self, name: &str, delta: u64) {
        if let Some(api) = self.api() {
            // SAFETY: a live host handle and a live string.
            unsafe { (api.counter_add)(self.host, name.as_ptr(), name.len(), delta) };
        }
    }

    /// The host's table, if it is recent enough to hold the entry that
    /// ends at `end` bytes.
    fn api_with(&self, end: usize) -> Option<&abi::asynclog_host_api> {
        self.api().filter(|api| api.struct_size as usize >= end)
    }

    /// Enrichers, in `create`: adds a string field to every record the
    /// instance processes, given once. The host encodes it once, which is
    /// far cheaper than adding it in each `process` call; a field the
    /// event has keeps the event's value. Declare
    /// `ASYNCLOG_PLUGIN_CAP_STATIC_ONLY` when these are all the plugin
    /// adds, and `process` is not called at all.
    ///
    /// Fails on a host older than ABI 1.1 or outside `create`.
    pub fn add_static_str(&self, key: &str, value: &str) -> Result<(), Error> {
        let end = std::mem::offset_of!(abi::asynclog_host_api, static_add_str)
            + std::mem::size_of::<usize>();
        let api = self.api_with(end).ok_or_else(static_unsupported)?;
        // SAFETY: a live host handle and live strings.
        let status = unsafe {
            (api.static_add_str)(
                self.host,
                key.as_ptr(),
                key.len(),
                value.as_ptr(),
                value.len(),
            )
        };
        static_result(status, key)
    }

    /// Enrichers, in `create`: adds a signed integer field to every
    /// record; see [`Host::add_static_str`].
    pub fn add_static_i64(&self, key: &str, value: i64) -> Result<(), Error> {
        let end = std::mem::offset_of!(abi::asynclog_host_api, static_add_i64)
            + std::mem::size_of::<usize>();
        let api = self.api_with(end).ok_or_else(static_unsupported)?;
        // SAFETY: a live host handle and a live string.
        let status = unsafe { (api.static_add_i64)(self.host, key.as_ptr(), key.len(), value) };
        static_result(status, key)
    }
}

fn static_unsupported() -> Error {
    Error::fatal("the host is older than plugin ABI 1.1 and takes no static fields")
}

fn static_result(status: abi::asynclog_plugin_status, key: &str) -> Result<(), Error> {
    if status == abi::ASYNCLOG_PLUGIN_OK {
        Ok(())
    } else {
        Err(Error::fatal(format!(
            "static field {key:?} refused: static fields are given only in create"
        )))
    }
}

/// Changes to the record being processed; valid for one `process` call.
pub struct Edit<'a> {
    edit: *mut abi::asynclog_record_edit,
    api: &'a abi::asynclog_host_api,
}

impl Edit<'_> {
    /// Adds a string field, unless the event already has one of that
    /// name.
    pub fn add_str(&mut self, key: &str, value: &str) {
        // SAFETY: a live edit handle and live strings.
        unsafe {
            (self.api.edit_add_str)(
                self.edit,
                key.as_ptr(),
                key.len(),
                value.as_ptr(),
                value.len(),
            )
        };
    }

    /// Adds an integer field, unless the event already has one of that
    /// name.
    pub fn add_i64(&mut self, key: &str, value: i64) {
        // SAFETY: a live edit handle and a live string.
        unsafe { (self.api.edit_add_i64)(self.edit, key.as_ptr(), key.len(), value) };
    }

    /// Drops the record; the host counts it as filtered.
    pub fn drop_record(&mut self) {
        // SAFETY: a live edit handle.
        unsafe { (self.api.edit_drop)(self.edit) };
    }

    /// Replaces the value of every field named `key` (in the event's
    /// fields, the bound fields and the context, at any depth) with the
    /// string `value`.
    pub fn replace_str(&mut self, key: &str, value: &str) {
        // SAFETY: a live edit handle and live strings.
        unsafe {
            (self.api.edit_replace_str)(
                self.edit,
                key.as_ptr(),
                key.len(),
                value.as_ptr(),
                value.len(),
            )
        };
    }

    /// Replaces the message.
    pub fn set_message(&mut self, message: &str) {
        // SAFETY: a live edit handle and a live string.
        unsafe { (self.api.edit_set_message)(self.edit, message.as_ptr(), message.len()) };
    }
}

/// Exports a type as the plugin of this shared object. One per crate.
///
/// ```text
/// export_plugin!(KIND TYPE {
///     name: "my-plugin",            // [a-z0-9_-]+
///     description: "One line",
///     schema: SCHEMA,               // &'static [ConfigField]
///     capabilities: 0,              // optional: ASYNCLOG_PLUGIN_CAP_* flags
/// });
/// ```
///
/// `KIND` is `sink` (for a [`Sink`]) or `enricher`, `filter` or
/// `redactor` (for a [`Processor`]). The version is the crate's
/// `CARGO_PKG_VERSION`.
#[macro_export]
macro_rules! export_plugin {
    (sink $ty:ty { $($body:tt)* }) => {
        $crate::__export_plugin!(sink_descriptor, $ty, $crate::abi::ASYNCLOG_PLUGIN_KIND_SINK, $($body)*);
    };
    (enricher $ty:ty { $($body:tt)* }) => {
        $crate::__export_plugin!(processor_descriptor, $ty, $crate::abi::ASYNCLOG_PLUGIN_KIND_ENRICHER, $($body)*);
    };
    (filter $ty:ty { $($body:tt)* }) => {
        $crate::__export_plugin!(processor_descriptor, $ty, $crate::abi::ASYNCLOG_PLUGIN_KIND_FILTER, $($body)*);
    };
    (redactor $ty:ty { $($body:tt)* }) => {
        $crate::__export_plugin!(processor_descriptor, $ty, $crate::abi::ASYNCLOG_PLUGIN_KIND_REDACTOR, $($body)*);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __export_plugin {
    (
        $builder:ident, $ty:ty, $kind:expr,
        name: $name:literal,
        description: $description:literal,
        schema: $schema:expr
        $(, capabilities: $caps:expr)?
        $(,)?
    ) => {
        impl $crate::__private::Described for $ty {
            const SCHEMA: &'static [$crate::ConfigField] = $schema;
        }

        static __ASYNCLOG_PLUGIN_DESCRIPTOR: $crate::abi::asynclog_plugin_descriptor =
            $crate::__private::$builder::<$ty>(
                $kind,
                concat!($name, "\0").as_ptr().cast(),
                concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast(),
                concat!($description, "\0").as_ptr().cast(),
                0 $(| $caps)?,
            );

        /// The asynclog plugin entry point.
        #[unsafe(no_mangle)]
        pub extern "C" fn asynclog_plugin_entry_v1()
        -> *const $crate::abi::asynclog_plugin_descriptor {
            &__ASYNCLOG_PLUGIN_DESCRIPTOR
        }
    };
}
