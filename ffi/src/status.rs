//! Status codes, the per-thread last error, and the panic guard.

use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The result of every call. Numbers are stable and never reused; they are
/// grouped by origin: 1-99 the caller's arguments, 100-199 configuration
/// and setup, 200-299 the state of the logger, 900 and up internal.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum asynclog_status {
    /// Success. `asynclog_log` also returns it for an event filtered by
    /// level, which is counted as filtered.
    ASYNCLOG_OK = 0,
    /// A required pointer was NULL.
    ASYNCLOG_ERR_NULL = 1,
    /// An argument was out of range: an unknown level or field type.
    ASYNCLOG_ERR_INVALID_ARGUMENT = 2,
    /// The output buffer is too small; the length output says how much is
    /// needed.
    ASYNCLOG_ERR_BUFFER_TOO_SMALL = 3,
    /// A pre-encoded field buffer is malformed; the message gives the
    /// offset.
    ASYNCLOG_ERR_INVALID_RECORD = 4,
    /// The configuration was refused; the message names the key path.
    ASYNCLOG_ERR_CONFIG = 100,
    /// A file or thread could not be set up; the message names it.
    ASYNCLOG_ERR_IO = 101,
    /// A plugin was refused by the loader's checks or failed to start; the
    /// message names the file and the reason.
    ASYNCLOG_ERR_PLUGIN = 102,
    /// The event was dropped because the queue was full (drop policies);
    /// it is counted as `queue_full`.
    ASYNCLOG_ERR_QUEUE_FULL = 200,
    /// The event was larger than `max_record_bytes` after truncation and
    /// was dropped; it is counted as `too_large`.
    ASYNCLOG_ERR_TOO_LARGE = 201,
    /// The logger is shut down; the event was counted as `closed`.
    ASYNCLOG_ERR_CLOSED = 202,
    /// A flush or shutdown ran out of time; the pending output says how
    /// many events were not yet written.
    ASYNCLOG_ERR_TIMEOUT = 203,
    /// No sink of that name (or of that type) exists.
    ASYNCLOG_ERR_NO_SUCH_SINK = 204,
    /// A bug inside the library was caught at the boundary. The logger may
    /// still work; the message says what happened.
    ASYNCLOG_ERR_PANIC = 900,
}

use asynclog_status::*;

/// A static, NUL-terminated description of a status number. Unknown
/// numbers get `"unknown status"`. Never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn asynclog_status_str(status: i32) -> *const c_char {
    let s: &'static str = match status {
        0 => "ok\0",
        1 => "a required pointer was NULL\0",
        2 => "invalid argument\0",
        3 => "buffer too small\0",
        4 => "malformed pre-encoded record\0",
        100 => "configuration refused\0",
        101 => "I/O error while setting up\0",
        102 => "plugin refused\0",
        200 => "dropped: queue full\0",
        201 => "dropped: record too large\0",
        202 => "logger is closed\0",
        203 => "timed out\0",
        204 => "no such sink\0",
        900 => "internal error (panic caught)\0",
        _ => "unknown status\0",
    };
    s.as_ptr().cast()
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records `message` as this thread's last error and returns `status`.
pub(crate) fn fail(status: asynclog_status, message: impl Into<String>) -> asynclog_status {
    let message = message.into();
    LAST_ERROR.with(|e| *e.borrow_mut() = message);
    status
}

/// Copies this thread's last error message into `buf` as a NUL-terminated
/// string.
///
/// `*len_out` (if not NULL) receives the message length without the NUL.
/// With `buf` NULL or `buf_len` too small for the message and its NUL,
/// nothing is copied and `ASYNCLOG_ERR_BUFFER_TOO_SMALL` is returned; call
/// again with at least `*len_out + 1` bytes. An empty message means no
/// error has been recorded on this thread.
///
/// # Safety
/// `buf` must point to `buf_len` writable bytes (or be NULL); `len_out`
/// must be NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_last_error(
    buf: *mut c_char,
    buf_len: usize,
    len_out: *mut usize,
) -> asynclog_status {
    LAST_ERROR.with(|e| {
        let e = e.borrow();
        // SAFETY: the caller passes NULL or a valid pointer.
        unsafe { copy_out(e.as_bytes(), buf, buf_len, len_out) }
    })
}

/// Copies `bytes` and a NUL into a caller buffer under the rules of
/// `asynclog_last_error`.
///
/// # Safety
/// As for `asynclog_last_error`.
pub(crate) unsafe fn copy_out(
    bytes: &[u8],
    buf: *mut c_char,
    buf_len: usize,
    len_out: *mut usize,
) -> asynclog_status {
    if !len_out.is_null() {
        // SAFETY: checked non-NULL; the caller guarantees validity.
        unsafe { *len_out = bytes.len() };
    }
    if buf.is_null() || buf_len < bytes.len() + 1 {
        return ASYNCLOG_ERR_BUFFER_TOO_SMALL;
    }
    // SAFETY: `buf` holds at least `bytes.len() + 1` bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
        *buf.add(bytes.len()) = 0;
    }
    ASYNCLOG_OK
}

/// Runs an export's body, turning a panic into `ASYNCLOG_ERR_PANIC`.
pub(crate) fn guard(body: impl FnOnce() -> asynclog_status) -> asynclog_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(status) => status,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            fail(ASYNCLOG_ERR_PANIC, format!("internal error: {what}"))
        }
    }
}

/// Views a `(pointer, length)` pair as bytes; NULL with length 0 is empty.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable bytes that stay valid for
/// the call.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const c_char,
    len: usize,
    what: &str,
) -> Result<&'a [u8], asynclog_status> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(fail(
            ASYNCLOG_ERR_NULL,
            format!("{what} is NULL with length {len}"),
        ));
    }
    // SAFETY: the caller guarantees `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}
