//! The native half of the Node.js binding: a thin napi-rs layer over
//! `asynclog-core`.
//!
//! The JavaScript half (`lib/`) builds each event in the core's field
//! encoding (see `asynclog_core::record`) into one reused `Buffer` that it
//! registered once with [`set_scratch`]: a small header naming the logger,
//! the context and the level, then the message and the fields. Logging is
//! then one call without arguments, [`emit`]. Calls into napi-rs class
//! methods cost several times a plain function call (the receiver is
//! unwrapped and type-checked), and each argument costs a type check and a
//! conversion, so the hot path takes none: loggers and contexts are named by
//! numbers into a per-thread registry instead.
//!
//! Context kept in `AsyncLocalStorage` arrives as the number of a
//! [`NativeContext`], encoded once when its scope was entered.
//!
//! Nothing here blocks the event loop on I/O: `flush` and `close` wait on a
//! thread of their own and settle a Promise; only the `*Sync` forms, meant
//! for the process's `exit` handler, wait on the calling thread.

#![deny(clippy::all)]

use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::time::Duration;

use asynclog_core::config::Config;
use asynclog_core::context::Context;
use asynclog_core::{EncodedError, FieldWriter, Level, Logger, copy_encoded};
use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

/// The level with this number, or a `RangeError`-style error.
fn level_from(n: u32) -> Result<Level> {
    u8::try_from(n)
        .ok()
        .and_then(Level::from_u8)
        .ok_or_else(|| Error::new(Status::InvalidArg, format!("no level numbered {n}")))
}

fn encoding_error(e: EncodedError) -> Error {
    Error::new(
        Status::InvalidArg,
        format!(
            "malformed field encoding at byte {}: {}",
            e.offset, e.reason
        ),
    )
}

/// Milliseconds from JavaScript as a duration; negative or NaN is zero.
fn millis(ms: f64) -> Duration {
    if ms.is_finite() && ms > 0.0 {
        Duration::from_secs_f64(ms / 1000.0)
    } else {
        Duration::ZERO
    }
}

/// The part `[start, end)` of `buf`, or an error naming the bounds.
fn span(buf: &[u8], start: u32, end: u32) -> Result<&[u8]> {
    let (start, end) = (start as usize, end as usize);
    if start > end || end > buf.len() {
        return Err(Error::new(
            Status::InvalidArg,
            format!(
                "range {start}..{end} is outside a buffer of {} bytes",
                buf.len()
            ),
        ));
    }
    Ok(&buf[start..end])
}

/// Bytes before the message in the scratch buffer: logger id, context id
/// (0 for none), level, message length, fields length; each a `u32`.
pub const HEADER_BYTES: u32 = 20;

/// Loggers and contexts of this thread by number, and the scratch buffer.
/// Each JavaScript thread (the main one, each worker) has its own; napi
/// finalizers run on the thread that owns the object, so entries are
/// added and removed on one thread.
#[derive(Default)]
struct Registry {
    loggers: Slab<Logger>,
    contexts: Slab<Context>,
    /// Held by a reference so it stays alive while registered. Not dropped
    /// when the thread ends: the JavaScript environment is gone by then.
    scratch: Option<ManuallyDrop<Buffer>>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::default();
}

/// Values by number, from 1; freed numbers are reused.
struct Slab<T> {
    items: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    fn insert(&mut self, item: T) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.items[id as usize - 1] = Some(item);
                id
            }
            None => {
                self.items.push(Some(item));
                self.items.len() as u32
            }
        }
    }

    #[inline]
    fn get(&self, id: u32) -> Option<&T> {
        self.items.get((id as usize).wrapping_sub(1))?.as_ref()
    }

    fn remove(&mut self, id: u32) {
        if let Some(slot) = self.items.get_mut((id as usize).wrapping_sub(1))
            && slot.take().is_some()
        {
            self.free.push(id);
        }
    }
}

fn register_logger(logger: Logger) -> u32 {
    REGISTRY.with(|r| r.borrow_mut().loggers.insert(logger))
}

fn register_context(context: Context) -> u32 {
    REGISTRY.with(|r| r.borrow_mut().contexts.insert(context))
}

#[inline]
fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Registers `buf` as this thread's scratch buffer for [`emit`]. The
/// previous one, if any, is released.
#[napi]
pub fn set_scratch(buf: Buffer) -> Result<()> {
    if buf.len() < HEADER_BYTES as usize {
        return Err(Error::new(
            Status::InvalidArg,
            format!("the scratch buffer needs at least {HEADER_BYTES} bytes"),
        ));
    }
    let old = REGISTRY.with(|r| r.borrow_mut().scratch.replace(ManuallyDrop::new(buf)));
    drop(old.map(ManuallyDrop::into_inner));
    Ok(())
}

