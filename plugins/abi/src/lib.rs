//! The asynclog plugin ABI, version 1.
//!
//! A plugin is a shared object that exports one function,
//! `asynclog_plugin_entry_v1`, returning a pointer to a static
//! [`asynclog_plugin_descriptor`]. The host checks the descriptor before it
//! calls anything else, validates the user's configuration against the
//! plugin's schema, and then drives the plugin through its callbacks.
//! Plugins never link libasynclog: everything they need from the host comes
//! through the [`asynclog_host_api`] table handed to `create`.
//!
//! This crate is the single source of truth for the ABI: the host and the
//! Rust SDK use these types, and `include/asynclog_plugin.h` is generated
//! from them by cbindgen.
//!
//! # Compatibility policy
//!
//! - A **minor** release may append fields to the end of the descriptor,
//!   the host API table and the record view, and may add status codes,
//!   kinds, capability flags and config types that old plugins never see.
//!   The host reads an appended descriptor field only when the plugin's
//!   `struct_size` covers it and it is non-NULL; a plugin reads an appended
//!   host API entry only when the host's `struct_size` covers it.
//! - Anything else forces a **major** release: removing or reordering a
//!   field, changing a type or a calling convention, or changing what an
//!   existing status or callback means.
//! - The host refuses a plugin built for another major, or for a newer
//!   minor than its own.
//!
//! # Lifetimes
//!
//! Every pointer the host passes (record views, strings, batches, config
//! entries) is borrowed for the duration of the call only; copy what must
//! outlive it. Strings are `(pointer, length)` UTF-8, not NUL-terminated,
//! except the descriptor's static metadata, which is NUL-terminated and
//! must live as long as the shared object.

#![allow(non_camel_case_types)]
#![deny(missing_docs)]
#![no_std]

use core::ffi::{c_char, c_void};

/// ABI major version implemented by this header.
pub const ASYNCLOG_PLUGIN_ABI_MAJOR: u32 = 1;
/// ABI minor version implemented by this header.
pub const ASYNCLOG_PLUGIN_ABI_MINOR: u32 = 2;
/// Magic number opening the sanity block: "ALPG".
pub const ASYNCLOG_PLUGIN_MAGIC: u32 = 0x4750_4c41;

/// The result of a plugin callback: one of the `ASYNCLOG_PLUGIN_*` status
/// values. An integer, not an enum, so that any value a plugin returns is
/// well defined; unknown values are treated as `ASYNCLOG_PLUGIN_ERROR`.
pub type asynclog_plugin_status = i32;
/// Success.
pub const ASYNCLOG_PLUGIN_OK: asynclog_plugin_status = 0;
/// A transient failure: the host retries with backoff.
pub const ASYNCLOG_PLUGIN_RETRY: asynclog_plugin_status = 1;
/// The call failed; the events involved are counted as dropped
/// (`sink_error`) and the instance keeps running.
pub const ASYNCLOG_PLUGIN_ERROR: asynclog_plugin_status = 2;
/// The instance cannot go on: the host retires it.
pub const ASYNCLOG_PLUGIN_FATAL: asynclog_plugin_status = 3;
/// The plugin caught a panic (the Rust SDK returns this): the host retires
/// the instance.
pub const ASYNCLOG_PLUGIN_PANIC: asynclog_plugin_status = 4;
/// `create` refused the configuration.
pub const ASYNCLOG_PLUGIN_BAD_CONFIG: asynclog_plugin_status = 5;

/// What a plugin is: one of the `ASYNCLOG_PLUGIN_KIND_*` values.
pub type asynclog_plugin_kind = u32;
/// Writes batches of encoded records (`write_batch`).
pub const ASYNCLOG_PLUGIN_KIND_SINK: asynclog_plugin_kind = 1;
/// Adds fields to records (`process`).
pub const ASYNCLOG_PLUGIN_KIND_ENRICHER: asynclog_plugin_kind = 2;
/// Keeps or drops records (`process`).
pub const ASYNCLOG_PLUGIN_KIND_FILTER: asynclog_plugin_kind = 3;
/// Replaces field values (`process`).
pub const ASYNCLOG_PLUGIN_KIND_REDACTOR: asynclog_plugin_kind = 4;

/// Capability flag: the plugin's callbacks may be called from several
/// threads at once for one instance. Without it the host serialises calls.
pub const ASYNCLOG_PLUGIN_CAP_THREAD_SAFE: u64 = 1;
/// Capability flag: a sink may accept part of a batch (`accepted` <
/// `count`); the host then retries the rest.
pub const ASYNCLOG_PLUGIN_CAP_PARTIAL_BATCH: u64 = 2;
/// Enrichers (since minor 1): every field the instance adds is static,
/// given with `static_add_*` during `create`, so the host never calls
/// `process` per record.
pub const ASYNCLOG_PLUGIN_CAP_STATIC_ONLY: u64 = 4;

