//! What `export_plugin!` expands to: the descriptor builders and the
//! `extern "C"` adapters. Not a public API.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;
use std::time::Duration;

use crate::{Config, ConfigField, Edit, Error, Host, Processor, Record, Sink, abi};

/// The schema `export_plugin!` attaches to the plugin type.
pub trait Described {
    /// The plugin's settings.
    const SCHEMA: &'static [ConfigField];
}

/// What an instance pointer points to.
struct Instance<T> {
    plugin: T,
    host: Host,
}

/// The message of a caught panic.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with a non-text payload".to_string());
    format!("panicked: {text}")
}

thread_local! {
    /// Set while a callback runs on this thread.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic inside a callback happened.
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs, once, a panic hook that keeps panics inside callbacks off
/// standard error (their message reaches the host instead, with the
/// location) and leaves every other panic to the hook it replaced. It is
/// this shared object's own hook: the host's standard library has its
/// own.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_CALLBACK.with(Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                PANIC_AT.with(|p| *p.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into `PANIC` with its message set on `host`.
#[inline]
fn guard(host: Option<&Host>, f: impl FnOnce() -> abi::asynclog_plugin_status) -> i32 {
    install_hook();
    // One thread-local lookup for both the mark and its removal: in a
    // shared object each lookup is a call.
    let result = IN_CALLBACK.with(|flag| {
        let outer = flag.replace(true);
        let result = catch_unwind(AssertUnwindSafe(f));
        flag.set(outer);
        result
    });
    match result {
        Ok(status) => status,
        Err(payload) => panicked(host, payload),
    }
}

/// What a caught panic turns into; out of line, off the common path.
#[cold]
#[inline(never)]
fn panicked(host: Option<&Host>, payload: Box<dyn Any + Send>) -> i32 {
    if let Some(host) = host {
        let mut message = panic_message(&*payload);
        if let Some(at) = PANIC_AT.with(|p| p.borrow_mut().take()) {
            message = format!("{message} (at {at})");
        }
        host.set_error(&message);
    }
    abi::ASYNCLOG_PLUGIN_PANIC
}

fn status(host: &Host, result: Result<(), Error>) -> i32 {
    match result {
        Ok(()) => abi::ASYNCLOG_PLUGIN_OK,
        Err(e) => {
            host.set_error(&e.message);
            e.status()
        }
    }
}

/// # Safety
/// `instance` must come from `create` of this type and not be destroyed.
unsafe fn instance<'a, T>(instance: *mut c_void) -> &'a mut Instance<T> {
    // SAFETY: as the caller promises.
    unsafe { &mut *instance.cast::<Instance<T>>() }
}

unsafe fn create<T: Described>(
    host: *const abi::asynclog_host,
    api: *const abi::asynclog_host_api,
    config: *const abi::asynclog_config_entry,
    config_len: usize,
    out: *mut *mut c_void,
    make: fn(&Config, &Host) -> Result<T, Error>,
) -> i32 {
    let host = Host { host, api };
    if api.is_null() || out.is_null() {
        return abi::ASYNCLOG_PLUGIN_ERROR;
    }
    guard(Some(&host), || {
        // SAFETY: the host passes `config_len` valid entries.
        let config = unsafe { Config::from_abi(T::SCHEMA, config, config_len) };
        match make(&config, &host) {
            Ok(plugin) => {
                let boxed = Box::new(Instance { plugin, host });
                // SAFETY: checked non-NULL above.
                unsafe { *out = Box::into_raw(boxed).cast() };
                abi::ASYNCLOG_PLUGIN_OK
            }
            Err(e) => {
                host.set_error(&e.message);
                e.status()
            }
        }
    })
}

unsafe extern "C" fn create_processor<P: Processor + Described>(
    host: *const abi::asynclog_host,
    api: *const abi::asynclog_host_api,
    config: *const abi::asynclog_config_entry,
    config_len: usize,
    out: *mut *mut c_void,
) -> i32 {
    // SAFETY: the ABI's contract for `create`.
    unsafe { create::<P>(host, api, config, config_len, out, P::create) }
}

unsafe extern "C" fn create_sink<S: Sink + Described>(
    host: *const abi::asynclog_host,
    api: *const abi::asynclog_host_api,
    config: *const abi::asynclog_config_entry,
    config_len: usize,
    out: *mut *mut c_void,
) -> i32 {
    // SAFETY: the ABI's contract for `create`.
    unsafe { create::<S>(host, api, config, config_len, out, S::create) }
}

unsafe extern "C" fn destroy<T>(ptr: *mut c_void) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: created by `create` as a `Box<Instance<T>>`, destroyed once.
    let boxed = unsafe { Box::from_raw(ptr.cast::<Instance<T>>()) };
    // A panic in a destructor has nowhere to go: swallow it.
    let _ = catch_unwind(AssertUnwindSafe(move || drop(boxed)));
}

