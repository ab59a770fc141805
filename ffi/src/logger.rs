//! The logger object: create, log, child loggers, flush, metrics, free.

use std::ffi::c_char;
use std::path::Path;
use std::time::Duration;

use asynclog_core::{Config, DropReason, Level, Logger, Outcome, Pending};

use crate::field::{asynclog_field, asynclog_level, write_fields};
use crate::status::asynclog_status::{self, *};
use crate::status::{bytes, copy_out, fail, guard};

/// A logger handle. Create one with `asynclog_logger_new`; free it with
/// `asynclog_logger_free`. A handle may be used from any number of threads
/// at once. Child handles from `asynclog_logger_with` share the parent's
/// queue and sinks and must be freed too; the logger drains and stops when
/// its last handle is freed.
pub struct asynclog_logger {
    inner: Logger,
}

/// # Safety
/// `logger` must be NULL or a live handle.
unsafe fn logger_ref<'a>(logger: *const asynclog_logger) -> Result<&'a Logger, asynclog_status> {
    if logger.is_null() {
        return Err(fail(ASYNCLOG_ERR_NULL, "logger is NULL"));
    }
    // SAFETY: the caller passes a live handle.
    Ok(unsafe { &(*logger).inner })
}

fn level_of(level: asynclog_level) -> Result<Level, asynclog_status> {
    u8::try_from(level)
        .ok()
        .and_then(Level::from_u8)
        .ok_or_else(|| {
            fail(
                ASYNCLOG_ERR_INVALID_ARGUMENT,
                format!("level {level} is not one of the ASYNCLOG_LEVEL_* values"),
            )
        })
}

fn outcome_status(outcome: Outcome) -> asynclog_status {
    match outcome {
        Outcome::Queued | Outcome::Filtered => ASYNCLOG_OK,
        Outcome::Dropped(DropReason::QueueFull) => {
            fail(ASYNCLOG_ERR_QUEUE_FULL, "event dropped: queue full")
        }
        Outcome::Dropped(DropReason::TooLarge) => fail(
            ASYNCLOG_ERR_TOO_LARGE,
            "event dropped: record larger than max_record_bytes",
        ),
        Outcome::Dropped(DropReason::Invalid) => {
            fail(ASYNCLOG_ERR_INVALID_RECORD, "event dropped: invalid fields")
        }
        Outcome::Dropped(DropReason::Closed) => {
            fail(ASYNCLOG_ERR_CLOSED, "event dropped: logger is shut down")
        }
    }
}

/// # Safety
/// `out` must be valid for writing.
unsafe fn publish(logger: Logger, out: *mut *mut asynclog_logger) -> asynclog_status {
    let handle = Box::into_raw(Box::new(asynclog_logger { inner: logger }));
    // SAFETY: checked non-NULL by every caller.
    unsafe { *out = handle };
    ASYNCLOG_OK
}

fn build(
    config: Result<Config, asynclog_core::config::ConfigError>,
) -> Result<Logger, asynclog_status> {
    let config = config.map_err(|e| fail(ASYNCLOG_ERR_CONFIG, e.to_string()))?;
    Logger::new(config).map_err(|e| match e {
        asynclog_core::Error::Config(e) => fail(ASYNCLOG_ERR_CONFIG, e.to_string()),
        e @ asynclog_core::Error::Plugin { .. } => fail(ASYNCLOG_ERR_PLUGIN, e.to_string()),
        other => fail(ASYNCLOG_ERR_IO, other.to_string()),
    })
}

/// Creates a logger from a configuration document (JSON, or TOML when it
/// does not start with `{`), with `ASYNCLOG_*` environment overrides
/// applied.
///
/// With `config` NULL and `config_len` 0 the embedded default is used:
/// NDJSON to stdout at INFO.
///
/// Returns `ASYNCLOG_OK` and stores the handle in `*out`;
/// `ASYNCLOG_ERR_NULL` if `out` is NULL; `ASYNCLOG_ERR_CONFIG` with a
/// message naming the key path (`sinks[1].path: must be an absolute
/// path`); `ASYNCLOG_ERR_IO` if a sink cannot be opened.
///
/// # Safety
/// `config` must be NULL or point to `config_len` readable bytes; `out`
/// must be valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_logger_new(
    config: *const c_char,
    config_len: usize,
    out: *mut *mut asynclog_logger,
) -> asynclog_status {
    guard(|| {
        if out.is_null() {
            return fail(ASYNCLOG_ERR_NULL, "out is NULL");
        }
        // SAFETY: the caller guarantees the config bytes.
        let text = match unsafe { bytes(config, config_len, "config") } {
            Ok(t) => t,
            Err(status) => return status,
        };
        let parsed = if text.is_empty() && config.is_null() {
            let mut c = Config::default();
            c.apply_env(&|k| std::env::var(k).ok()).map(|()| c)
        } else {
            match std::str::from_utf8(text) {
                Ok(text) => Config::parse(text),
                Err(e) => {
                    return fail(
                        ASYNCLOG_ERR_CONFIG,
                        format!("configuration is not UTF-8 (byte {})", e.valid_up_to()),
                    );
                }
            }
        };
        match build(parsed) {
            // SAFETY: `out` was checked above.
            Ok(logger) => unsafe { publish(logger, out) },
            Err(status) => status,
        }
    })
}