/// The type of a configuration field: one of the `ASYNCLOG_CONFIG_*`
/// values.
pub type asynclog_config_type = u32;
/// UTF-8 text.
pub const ASYNCLOG_CONFIG_STRING: asynclog_config_type = 1;
/// A signed 64-bit integer.
pub const ASYNCLOG_CONFIG_INT: asynclog_config_type = 2;
/// A boolean.
pub const ASYNCLOG_CONFIG_BOOL: asynclog_config_type = 3;
/// A double.
pub const ASYNCLOG_CONFIG_FLOAT: asynclog_config_type = 4;
/// A byte size, given as an integer or a string such as `"64KiB"`;
/// passed as `u64` bytes.
pub const ASYNCLOG_CONFIG_SIZE: asynclog_config_type = 5;
/// A duration, given as milliseconds or a string such as `"5s"`; passed
/// as `u64` milliseconds.
pub const ASYNCLOG_CONFIG_DURATION: asynclog_config_type = 6;
/// A list of strings.
pub const ASYNCLOG_CONFIG_LIST: asynclog_config_type = 7;

/// Config field flag: the user must set it.
pub const ASYNCLOG_CONFIG_REQUIRED: u32 = 1;
/// Config field flag: a secret (token, password). The host never shows
/// its value in errors, dumps or logs.
pub const ASYNCLOG_CONFIG_SECRET: u32 = 2;

/// A borrowed run of bytes (UTF-8 text where a string is meant).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asynclog_bytes {
    /// The first byte; may be NULL when `len` is 0.
    pub ptr: *const u8,
    /// Number of bytes.
    pub len: usize,
}

/// One entry of a plugin's configuration schema.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asynclog_config_field {
    /// The key, NUL-terminated, static.
    pub name: *const c_char,
    /// One of the `ASYNCLOG_CONFIG_*` types.
    pub type_: asynclog_config_type,
    /// `ASYNCLOG_CONFIG_REQUIRED` and `ASYNCLOG_CONFIG_SECRET` flags.
    pub flags: u32,
    /// What it does, NUL-terminated, static; may be NULL.
    pub description: *const c_char,
}

/// The value of one configuration entry, by its schema type.
#[repr(C)]
#[derive(Clone, Copy)]
pub union asynclog_config_value {
    /// `ASYNCLOG_CONFIG_STRING`.
    pub string: asynclog_bytes,
    /// `ASYNCLOG_CONFIG_INT`.
    pub integer: i64,
    /// `ASYNCLOG_CONFIG_BOOL`: 0 or 1.
    pub boolean: u8,
    /// `ASYNCLOG_CONFIG_FLOAT`.
    pub number: f64,
    /// `ASYNCLOG_CONFIG_SIZE` (bytes) and `ASYNCLOG_CONFIG_DURATION`
    /// (milliseconds).
    pub quantity: u64,
    /// `ASYNCLOG_CONFIG_LIST`: `list.len` strings at `list.items`.
    pub list: asynclog_config_list,
}

/// A list of strings in a configuration entry.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asynclog_config_list {
    /// The strings.
    pub items: *const asynclog_bytes,
    /// How many.
    pub len: usize,
}

/// One configuration entry the user set, validated against the schema.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct asynclog_config_entry {
    /// The key (one of the schema's names).
    pub name: asynclog_bytes,
    /// Its schema type.
    pub type_: asynclog_config_type,
    /// Its value.
    pub value: asynclog_config_value,
}

/// A record as plugins see it: borrowed for the duration of the call.
///
/// `context`, `bound` and `fields` are field lists in asynclog's field
/// encoding (see `asynclog.h`); the host API offers no parser, since the
/// format is small and documented.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asynclog_record_view {
    /// One of the `ASYNCLOG_LEVEL_*` values of `asynclog.h`.
    pub level: u32,
    /// Nanoseconds since the Unix epoch, taken at the call.
    pub ts_nanos: u64,
    /// The logger's name.
    pub logger: asynclog_bytes,
    /// The message.
    pub message: asynclog_bytes,
    /// Context fields captured at the call.
    pub context: asynclog_bytes,
    /// The logger's bound fields.
    pub bound: asynclog_bytes,
    /// The event's own fields.
    pub fields: asynclog_bytes,
}

/// An opaque handle through which a `process` callback changes the record
/// it was given, with the host API's `edit_*` functions. Valid only during
/// that `process` call; the host ignores edits made through a stale
/// handle. Edits take effect together once `process` returns
/// `ASYNCLOG_PLUGIN_OK`; with any other status they are discarded.
pub struct asynclog_record_edit {
    _private: [u8; 0],
}