unsafe extern "C" fn process<P: Processor>(
    ptr: *mut c_void,
    record: *const abi::asynclog_record_view,
    edit: *mut abi::asynclog_record_edit,
) -> i32 {
    if ptr.is_null() || record.is_null() {
        return abi::ASYNCLOG_PLUGIN_ERROR;
    }
    // SAFETY: the ABI's contract for `process`.
    let inst = unsafe { instance::<P>(ptr) };
    let host = inst.host;
    // SAFETY: the host's table outlives the instance.
    let Some(api) = (unsafe { host.api.as_ref() }) else {
        return abi::ASYNCLOG_PLUGIN_ERROR;
    };
    guard(Some(&host), || {
        // SAFETY: the view is valid for the call.
        let record = unsafe { Record::from_abi(&*record) };
        let mut edit = Edit { edit, api };
        status(&host, inst.plugin.process(&record, &mut edit))
    })
}

/// `process` for a chunk of records, in one guard: one panic boundary and
/// one host lookup per chunk instead of per record.
unsafe extern "C" fn process_batch<P: Processor>(
    ptr: *mut c_void,
    records: *const abi::asynclog_record_view,
    edits: *const *mut abi::asynclog_record_edit,
    statuses: *mut abi::asynclog_plugin_status,
    count: usize,
) -> usize {
    if count == 0 {
        return 0;
    }
    if statuses.is_null() {
        return 0;
    }
    if ptr.is_null() || records.is_null() || edits.is_null() {
        // SAFETY: `count` status slots, as the ABI promises.
        unsafe { std::slice::from_raw_parts_mut(statuses, count) }.fill(abi::ASYNCLOG_PLUGIN_ERROR);
        return count;
    }
    // SAFETY: the ABI's contract for `process_batch`: `count` views, edit
    // handles and status slots, valid for the call.
    let (inst, records, edits, statuses) = unsafe {
        (
            instance::<P>(ptr),
            std::slice::from_raw_parts(records, count),
            std::slice::from_raw_parts(edits, count),
            std::slice::from_raw_parts_mut(statuses, count),
        )
    };
    let host = inst.host;
    // SAFETY: the host's table outlives the instance.
    let Some(api) = (unsafe { host.api.as_ref() }) else {
        statuses.fill(abi::ASYNCLOG_PLUGIN_ERROR);
        return count;
    };
    // The record being processed, and so, after a panic, the one that
    // panicked.
    let mut at = 0;
    let mut stopped = None;
    let status = guard(Some(&host), || {
        let each = records.iter().zip(edits).zip(statuses.iter_mut());
        for (i, ((view, &edit), slot)) in each.enumerate() {
            at = i;
            // SAFETY: the view is valid for the call.
            let record = unsafe { Record::from_abi(view) };
            let mut edit = Edit { edit, api };
            *slot = match inst.plugin.process(&record, &mut edit) {
                Ok(()) => abi::ASYNCLOG_PLUGIN_OK,
                Err(e) => {
                    host.set_error(&e.message);
                    let status = e.status();
                    if matches!(
                        status,
                        abi::ASYNCLOG_PLUGIN_FATAL | abi::ASYNCLOG_PLUGIN_PANIC
                    ) {
                        *slot = status;
                        stopped = Some(i + 1);
                        break;
                    }
                    status
                }
            };
        }
        abi::ASYNCLOG_PLUGIN_OK
    });
    if status == abi::ASYNCLOG_PLUGIN_PANIC {
        // The guard caught a panic and set its message on the host.
        statuses[at] = abi::ASYNCLOG_PLUGIN_PANIC;
        return at + 1;
    }
    stopped.unwrap_or(count)
}

unsafe extern "C" fn write_batch<S: Sink>(
    ptr: *mut c_void,
    lines: *const abi::asynclog_bytes,
    count: usize,
    accepted: *mut usize,
) -> i32 {
    if ptr.is_null() || (lines.is_null() && count > 0) || accepted.is_null() {
        return abi::ASYNCLOG_PLUGIN_ERROR;
    }
    // SAFETY: the ABI's contract for `write_batch`.
    let inst = unsafe { instance::<S>(ptr) };
    let host = inst.host;
    // SAFETY: checked non-NULL.
    unsafe { *accepted = 0 };
    guard(Some(&host), || {
        let lines: Vec<&[u8]> = (0..count)
            .map(|i| {
                // SAFETY: `count` valid byte runs, live for the call.
                let b = unsafe { *lines.add(i) };
                if b.ptr.is_null() || b.len == 0 {
                    &[][..]
                } else {
                    // SAFETY: as above.
                    unsafe { std::slice::from_raw_parts(b.ptr, b.len) }
                }
            })
            .collect();
        match inst.plugin.write_batch(&lines) {
            Ok(n) => {
                let n = n.min(count);
                // SAFETY: checked non-NULL.
                unsafe { *accepted = n };
                if n == count {
                    abi::ASYNCLOG_PLUGIN_OK
                } else {
                    abi::ASYNCLOG_PLUGIN_RETRY
                }
            }
            Err(e) => {
                host.set_error(&e.message);
                e.status()
            }
        }
    })
}