/// Logs the event the scratch buffer holds: a header of five
/// little-endian `u32` (logger id, context id or 0, level, message bytes,
/// field bytes), the message, then the fields in the field encoding. The
/// hot path: no arguments, one registry lookup.
#[napi]
pub fn emit() -> Result<()> {
    REGISTRY.with(|r| {
        let r = r.borrow();
        let Some(buf) = r.scratch.as_deref() else {
            return Err(Error::from_reason("emit: no scratch buffer registered"));
        };
        let b: &[u8] = buf;
        let msg_len = le32(b, 12) as usize;
        let fields_len = le32(b, 16) as usize;
        let start = HEADER_BYTES as usize;
        let end = start
            .checked_add(msg_len)
            .and_then(|m| m.checked_add(fields_len))
            .filter(|&e| e <= b.len())
            .ok_or_else(|| Error::new(Status::InvalidArg, "emit: lengths run past the buffer"))?;
        let message = &b[start..start + msg_len];
        let fields = &b[start + msg_len..end];
        let logger = r
            .loggers
            .get(le32(b, 0))
            .ok_or_else(|| Error::new(Status::InvalidArg, "emit: no such logger"))?;
        let level = level_from(le32(b, 8))?;
        let result = match le32(b, 4) {
            0 => logger.log_encoded(level, message, fields),
            id => {
                let context = r
                    .contexts
                    .get(id)
                    .ok_or_else(|| Error::new(Status::InvalidArg, "emit: no such context"))?;
                logger.log_encoded_in_context(level, message, context, fields)
            }
        };
        result.map(|_| ()).map_err(encoding_error)
    })
}

/// Runs `f` with the logger and the context (if `context` is not 0)
/// these numbers name.
fn with_entry<R>(
    logger: u32,
    context: u32,
    f: impl FnOnce(&Logger, &Context) -> Result<R>,
) -> Result<R> {
    REGISTRY.with(|r| {
        let r = r.borrow();
        let logger = r
            .loggers
            .get(logger)
            .ok_or_else(|| Error::new(Status::InvalidArg, "no such logger"))?;
        let empty = Context::default();
        let context = match context {
            0 => &empty,
            id => r
                .contexts
                .get(id)
                .ok_or_else(|| Error::new(Status::InvalidArg, "no such context"))?,
        };
        f(logger, context)
    })
}

/// Logs one event from a buffer passed with the call: `buf[0..msg_end]`
/// is the message and `buf[msg_end..end]` the fields. For encoders other
/// than the registered one (an event logged while another is being
/// encoded), and one of the encodings measured against [`emit`].
#[napi]
pub fn log_buffer(
    logger: u32,
    context: u32,
    level: u32,
    buf: BufferSlice,
    msg_end: u32,
    end: u32,
) -> Result<()> {
    let level = level_from(level)?;
    let message = span(&buf, 0, msg_end)?;
    let fields = span(&buf, msg_end, end)?;
    with_entry(logger, context, |l, c| {
        l.log_encoded_in_context(level, message, c, fields)
            .map(|_| ())
            .map_err(encoding_error)
    })
}

/// Logs one event whose fields are a JSON object text, parsed here. One
/// of the encodings measured against [`emit`]; also a way to log a
/// document that is already JSON.
#[napi]
pub fn log_json(
    logger: u32,
    context: u32,
    level: u32,
    message: String,
    json: String,
) -> Result<()> {
    let level = level_from(level)?;
    let value: serde_json::Value = serde_json::from_str(&json)
        .map_err(|e| Error::new(Status::InvalidArg, format!("fields: {e}")))?;
    let serde_json::Value::Object(map) = value else {
        return Err(Error::new(
            Status::InvalidArg,
            "fields: expected a JSON object",
        ));
    };
    with_entry(logger, context, |l, c| {
        l.log_in_context(level, message.as_bytes(), c, |w| {
            for (k, v) in &map {
                write_json(w, Some(k.as_bytes()), v);
            }
        });
        Ok(())
    })
}

/// Logs one event whose fields are read from a JavaScript object with
/// napi calls for every property and value. The slowest of the encodings
/// measured; kept so the measurement can be repeated.
#[napi]
pub fn log_object(
    env: Env,
    logger: u32,
    context: u32,
    level: u32,
    message: String,
    fields: Object,
) -> Result<()> {
    let level = level_from(level)?;
    let raw_env = env.raw();
    with_entry(logger, context, |l, c| {
        let depth = 64;
        let mut failed = None;
        l.log_in_context(level, message.as_bytes(), c, |w| {
            if let Err(e) = unsafe { write_js_object(raw_env, fields.raw(), w, depth) } {
                failed = Some(e);
            }
        });
        failed.map_or(Ok(()), Err)
    })
}