/// Creates a logger from a configuration file: `.json` or `.toml`, else
/// detected from the content. Errors name the file and the key path.
///
/// Returns as `asynclog_logger_new`, plus `ASYNCLOG_ERR_CONFIG` when the
/// file cannot be read.
///
/// # Safety
/// `path` must point to `path_len` readable bytes; `out` must be valid for
/// writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_logger_new_from_file(
    path: *const c_char,
    path_len: usize,
    out: *mut *mut asynclog_logger,
) -> asynclog_status {
    guard(|| {
        if out.is_null() {
            return fail(ASYNCLOG_ERR_NULL, "out is NULL");
        }
        if path.is_null() {
            return fail(ASYNCLOG_ERR_NULL, "path is NULL");
        }
        // SAFETY: the caller guarantees the path bytes.
        let raw = match unsafe { bytes(path, path_len, "path") } {
            Ok(p) => p,
            Err(status) => return status,
        };
        let path = Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(raw));
        match build(Config::from_file(path)) {
            // SAFETY: `out` was checked above.
            Ok(logger) => unsafe { publish(logger, out) },
            Err(status) => status,
        }
    })
}

/// Frees a handle. When it is the logger's last handle, first drains:
/// waits up to the configured `shutdown_timeout` for every sink, and
/// counts what was not written as `shutdown_timeout`. NULL is ignored.
///
/// # Safety
/// `logger` must be NULL or a live handle, not used again afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_logger_free(logger: *mut asynclog_logger) {
    if logger.is_null() {
        return;
    }
    guard(|| {
        // SAFETY: the caller hands over a live handle.
        drop(unsafe { Box::from_raw(logger) });
        ASYNCLOG_OK
    });
}

/// Logs an event with a message and an array of typed fields.
///
/// Returns `ASYNCLOG_OK` once the event is queued (or filtered by level,
/// which is counted). Never waits on I/O; under the `block` queue policy
/// it waits for room in the queue. Returns `ASYNCLOG_ERR_QUEUE_FULL`,
/// `ASYNCLOG_ERR_TOO_LARGE` or `ASYNCLOG_ERR_CLOSED` when the event was
/// dropped (and counted); `ASYNCLOG_ERR_NULL` or
/// `ASYNCLOG_ERR_INVALID_ARGUMENT` for bad arguments (a bad field is
/// counted as dropped `invalid`, and the message names it). Invalid UTF-8
/// in the message, keys or values is replaced and counted; oversized parts
/// are truncated with a marker and counted.
///
/// # Safety
/// `logger` must be a live handle; `message` must point to `message_len`
/// bytes (or be NULL with 0); `fields` must point to `field_count` fields
/// whose pointers are valid (or be NULL with 0). Nothing is kept after the
/// call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_log(
    logger: *const asynclog_logger,
    level: asynclog_level,
    message: *const c_char,
    message_len: usize,
    fields: *const asynclog_field,
    field_count: usize,
) -> asynclog_status {
    guard(|| {
        // SAFETY: per the contract above.
        let (logger, level, message) = match unsafe { args(logger, level, message, message_len) } {
            Ok(a) => a,
            Err(status) => return status,
        };
        if fields.is_null() && field_count > 0 {
            return fail(
                ASYNCLOG_ERR_NULL,
                format!("fields is NULL with count {field_count}"),
            );
        }
        let written = logger.try_log_with(level, message, |w| {
            // SAFETY: per the contract above.
            unsafe { write_fields(w, fields, field_count, true) }
        });
        match written {
            Ok(outcome) => outcome_status(outcome),
            Err(e) => fail(ASYNCLOG_ERR_INVALID_ARGUMENT, e.message()),
        }
    })
}

/// # Safety
/// As for `asynclog_log`.
unsafe fn args<'a>(
    logger: *const asynclog_logger,
    level: asynclog_level,
    message: *const c_char,
    message_len: usize,
) -> Result<(&'a Logger, Level, &'a [u8]), asynclog_status> {
    // SAFETY: per the caller's contract.
    let logger = unsafe { logger_ref(logger) }?;
    let level = level_of(level)?;
    // SAFETY: per the caller's contract.
    let message = unsafe { bytes(message, message_len, "message") }?;
    Ok((logger, level, message))
}