unsafe extern "C" fn flush_processor<P: Processor>(ptr: *mut c_void, timeout_ms: u64) -> i32 {
    if ptr.is_null() {
        return abi::ASYNCLOG_PLUGIN_ERROR;
    }
    // SAFETY: the ABI's contract for `flush`.
    let inst = unsafe { instance::<P>(ptr) };
    let host = inst.host;
    let timeout = Duration::from_millis(timeout_ms);
    guard(Some(&host), || status(&host, inst.plugin.flush(timeout)))
}

unsafe extern "C" fn flush_sink<S: Sink>(ptr: *mut c_void, timeout_ms: u64) -> i32 {
    if ptr.is_null() {
        return abi::ASYNCLOG_PLUGIN_ERROR;
    }
    // SAFETY: the ABI's contract for `flush`.
    let inst = unsafe { instance::<S>(ptr) };
    let host = inst.host;
    let timeout = Duration::from_millis(timeout_ms);
    guard(Some(&host), || status(&host, inst.plugin.flush(timeout)))
}

unsafe extern "C" fn health_processor<P: Processor>(ptr: *mut c_void) -> i32 {
    if ptr.is_null() {
        return abi::ASYNCLOG_PLUGIN_ERROR;
    }
    // SAFETY: the ABI's contract for `health`.
    let inst = unsafe { instance::<P>(ptr) };
    let host = inst.host;
    guard(Some(&host), || status(&host, inst.plugin.health()))
}

unsafe extern "C" fn health_sink<S: Sink>(ptr: *mut c_void) -> i32 {
    if ptr.is_null() {
        return abi::ASYNCLOG_PLUGIN_ERROR;
    }
    // SAFETY: the ABI's contract for `health`.
    let inst = unsafe { instance::<S>(ptr) };
    let host = inst.host;
    guard(Some(&host), || status(&host, inst.plugin.health()))
}

const fn base(
    kind: abi::asynclog_plugin_kind,
    name: *const c_char,
    version: *const c_char,
    description: *const c_char,
    capabilities: u64,
    schema: &'static [ConfigField],
) -> abi::asynclog_plugin_descriptor {
    abi::asynclog_plugin_descriptor {
        struct_size: std::mem::size_of::<abi::asynclog_plugin_descriptor>() as u32,
        abi_major: abi::ASYNCLOG_PLUGIN_ABI_MAJOR,
        abi_minor: abi::ASYNCLOG_PLUGIN_ABI_MINOR,
        sanity: abi::sanity(),
        name,
        version,
        description,
        kind,
        capabilities,
        config_fields: schema.as_ptr().cast(),
        config_field_count: schema.len(),
        create: None,
        destroy: None,
        process: None,
        write_batch: None,
        process_batch: None,
        flush: None,
        health: None,
    }
}

/// The descriptor of a processor plugin.
pub const fn processor_descriptor<P: Processor + Described>(
    kind: abi::asynclog_plugin_kind,
    name: *const c_char,
    version: *const c_char,
    description: *const c_char,
    capabilities: u64,
) -> abi::asynclog_plugin_descriptor {
    let mut d = base(kind, name, version, description, capabilities, P::SCHEMA);
    d.create = Some(create_processor::<P>);
    d.destroy = Some(destroy::<P>);
    d.process = Some(process::<P>);
    d.process_batch = Some(process_batch::<P>);
    d.flush = Some(flush_processor::<P>);
    d.health = Some(health_processor::<P>);
    d
}

/// The descriptor of a sink plugin.
pub const fn sink_descriptor<S: Sink + Described>(
    kind: abi::asynclog_plugin_kind,
    name: *const c_char,
    version: *const c_char,
    description: *const c_char,
    capabilities: u64,
) -> abi::asynclog_plugin_descriptor {
    let mut d = base(kind, name, version, description, capabilities, S::SCHEMA);
    d.create = Some(create_sink::<S>);
    d.destroy = Some(destroy::<S>);
    d.write_batch = Some(write_batch::<S>);
    d.flush = Some(flush_sink::<S>);
    d.health = Some(health_sink::<S>);
    d
}