/// An opaque handle the host passes to `create`; pass it back to host API
/// calls that take one.
pub struct asynclog_host {
    _private: [u8; 0],
}

/// What the host offers plugins. Check `struct_size` before using an entry
/// added in a later minor version.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct asynclog_host_api {
    /// Size of this table as the host was built.
    pub struct_size: u32,
    /// The host's ABI major version.
    pub abi_major: u32,
    /// The host's ABI minor version.
    pub abi_minor: u32,
    /// Writes a diagnostic line about the plugin (to the host's own
    /// diagnostic channel, never into the log stream). `level` is an
    /// `ASYNCLOG_LEVEL_*` value.
    pub log:
        unsafe extern "C" fn(host: *const asynclog_host, level: u32, msg: *const u8, len: usize),
    /// Sets the error message for the current failing callback; the host
    /// copies it, so no memory crosses allocators.
    pub set_error: unsafe extern "C" fn(host: *const asynclog_host, msg: *const u8, len: usize),
    /// Wall-clock time, nanoseconds since the Unix epoch.
    pub now_nanos: unsafe extern "C" fn() -> u64,
    /// Adds `delta` to the plugin's counter `name`, reported in the
    /// logger's health and metrics.
    pub counter_add:
        unsafe extern "C" fn(host: *const asynclog_host, name: *const u8, len: usize, delta: u64),
    /// Enrichers: adds a string field to the record being processed.
    pub edit_add_str: unsafe extern "C" fn(
        edit: *mut asynclog_record_edit,
        key: *const u8,
        key_len: usize,
        value: *const u8,
        value_len: usize,
    ),
    /// Enrichers: adds a signed integer field.
    pub edit_add_i64: unsafe extern "C" fn(
        edit: *mut asynclog_record_edit,
        key: *const u8,
        key_len: usize,
        value: i64,
    ),
    /// Filters: drops the record (counted as filtered).
    pub edit_drop: unsafe extern "C" fn(edit: *mut asynclog_record_edit),
    /// Redactors: replaces the value of every field named `key`, whatever
    /// its type (a nested object or array included), with the string
    /// `value`. It applies to the event's fields, the bound fields and the
    /// context, at the top level and nested at any depth.
    pub edit_replace_str: unsafe extern "C" fn(
        edit: *mut asynclog_record_edit,
        key: *const u8,
        key_len: usize,
        value: *const u8,
        value_len: usize,
    ),
    /// Redactors: replaces the record's message with `value`.
    pub edit_set_message:
        unsafe extern "C" fn(edit: *mut asynclog_record_edit, value: *const u8, value_len: usize),
    /// Enrichers, during `create` only (since minor 1): adds a string
    /// field to every record the instance processes. The host encodes it
    /// once and adds it to each record before `process` would see it; a
    /// field the event has itself keeps the event's value. Returns
    /// `ASYNCLOG_PLUGIN_OK`, or `ASYNCLOG_PLUGIN_ERROR` outside `create`.
    pub static_add_str: unsafe extern "C" fn(
        host: *const asynclog_host,
        key: *const u8,
        key_len: usize,
        value: *const u8,
        value_len: usize,
    ) -> asynclog_plugin_status,
    /// Enrichers, during `create` only (since minor 1): adds a signed
    /// integer field to every record; see `static_add_str`.
    pub static_add_i64: unsafe extern "C" fn(
        host: *const asynclog_host,
        key: *const u8,
        key_len: usize,
        value: i64,
    ) -> asynclog_plugin_status,
}

/// The sizes of the ABI's structures as the plugin was compiled, checked
/// by the host against its own before anything else.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct asynclog_plugin_sanity {
    /// `ASYNCLOG_PLUGIN_MAGIC`.
    pub magic: u32,
    /// `sizeof(asynclog_record_view)`.
    pub record_view_size: u32,
    /// `sizeof(asynclog_host_api)`.
    pub host_api_size: u32,
    /// `sizeof(asynclog_config_entry)`.
    pub config_entry_size: u32,
}

