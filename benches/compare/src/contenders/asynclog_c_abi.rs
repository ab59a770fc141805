//! asynclog through its C ABI, as a C program calls it: a JSON
//! configuration, `asynclog_field` structs built on the stack for every
//! call, and `asynclog_log`. The functions are called through pointers the
//! optimizer cannot see through, so nothing of the library is inlined into
//! the loop: what is measured is what a C caller pays.

use std::ffi::c_char;
use std::path::Path;
use std::time::Instant;

use asynclog::{
    ASYNCLOG_FIELD_F64, ASYNCLOG_FIELD_I64, ASYNCLOG_FIELD_STR, ASYNCLOG_LEVEL_INFO,
    asynclog_field, asynclog_level, asynclog_logger, asynclog_status, asynclog_str, asynclog_value,
};
use serde_json::{Value, json};

use super::Finished;
use crate::harness::produce;
use crate::workload::{LOGGER_NAME, MESSAGE, PATH, Plan};

type LogFn = unsafe extern "C" fn(
    *const asynclog_logger,
    asynclog_level,
    *const c_char,
    usize,
    *const asynclog_field,
    usize,
) -> asynclog_status;

/// A handle shared by the producer threads, as C shares the pointer.
#[derive(Clone, Copy)]
struct Handle(*mut asynclog_logger);

// SAFETY: asynclog handles may be used from any number of threads.
unsafe impl Send for Handle {}
// SAFETY: as above.
unsafe impl Sync for Handle {}

impl Handle {
    /// The pointer; a method, so that closures capture the whole `Handle`.
    fn ptr(self) -> *mut asynclog_logger {
        self.0
    }
}

fn key(k: &'static str) -> (*const c_char, usize) {
    (k.as_ptr().cast(), k.len())
}

pub fn run(path: &Path, plan: &Plan) -> Result<Finished, String> {
    let path = path.to_str().ok_or("temp path is not UTF-8")?;
    let config = json!({
        "name": LOGGER_NAME,
        "sinks": [{ "type": "file", "path": path, "encoder": "ndjson" }],
    })
    .to_string();
    let mut logger: *mut asynclog_logger = std::ptr::null_mut();
    // SAFETY: the config bytes and the out pointer are valid.
    let status =
        unsafe { asynclog::asynclog_logger_new(config.as_ptr().cast(), config.len(), &mut logger) };
    if status != asynclog_status::ASYNCLOG_OK {
        return Err(format!("asynclog_logger_new: {status:?}: {}", last_error()));
    }
    let handle = Handle(logger);
    let log_fn: LogFn = std::hint::black_box(asynclog::asynclog_log as LogFn);

    let produced = produce(plan, |_| {
        move |id, latency| {
            let (user_key, user_len) = key("user_id");
            let (path_key, path_len) = key("path");
            let (lat_key, lat_len) = key("latency_ms");
            let fields = [
                asynclog_field {
                    key: user_key,
                    key_len: user_len,
                    type_: ASYNCLOG_FIELD_I64,
                    value: asynclog_value { i64: id as i64 },
                },
                asynclog_field {
                    key: path_key,
                    key_len: path_len,
                    type_: ASYNCLOG_FIELD_STR,
                    value: asynclog_value {
                        str: asynclog_str {
                            ptr: PATH.as_ptr().cast(),
                            len: PATH.len(),
                        },
                    },
                },
                asynclog_field {
                    key: lat_key,
                    key_len: lat_len,
                    type_: ASYNCLOG_FIELD_F64,
                    value: asynclog_value { f64: latency },
                },
            ];
            // SAFETY: a live handle, and pointers valid for the call.
            let status = unsafe {
                log_fn(
                    handle.ptr(),
                    ASYNCLOG_LEVEL_INFO,
                    MESSAGE.as_ptr().cast(),
                    MESSAGE.len(),
                    fields.as_ptr(),
                    fields.len(),
                )
            };
            status == asynclog_status::ASYNCLOG_OK
        }
    });

    let mut pending = 0u64;
    // SAFETY: a live handle.
    let shutdown = unsafe { asynclog::asynclog_logger_shutdown(logger, 300_000, &mut pending) };
    let metrics = metrics(logger);
    // SAFETY: the handle is not used again.
    unsafe { asynclog::asynclog_logger_free(logger) };
    let end = Instant::now();

    Ok(Finished {
        produced,
        end,
        details: json!({
            "shutdown": format!("{shutdown:?}"),
            "pending": pending,
            "metrics": metrics,
        }),
    })
}

fn metrics(logger: *mut asynclog_logger) -> Value {
    let mut buf = vec![0u8; 64 << 10];
    let mut len = 0usize;
    // SAFETY: a live handle and a buffer of `buf.len()` bytes.
    let status = unsafe {
        asynclog::asynclog_logger_metrics(logger, buf.as_mut_ptr().cast(), buf.len(), &mut len)
    };
    if status != asynclog_status::ASYNCLOG_OK {
        return Value::String(format!("asynclog_logger_metrics: {status:?}"));
    }
    serde_json::from_slice(&buf[..len]).unwrap_or(Value::Null)
}

fn last_error() -> String {
    let mut buf = vec![0u8; 4096];
    let mut len = 0usize;
    // SAFETY: a buffer of `buf.len()` bytes.
    unsafe { asynclog::asynclog_last_error(buf.as_mut_ptr().cast(), buf.len(), &mut len) };
    String::from_utf8_lossy(&buf[..len.min(buf.len())]).into_owned()
}