/// Context fields encoded once, carried by JavaScript in
/// `AsyncLocalStorage` and handed to every call logged inside its scope.
#[napi]
pub struct NativeContext {
    inner: Context,
    id: u32,
}

impl Drop for NativeContext {
    fn drop(&mut self) {
        REGISTRY.with(|r| r.borrow_mut().contexts.remove(self.id));
    }
}

#[napi]
impl NativeContext {
    /// A context from encoded fields, added to `outer` when given (keys of
    /// the new fields win). Malformed input is refused with its offset.
    #[napi(factory)]
    pub fn from_encoded(fields: BufferSlice, outer: Option<&NativeContext>) -> Result<Self> {
        let inner = Context::from_encoded(&fields).map_err(encoding_error)?;
        let inner = match outer {
            Some(outer) => outer.inner.extend(&inner),
            None => inner,
        };
        let id = register_context(inner.clone());
        Ok(NativeContext { inner, id })
    }

    /// The number [`emit`] knows this context by.
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Bytes of the encoded fields.
    #[napi(getter)]
    pub fn byte_length(&self) -> u32 {
        self.inner.as_bytes().len() as u32
    }
}

/// One logger handle of the core. Children share their parent's queue,
/// worker, sinks and (unless configured by name) level.
#[napi]
pub struct NativeLogger {
    inner: Logger,
    id: u32,
    max_message_bytes: u32,
    max_depth: u32,
}

impl Drop for NativeLogger {
    fn drop(&mut self) {
        REGISTRY.with(|r| r.borrow_mut().loggers.remove(self.id));
    }
}

impl NativeLogger {
    fn wrap(inner: Logger, max_message_bytes: u32, max_depth: u32) -> NativeLogger {
        NativeLogger {
            id: register_logger(inner.clone()),
            inner,
            max_message_bytes,
            max_depth,
        }
    }
}

#[napi]
impl NativeLogger {
    /// Builds a logger from a JSON or TOML document, or from the embedded
    /// default (NDJSON to stdout at INFO) when `config` is absent. Either
    /// way `ASYNCLOG_*` environment overrides apply. Errors name the path of
    /// the bad value: `sinks[0].path: must be an absolute path`.
    #[napi(constructor)]
    pub fn new(config: Option<String>) -> Result<Self> {
        let config = match config {
            Some(text) => Config::parse(&text),
            None => {
                let mut c = Config::default();
                c.apply_env(&|k| std::env::var(k).ok()).map(|()| c)
            }
        }
        .map_err(|e| Error::new(Status::InvalidArg, e.to_string()))?;
        let mut config = config;
        if config.queue.shards == 0 {
            // `auto` is one shard here: JavaScript logs from one thread, so
            // shards would only split the capacity.
            config.queue.shards = 1;
        }
        let max_message_bytes = config.limits.max_message_bytes.min(u32::MAX as usize) as u32;
        let max_depth = config.limits.max_depth as u32;
        let inner = Logger::new(config).map_err(|e| Error::from_reason(e.to_string()))?;
        Ok(NativeLogger::wrap(inner, max_message_bytes, max_depth))
    }

    /// The number [`emit`] knows this logger by.
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// `limits.max_message_bytes`: the longest message or string value.
    #[napi(getter)]
    pub fn max_message_bytes(&self) -> u32 {
        self.max_message_bytes
    }

    /// `limits.max_depth`: the deepest nesting kept.
    #[napi(getter)]
    pub fn max_depth(&self) -> u32 {
        self.max_depth
    }