/// What a plugin exports. Static, and valid for the life of the process.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct asynclog_plugin_descriptor {
    /// `sizeof(asynclog_plugin_descriptor)` as the plugin was compiled.
    pub struct_size: u32,
    /// `ASYNCLOG_PLUGIN_ABI_MAJOR` as the plugin was compiled.
    pub abi_major: u32,
    /// `ASYNCLOG_PLUGIN_ABI_MINOR` as the plugin was compiled.
    pub abi_minor: u32,
    /// Sizes of the other structures as the plugin was compiled.
    pub sanity: asynclog_plugin_sanity,
    /// Unique name, NUL-terminated: `[a-z0-9_-]+`.
    pub name: *const c_char,
    /// The plugin's own version, NUL-terminated.
    pub version: *const c_char,
    /// One line saying what it does, NUL-terminated.
    pub description: *const c_char,
    /// One of the `ASYNCLOG_PLUGIN_KIND_*` values.
    pub kind: asynclog_plugin_kind,
    /// `ASYNCLOG_PLUGIN_CAP_*` flags.
    pub capabilities: u64,
    /// The configuration schema.
    pub config_fields: *const asynclog_config_field,
    /// Entries in `config_fields`.
    pub config_field_count: usize,
    /// Required. Creates an instance from validated configuration and
    /// stores it in `*instance_out`; returns `ASYNCLOG_PLUGIN_BAD_CONFIG`
    /// (with `set_error`) to refuse the configuration. `host` and `api`
    /// stay valid until `destroy` returns, so the instance may keep them;
    /// `config` is borrowed for this call only. `config` holds one entry
    /// per key the user set, in schema order; keys not set are absent.
    pub create: Option<
        unsafe extern "C" fn(
            host: *const asynclog_host,
            api: *const asynclog_host_api,
            config: *const asynclog_config_entry,
            config_len: usize,
            instance_out: *mut *mut c_void,
        ) -> asynclog_plugin_status,
    >,
    /// Required. Frees an instance; called once, never after a failed
    /// `create`.
    pub destroy: Option<unsafe extern "C" fn(instance: *mut c_void)>,
    /// Required for enrichers, filters and redactors: looks at one record
    /// and changes it through `edit`.
    pub process: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            record: *const asynclog_record_view,
            edit: *mut asynclog_record_edit,
        ) -> asynclog_plugin_status,
    >,
    /// Required for sinks: writes `count` encoded lines (each a complete
    /// record, newline included) and stores how many it accepted in
    /// `*accepted`: all of them with `ASYNCLOG_PLUGIN_OK`; with
    /// `ASYNCLOG_PLUGIN_CAP_PARTIAL_BATCH`, fewer together with
    /// `ASYNCLOG_PLUGIN_RETRY`, and the host retries the rest.
    pub write_batch: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            lines: *const asynclog_bytes,
            count: usize,
            accepted: *mut usize,
        ) -> asynclog_plugin_status,
    >,
    /// Optional: pushes out anything buffered, waiting at most
    /// `timeout_ms`.
    pub flush: Option<
        unsafe extern "C" fn(instance: *mut c_void, timeout_ms: u64) -> asynclog_plugin_status,
    >,
    /// Optional: `ASYNCLOG_PLUGIN_OK` when healthy, otherwise another
    /// status with `set_error` saying why.
    pub health: Option<unsafe extern "C" fn(instance: *mut c_void) -> asynclog_plugin_status>,
    /// Optional, since minor 2, for enrichers, filters and redactors: the
    /// work of `process` for `count` records in one call, which the host
    /// then makes instead of `count` calls to `process`. Record `i` is
    /// `records[i]`, changed through `edits[i]`, and its status (what
    /// `process` would have returned for it) goes in `statuses[i]`.
    ///
    /// Records are processed in order. Returns how many were processed:
    /// `count`, or fewer when processing stopped at a record whose status
    /// is `ASYNCLOG_PLUGIN_FATAL` or `ASYNCLOG_PLUGIN_PANIC`. The host then
    /// retires the instance, and the records after that one pass the stage
    /// unchanged. A shorter return that does not end on one of those two
    /// counts as `ASYNCLOG_PLUGIN_FATAL`. Only the first `n` statuses
    /// returned are read, and the message set with `set_error` during the
    /// call belongs to the last record whose status is not OK.
    ///
    /// A plugin that has it must still have `process`, which hosts of
    /// minor 1 call, and both must treat a record the same way.
    pub process_batch: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            records: *const asynclog_record_view,
            edits: *const *mut asynclog_record_edit,
            statuses: *mut asynclog_plugin_status,
            count: usize,
        ) -> usize,
    >,
}

// SAFETY: a descriptor is immutable static data; its pointers refer to
// static strings and functions.
unsafe impl Sync for asynclog_plugin_descriptor {}

/// The entry point every plugin exports.
pub type asynclog_plugin_entry_v1_fn = unsafe extern "C" fn() -> *const asynclog_plugin_descriptor;

/// The symbol name of the entry point, NUL-terminated.
pub const ASYNCLOG_PLUGIN_ENTRY_SYMBOL: &[u8] = b"asynclog_plugin_entry_v1\0";

/// The sanity block matching this crate's definitions.
pub const fn sanity() -> asynclog_plugin_sanity {
    asynclog_plugin_sanity {
        magic: ASYNCLOG_PLUGIN_MAGIC,
        record_view_size: core::mem::size_of::<asynclog_record_view>() as u32,
        host_api_size: core::mem::size_of::<asynclog_host_api>() as u32,
        config_entry_size: core::mem::size_of::<asynclog_config_entry>() as u32,
    }
}