/// Logs an event whose fields are already in asynclog's field encoding
/// (documented in `asynclog.h` and in the core's `record` module), as a
/// binding builds them in its own buffer.
///
/// The buffer is checked before anything is queued: a malformed one
/// returns `ASYNCLOG_ERR_INVALID_RECORD` with the offset in the message,
/// and is counted as dropped (`invalid`). Other results as
/// `asynclog_log`.
///
/// # Safety
/// As for `asynclog_log`; `fields` must point to `fields_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_log_encoded(
    logger: *const asynclog_logger,
    level: asynclog_level,
    message: *const c_char,
    message_len: usize,
    fields: *const u8,
    fields_len: usize,
) -> asynclog_status {
    guard(|| {
        // SAFETY: per the contract above.
        let (logger, level, message) = match unsafe { args(logger, level, message, message_len) } {
            Ok(a) => a,
            Err(status) => return status,
        };
        // SAFETY: per the contract above.
        let fields = match unsafe { bytes(fields.cast(), fields_len, "fields") } {
            Ok(f) => f,
            Err(status) => return status,
        };
        match logger.log_encoded(level, message, fields) {
            Ok(outcome) => outcome_status(outcome),
            Err(e) => fail(ASYNCLOG_ERR_INVALID_RECORD, e.to_string()),
        }
    })
}

/// Creates a child handle that adds `fields` to every record and, when
/// `name` is not NULL, logs under that name (taking the level configured
/// for it under `loggers`, if any). The child shares the parent's queue
/// and sinks; free it with `asynclog_logger_free`.
///
/// Returns `ASYNCLOG_OK` and stores the handle in `*out`;
/// `ASYNCLOG_ERR_NULL` or `ASYNCLOG_ERR_INVALID_ARGUMENT` for bad
/// arguments.
///
/// # Safety
/// `logger` must be a live handle; `name` NULL or `name_len` readable
/// bytes; `fields` as for `asynclog_log`; `out` valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_logger_with(
    logger: *const asynclog_logger,
    name: *const c_char,
    name_len: usize,
    fields: *const asynclog_field,
    field_count: usize,
    out: *mut *mut asynclog_logger,
) -> asynclog_status {
    guard(|| {
        // SAFETY: per the contract above.
        let logger = match unsafe { logger_ref(logger) } {
            Ok(l) => l,
            Err(status) => return status,
        };
        if out.is_null() {
            return fail(ASYNCLOG_ERR_NULL, "out is NULL");
        }
        if fields.is_null() && field_count > 0 {
            return fail(
                ASYNCLOG_ERR_NULL,
                format!("fields is NULL with count {field_count}"),
            );
        }
        let name = if name.is_null() {
            None
        } else {
            // SAFETY: per the contract above.
            Some(unsafe { std::slice::from_raw_parts(name.cast::<u8>(), name_len) })
        };
        let mut error = None;
        let child = logger.child(name, |w| {
            // SAFETY: per the contract above.
            if let Err(e) = unsafe { write_fields(w, fields, field_count, true) } {
                error = Some(e);
            }
        });
        if let Some(e) = error {
            return fail(ASYNCLOG_ERR_INVALID_ARGUMENT, e.message());
        }
        // SAFETY: `out` was checked above.
        unsafe { publish(child, out) }
    })
}

/// Sets the minimum level of this handle (and of the handles that share
/// its level: the logger's clones, and children without a configured
/// level of their own).
///
/// # Safety
/// `logger` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_logger_set_level(
    logger: *const asynclog_logger,
    level: asynclog_level,
) -> asynclog_status {
    guard(|| {
        // SAFETY: per the contract above.
        let logger = match unsafe { logger_ref(logger) } {
            Ok(l) => l,
            Err(status) => return status,
        };
        match level_of(level) {
            Ok(level) => {
                logger.set_level(level);
                ASYNCLOG_OK
            }
            Err(status) => status,
        }
    })
}

/// True when an event at `level` passes this handle's level, so callers
/// can skip building expensive fields. False for NULL or an unknown level.
///
/// # Safety
/// `logger` must be NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_logger_enabled(
    logger: *const asynclog_logger,
    level: asynclog_level,
) -> bool {
    if logger.is_null() {
        return false;
    }
    let Some(level) = u8::try_from(level).ok().and_then(Level::from_u8) else {
        return false;
    };
    // SAFETY: checked non-NULL; the caller passes a live handle.
    unsafe { (*logger).inner.is_enabled(level) }
}

fn pending_status(result: Result<(), Pending>, pending_out: *mut u64) -> asynclog_status {
    let pending = result.err().map_or(0, |p| p.events);
    if !pending_out.is_null() {
        // SAFETY: checked non-NULL; the caller guarantees validity.
        unsafe { *pending_out = pending };
    }
    if pending == 0 {
        ASYNCLOG_OK
    } else {
        fail(
            ASYNCLOG_ERR_TIMEOUT,
            format!("timed out with {pending} events not yet written"),
        )
    }
}

