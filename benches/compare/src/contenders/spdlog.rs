//! spdlog's async logger, through the C++ shim in `shim/spdlog_shim.cpp`
//! (compiled by `build.rs` when spdlog is installed).

use std::ffi::{CString, c_char, c_void};
use std::path::Path;
use std::time::Instant;

use serde_json::json;

use super::Finished;
use crate::harness::produce;
use crate::workload::{PATH, Plan};

unsafe extern "C" {
    fn bench_spdlog_open(path: *const c_char, err: *mut c_char, err_len: usize) -> *mut c_void;
    fn bench_spdlog_log(
        handle: *mut c_void,
        user_id: i64,
        path: *const c_char,
        path_len: usize,
        latency_ms: f64,
    );
    fn bench_spdlog_close(handle: *mut c_void);
}

/// The shim's logger, shared by the producer threads.
#[derive(Clone, Copy)]
struct Handle(*mut c_void);

// SAFETY: spdlog's async logger is safe to call from any thread.
unsafe impl Send for Handle {}
// SAFETY: as above.
unsafe impl Sync for Handle {}

impl Handle {
    /// The pointer; a method, so that closures capture the whole `Handle`.
    fn ptr(self) -> *mut c_void {
        self.0
    }
}

pub fn run(path: &Path, plan: &Plan) -> Result<Finished, String> {
    let c_path =
        CString::new(path.to_str().ok_or("temp path is not UTF-8")?).map_err(|e| e.to_string())?;
    let mut err = [0 as c_char; 512];
    // SAFETY: a NUL-terminated path and an error buffer of its length.
    let handle = unsafe { bench_spdlog_open(c_path.as_ptr(), err.as_mut_ptr(), err.len()) };
    if handle.is_null() {
        // SAFETY: the shim wrote a NUL-terminated message.
        let msg = unsafe { std::ffi::CStr::from_ptr(err.as_ptr()) };
        return Err(msg.to_string_lossy().into_owned());
    }
    let handle = Handle(handle);

    let produced = produce(plan, |_| {
        move |id, latency| {
            // SAFETY: a live handle and a valid path.
            unsafe {
                bench_spdlog_log(
                    handle.ptr(),
                    id as i64,
                    PATH.as_ptr().cast(),
                    PATH.len(),
                    latency,
                )
            };
            true
        }
    });

    // SAFETY: the handle is not used again.
    unsafe { bench_spdlog_close(handle.ptr()) };
    let end = Instant::now();

    Ok(Finished {
        produced,
        end,
        details: json!({ "version": env!("BENCH_SPDLOG_VERSION") }),
    })
}