    /// The logger's name, as written in each record's `logger` key.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.inner.name().to_owned()
    }

    /// A child logger adding `buf[0..end]` (encoded fields) to every record.
    #[napi]
    pub fn child(&self, buf: BufferSlice, end: u32) -> Result<NativeLogger> {
        let fields = span(&buf, 0, end)?;
        let mut error = None;
        let inner = self.inner.child(None, |w| {
            if let Err(e) = copy_encoded(w, fields) {
                error = Some(e);
            }
        });
        if let Some(e) = error {
            return Err(encoding_error(e));
        }
        Ok(NativeLogger::wrap(
            inner,
            self.max_message_bytes,
            self.max_depth,
        ))
    }

    /// A child logger with another name, and the level configured for that
    /// name under `loggers` if there is one.
    #[napi]
    pub fn named(&self, name: String) -> NativeLogger {
        NativeLogger::wrap(
            self.inner.named(&name),
            self.max_message_bytes,
            self.max_depth,
        )
    }

    /// This logger with a level of its own from now on, starting at the
    /// current one.
    #[napi]
    pub fn with_own_level(&self) -> NativeLogger {
        NativeLogger::wrap(
            self.inner.with_own_level(),
            self.max_message_bytes,
            self.max_depth,
        )
    }

    /// The minimum level, as its number (TRACE 0 ... FATAL 5).
    #[napi]
    pub fn level(&self) -> u32 {
        self.inner.level() as u32
    }

    /// Sets the minimum level for this handle and all that share it.
    #[napi]
    pub fn set_level(&self, level: u32) -> Result<()> {
        self.inner.set_level(level_from(level)?);
        Ok(())
    }

    /// True when an event at `level` would be logged.
    #[napi]
    pub fn is_enabled(&self, level: u32) -> Result<bool> {
        Ok(self.inner.is_enabled(level_from(level)?))
    }

    /// Resolves with 0 once everything logged before the call is written,
    /// or with the number of events still unwritten when `timeout_ms`
    /// passed. The wait runs on a thread of its own.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn flush<'e>(&self, env: &'e Env, timeout_ms: f64) -> Result<Object<'e>> {
        let logger = self.inner.clone();
        let timeout = millis(timeout_ms);
        settle_on_thread(env, "asynclog-flush", move || {
            logger.flush(timeout).map_or_else(|p| p.events, |()| 0)
        })
    }

    /// Stops accepting events and drains every sink; resolves with the
    /// number of events not written (0 when all were). Later events are
    /// dropped and counted as `closed`.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn close<'e>(&self, env: &'e Env, timeout_ms: f64) -> Result<Object<'e>> {
        let logger = self.inner.clone();
        let timeout = millis(timeout_ms);
        settle_on_thread(env, "asynclog-close", move || {
            logger.shutdown(timeout).map_or_else(|p| p.events, |()| 0)
        })
    }

    /// [`NativeLogger::flush`] waiting on the calling thread. For exit
    /// handlers only, where the event loop has ended.
    #[napi]
    pub fn flush_sync(&self, timeout_ms: f64) -> f64 {
        self.inner
            .flush(millis(timeout_ms))
            .map_or_else(|p| p.events as f64, |()| 0.0)
    }

    /// [`NativeLogger::close`] waiting on the calling thread. For exit
    /// handlers only.
    #[napi]
    pub fn close_sync(&self, timeout_ms: f64) -> f64 {
        self.inner
            .shutdown(millis(timeout_ms))
            .map_or_else(|p| p.events as f64, |()| 0.0)
    }

    /// Every counter, as the JSON text of `Snapshot::to_json`.
    #[napi]
    pub fn metrics_json(&self) -> String {
        self.inner.metrics().to_json()
    }

    /// Lines held by the capture sink `sink`, or `null` if the
    /// configuration has no capture sink of that name.
    #[napi]
    pub fn capture_lines(&self, sink: String) -> Option<Vec<String>> {
        self.inner.capture(&sink).map(|c| c.lines())
    }

    /// Makes writes to the capture sink `sink` wait until
    /// [`NativeLogger::capture_resume`], to test what happens to events a
    /// sink has not written yet; false if there is no such sink.
    #[napi]
    pub fn capture_pause(&self, sink: String) -> bool {
        self.inner.capture(&sink).map(|c| c.pause()).is_some()
    }

    /// Lets writes to the capture sink `sink` go on; false if there is none.
    #[napi]
    pub fn capture_resume(&self, sink: String) -> bool {
        self.inner.capture(&sink).map(|c| c.resume()).is_some()
    }

    /// Empties the capture sink `sink`; false if there is none.
    #[napi]
    pub fn capture_clear(&self, sink: String) -> bool {
        match self.inner.capture(&sink) {
            Some(c) => {
                c.clear();
                true
            }
            None => false,
        }
    }
}

/// Runs `work` on a new thread and returns a Promise settled with its
/// result, so the event loop never waits for it.
fn settle_on_thread<'e>(
    env: &'e Env,
    name: &str,
    work: impl FnOnce() -> u64 + Send + 'static,
) -> Result<Object<'e>> {
    let (deferred, promise) = env.create_deferred()?;
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let n = work();
            deferred.resolve(move |_| Ok(n as f64));
        })
        .map_err(|e| Error::from_reason(format!("starting a thread: {e}")))?;
    Ok(promise)
}