/// Waits until every event logged before the call has been written by
/// every sink (or filtered or dropped, and counted), or `timeout_ms`
/// passes.
///
/// Returns `ASYNCLOG_OK`, or `ASYNCLOG_ERR_TIMEOUT`; `*pending_out` (if not
/// NULL) receives the number of events not yet written, 0 on success.
///
/// # Safety
/// `logger` must be a live handle; `pending_out` NULL or valid for
/// writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_logger_flush(
    logger: *const asynclog_logger,
    timeout_ms: u64,
    pending_out: *mut u64,
) -> asynclog_status {
    guard(|| {
        // SAFETY: per the contract above.
        let logger = match unsafe { logger_ref(logger) } {
            Ok(l) => l,
            Err(status) => return status,
        };
        pending_status(logger.flush(Duration::from_millis(timeout_ms)), pending_out)
    })
}

/// Stops the logger: refuses new events (they return
/// `ASYNCLOG_ERR_CLOSED` and are counted), drains every sink within
/// `timeout_ms`, and stops its threads. Handles stay valid and must still
/// be freed. Results as `asynclog_logger_flush`.
///
/// # Safety
/// As for `asynclog_logger_flush`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_logger_shutdown(
    logger: *const asynclog_logger,
    timeout_ms: u64,
    pending_out: *mut u64,
) -> asynclog_status {
    guard(|| {
        // SAFETY: per the contract above.
        let logger = match unsafe { logger_ref(logger) } {
            Ok(l) => l,
            Err(status) => return status,
        };
        pending_status(
            logger.shutdown(Duration::from_millis(timeout_ms)),
            pending_out,
        )
    })
}

/// Copies a metrics snapshot, as one NUL-terminated JSON object, into
/// `buf`: `submitted`, `filtered`, `dropped` by reason, `truncated`,
/// `invalid_utf8`, `queued`, and per sink `written`, `filtered`, `dropped`
/// by reason and `in_flight`. For each sink, submitted = written +
/// filtered + dropped + in_flight.
///
/// `*len_out` (if not NULL) receives the JSON length without the NUL; if
/// `buf_len` is too small, returns `ASYNCLOG_ERR_BUFFER_TOO_SMALL` and
/// copies nothing.
///
/// # Safety
/// `logger` must be a live handle; `buf` NULL or `buf_len` writable bytes;
/// `len_out` NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_logger_metrics(
    logger: *const asynclog_logger,
    buf: *mut c_char,
    buf_len: usize,
    len_out: *mut usize,
) -> asynclog_status {
    guard(|| {
        // SAFETY: per the contract above.
        let logger = match unsafe { logger_ref(logger) } {
            Ok(l) => l,
            Err(status) => return status,
        };
        let json = logger.metrics().to_json();
        // SAFETY: per the contract above.
        unsafe { copy_out(json.as_bytes(), buf, buf_len, len_out) }
    })
}

/// Takes what a `capture` sink has received: the encoded lines, as one
/// NUL-terminated string, which are then removed from the capture. Meant
/// for tests.
///
/// `*len_out` (if not NULL) receives the length without the NUL; if
/// `buf_len` is too small, returns `ASYNCLOG_ERR_BUFFER_TOO_SMALL` and
/// takes nothing. Returns `ASYNCLOG_ERR_NO_SUCH_SINK` if the logger has no
/// capture sink of that name.
///
/// # Safety
/// `logger` must be a live handle; `sink` `sink_len` readable bytes; `buf`
/// NULL or `buf_len` writable bytes; `len_out` NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_logger_capture_take(
    logger: *const asynclog_logger,
    sink: *const c_char,
    sink_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    len_out: *mut usize,
) -> asynclog_status {
    guard(|| {
        // SAFETY: per the contract above.
        let logger = match unsafe { logger_ref(logger) } {
            Ok(l) => l,
            Err(status) => return status,
        };
        // SAFETY: per the contract above.
        let name = match unsafe { bytes(sink, sink_len, "sink") } {
            Ok(n) => String::from_utf8_lossy(n).into_owned(),
            Err(status) => return status,
        };
        let Some(capture) = logger.capture(&name) else {
            return fail(
                ASYNCLOG_ERR_NO_SUCH_SINK,
                format!("no capture sink named {name:?}"),
            );
        };
        let data = capture.take();
        // SAFETY: per the contract above.
        let status = unsafe { copy_out(&data, buf, buf_len, len_out) };
        if status != ASYNCLOG_OK {
            capture.restore(data);
        }
        status
    })
}
