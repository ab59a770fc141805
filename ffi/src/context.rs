//! Context scopes for the calling thread.

use asynclog_core::context;

use crate::field::{asynclog_field, write_fields};
use crate::status::asynclog_status::{self, *};
use crate::status::{fail, guard};

/// Opens a context scope on the calling thread: `fields` (a correlation
/// id, trace and span ids, any keys) are added to every record this thread
/// logs, through any logger, until the scope is closed. Scopes nest; an
/// inner key overrides an outer one.
///
/// Stores a token for `asynclog_context_pop` in `*token_out`. Returns
/// `ASYNCLOG_OK`, `ASYNCLOG_ERR_NULL`, or `ASYNCLOG_ERR_INVALID_ARGUMENT`
/// for a bad field (the message names it; no scope is opened).
///
/// Well-known keys: `correlation_id`, `trace_id`, `span_id`.
///
/// # Safety
/// `fields` must point to `field_count` valid fields (or be NULL with 0);
/// `token_out` must be valid for writing. The fields are copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn asynclog_context_push(
    fields: *const asynclog_field,
    field_count: usize,
    token_out: *mut usize,
) -> asynclog_status {
    guard(|| {
        if token_out.is_null() {
            return fail(ASYNCLOG_ERR_NULL, "token_out is NULL");
        }
        if fields.is_null() && field_count > 0 {
            return fail(
                ASYNCLOG_ERR_NULL,
                format!("fields is NULL with count {field_count}"),
            );
        }
        let mut error = None;
        let token = context::push_thread_scope(|w| {
            // SAFETY: per the contract above.
            if let Err(e) = unsafe { write_fields(w, fields, field_count, true) } {
                error = Some(e);
            }
        });
        if let Some(e) = error {
            context::pop_thread_scope(token);
            return fail(ASYNCLOG_ERR_INVALID_ARGUMENT, e.message());
        }
        // SAFETY: checked non-NULL above.
        unsafe { *token_out = token };
        ASYNCLOG_OK
    })
}

/// Closes the scope with this token, and any opened inside it, restoring
/// the thread's context as it was before `asynclog_context_push`.
/// Returns `ASYNCLOG_ERR_INVALID_ARGUMENT` if no such scope is open on this
/// thread.
#[unsafe(no_mangle)]
pub extern "C" fn asynclog_context_pop(token: usize) -> asynclog_status {
    guard(|| {
        if context::pop_thread_scope(token) {
            ASYNCLOG_OK
        } else {
            fail(
                ASYNCLOG_ERR_INVALID_ARGUMENT,
                format!("no context scope {token} is open on this thread"),
            )
        }
    })
}

/// Closes every context scope on the calling thread.
#[unsafe(no_mangle)]
pub extern "C" fn asynclog_context_clear() -> asynclog_status {
    guard(|| {
        context::clear_thread();
        ASYNCLOG_OK
    })
}