/// Writes a JSON value as a field (or an array element when `key` is
/// `None`).
fn write_json(w: &mut FieldWriter<'_>, key: Option<&[u8]>, v: &serde_json::Value) {
    use serde_json::Value as J;
    match v {
        J::Null => w.null(key),
        J::Bool(b) => w.bool(key, *b),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                w.i64(key, i)
            } else if let Some(u) = n.as_u64() {
                w.u64(key, u)
            } else {
                w.f64(key, n.as_f64().unwrap_or(f64::NAN))
            }
        }
        J::String(s) => w.str(key, s.as_bytes()),
        J::Array(items) => {
            if w.begin_array(key) {
                for item in items {
                    write_json(w, None, item);
                }
                w.end();
            }
        }
        J::Object(map) => {
            if w.begin_object(key) {
                for (k, v) in map {
                    write_json(w, Some(k.as_bytes()), v);
                }
                w.end();
            }
        }
    }
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::from(status),
            "napi call failed".to_owned(),
        ))
    }
}

/// Reads a JavaScript string into `scratch` with two napi calls.
unsafe fn read_string(
    env: sys::napi_env,
    value: sys::napi_value,
    scratch: &mut Vec<u8>,
) -> Result<()> {
    let mut len = 0usize;
    check(unsafe {
        sys::napi_get_value_string_utf8(env, value, std::ptr::null_mut(), 0, &mut len)
    })?;
    scratch.clear();
    scratch.resize(len + 1, 0);
    let mut written = 0usize;
    check(unsafe {
        sys::napi_get_value_string_utf8(
            env,
            value,
            scratch.as_mut_ptr().cast(),
            len + 1,
            &mut written,
        )
    })?;
    scratch.truncate(written);
    Ok(())
}

/// Writes each own enumerable property of `object` with napi calls.
unsafe fn write_js_object(
    env: sys::napi_env,
    object: sys::napi_value,
    w: &mut FieldWriter<'_>,
    depth: u32,
) -> Result<()> {
    let mut names = std::ptr::null_mut();
    check(unsafe { sys::napi_get_property_names(env, object, &mut names) })?;
    let mut count = 0u32;
    check(unsafe { sys::napi_get_array_length(env, names, &mut count) })?;
    let mut key = Vec::new();
    for i in 0..count {
        let mut name = std::ptr::null_mut();
        check(unsafe { sys::napi_get_element(env, names, i, &mut name) })?;
        unsafe { read_string(env, name, &mut key)? };
        let mut value = std::ptr::null_mut();
        check(unsafe { sys::napi_get_property(env, object, name, &mut value) })?;
        unsafe { write_js_value(env, value, Some(&key), w, depth)? };
    }
    Ok(())
}

/// Writes one JavaScript value with napi calls: a type check, then the
/// value itself.
unsafe fn write_js_value(
    env: sys::napi_env,
    value: sys::napi_value,
    key: Option<&[u8]>,
    w: &mut FieldWriter<'_>,
    depth: u32,
) -> Result<()> {
    let mut kind = 0;
    check(unsafe { sys::napi_typeof(env, value, &mut kind) })?;
    match kind {
        sys::ValueType::napi_string => {
            let mut s = Vec::new();
            unsafe { read_string(env, value, &mut s)? };
            w.str(key, &s);
        }
        sys::ValueType::napi_number => {
            let mut n = 0f64;
            check(unsafe { sys::napi_get_value_double(env, value, &mut n) })?;
            if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
                w.i64(key, n as i64);
            } else {
                w.f64(key, n);
            }
        }
        sys::ValueType::napi_boolean => {
            let mut b = false;
            check(unsafe { sys::napi_get_value_bool(env, value, &mut b) })?;
            w.bool(key, b);
        }
        sys::ValueType::napi_object if depth > 0 => {
            let mut is_array = false;
            check(unsafe { sys::napi_is_array(env, value, &mut is_array) })?;
            if is_array {
                if w.begin_array(key) {
                    let mut len = 0u32;
                    check(unsafe { sys::napi_get_array_length(env, value, &mut len) })?;
                    for i in 0..len {
                        let mut item = std::ptr::null_mut();
                        check(unsafe { sys::napi_get_element(env, value, i, &mut item) })?;
                        unsafe { write_js_value(env, item, None, w, depth - 1)? };
                    }
                    w.end();
                }
            } else if w.begin_object(key) {
                unsafe { write_js_object(env, value, w, depth - 1)? };
                w.end();
            }
        }
        sys::ValueType::napi_undefined | sys::ValueType::napi_function if key.is_some() => {}
        _ => w.null(key),
    }
    Ok(())
}
