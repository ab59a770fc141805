//! Context captured at the call: correlation id, trace and span ids, and
//! any other keys the caller sets for a scope.
//!
//! Context belongs to the caller, not to a logger: a scope set on a thread
//! (or, in async Rust, on a task with [`scope`]) is copied into every
//! record that thread or task logs, through any logger, until the scope
//! ends. It is read on the caller's side at the call, never later on a
//! worker, where the caller's context no longer exists.
//!
//! Scopes nest; a key set in an inner scope overrides the same key from an
//! outer one.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use crate::record::{Limits, RecBuf};
use crate::tlv::{EncodedError, copy_encoded};
use crate::value::{Field, FieldWriter};

/// Well-known context keys.
pub mod keys {
    /// Correlation (request) id.
    pub const CORRELATION_ID: &str = "correlation_id";
    /// W3C trace id, 32 lowercase hex digits.
    pub const TRACE_ID: &str = "trace_id";
    /// W3C span id, 16 lowercase hex digits.
    pub const SPAN_ID: &str = "span_id";
}

/// The context state of one thread: the thread's own scopes, and the
/// context of the task being polled on it, if any. One thread-local holds
/// both so that the call reads them with one lookup.
struct ThreadContext {
    /// Encoded fields of every open thread scope, outermost first.
    fields: Vec<u8>,
    /// Where each open scope starts in `fields`.
    marks: Vec<usize>,
    /// The context of the task being polled on this thread (see [`scope`]).
    task: Option<Arc<[u8]>>,
}

impl ThreadContext {
    /// Updates [`ACTIVE`] after a change.
    fn note(&self) {
        ACTIVE.set(!self.fields.is_empty() || self.task.is_some());
    }
}

thread_local! {
    static THREAD: RefCell<ThreadContext> = const {
        RefCell::new(ThreadContext { fields: Vec::new(), marks: Vec::new(), task: None })
    };
    /// True while `THREAD` holds any context. It has no destructor, so
    /// reading it is one load, where `THREAD` must be checked for being
    /// alive on every use: a call on a thread without context reads only
    /// this.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

/// Limits for context values: the defaults, since context is set without
/// a logger at hand.
fn context_limits() -> Limits {
    Limits::default()
}

/// Encodes fields with a writer callback, under the default limits.
fn encode_with(write: impl FnOnce(&mut FieldWriter<'_>)) -> RecBuf {
    let limits = context_limits();
    let mut buf = RecBuf::new();
    let mut w = FieldWriter::new(&mut buf, &limits);
    write(&mut w);
    w.finish();
    buf
}

/// Opens a thread scope whose fields `write` produces, and returns its
/// depth token for [`pop_thread_scope`]. The C ABI's context calls use
/// this; Rust code uses [`enter`].
pub fn push_thread_scope(write: impl FnOnce(&mut FieldWriter<'_>)) -> usize {
    let encoded = encode_with(write);
    THREAD.with(|t| {
        let mut t = t.borrow_mut();
        let start = t.fields.len();
        t.marks.push(start);
        t.fields.extend_from_slice(encoded.as_slice());
        t.note();
        t.marks.len()
    })
}

/// Closes the thread scope with this token and every scope opened inside
/// it, restoring the context as it was before that scope. Returns false if
/// no such scope is open (already closed, or opened on another thread).
pub fn pop_thread_scope(token: usize) -> bool {
    THREAD.with(|t| {
        let mut t = t.borrow_mut();
        if token == 0 || token > t.marks.len() {
            return false;
        }
        let start = t.marks[token - 1];
        t.marks.truncate(token - 1);
        t.fields.truncate(start);
        t.note();
        true
    })
}

/// Closes every scope on this thread.
pub fn clear_thread() {
    THREAD.with(|t| {
        let mut t = t.borrow_mut();
        t.marks.clear();
        t.fields.clear();
        t.note();
    })
}

/// A thread context scope; the context is restored when it is dropped.
///
/// It is not `Send`: a scope belongs to the thread that opened it. In async
/// code, where a task may move between threads, use [`scope`].
#[must_use = "the context is restored as soon as the guard is dropped"]
pub struct ContextGuard {
    token: usize,
    _not_send: PhantomData<*const ()>,
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        pop_thread_scope(self.token);
    }
}

/// Sets context fields for the current thread until the guard drops.
///
/// ```
/// use asynclog_core::{context, field};
/// let _scope = context::enter(&[field("correlation_id", "req-42")]);
/// // every record logged on this thread now carries correlation_id
/// ```
pub fn enter(fields: &[Field<'_>]) -> ContextGuard {
    ContextGuard {
        token: push_thread_scope(|w| w.fields(fields)),
        _not_send: PhantomData,
    }
}

/// Runs a future with context fields set for it and for everything it
/// awaits, on whichever threads it runs. The fields are added to the
/// context current where `scope` is called.
pub fn scope<F: Future>(fields: &[Field<'_>], fut: F) -> impl Future<Output = F::Output> + use<F> {
    let mut combined = Vec::new();
    capture(|task, thread| {
        combined.extend_from_slice(task);
        combined.extend_from_slice(thread);
    });
    combined.extend_from_slice(encode_with(|w| w.fields(fields)).as_slice());
    Scoped {
        context: Some(Arc::from(combined)),
        fut,
    }
}

/// A future polled with its task context installed on the polling thread.
struct Scoped<F> {
    /// Held here between polls, and on the thread while the inner future
    /// is polled.
    context: Option<Arc<[u8]>>,
    fut: F,
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        // SAFETY: `fut` is never moved out of the pinned `Scoped`, and
        // `context` is not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let fut = unsafe { Pin::new_unchecked(&mut this.fut) };

        /// Puts the outer task context back, even if the poll panics.
        struct Restore<'a> {
            slot: &'a mut Option<Arc<[u8]>>,
        }
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                let _ = THREAD.try_with(|t| {
                    let mut t = t.borrow_mut();
                    std::mem::swap(&mut t.task, self.slot);
                    t.note();
                });
            }
        }

        THREAD.with(|t| {
            let mut t = t.borrow_mut();
            std::mem::swap(&mut t.task, &mut this.context);
            t.note();
        });
        let _restore = Restore {
            slot: &mut this.context,
        };
        fut.poll(cx)
    }
}

/// Context fields encoded once and carried by the caller: the value a
/// binding keeps in its own runtime's context store and hands to
/// [`Logger::log_in_context`](crate::Logger::log_in_context) at each call.
///
/// Cloning shares the encoding. Building one validates and repairs its
/// input under the default limits, so using it costs one copy per record.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Context {
    encoded: Arc<[u8]>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("bytes", &self.encoded.len())
            .finish()
    }
}

impl Context {
    /// A context holding `fields`.
    pub fn new(fields: &[Field<'_>]) -> Context {
        Context::build(|w| w.fields(fields))
    }

    /// A context whose fields `write` produces.
    pub fn build(write: impl FnOnce(&mut FieldWriter<'_>)) -> Context {
        Context {
            encoded: Arc::from(encode_with(write).as_slice()),
        }
    }

    /// A context from fields already in the field encoding; a malformed
    /// buffer is refused with the offset of the problem.
    pub fn from_encoded(fields: &[u8]) -> Result<Context, EncodedError> {
        let mut error = None;
        let ctx = Context::build(|w| {
            if let Err(e) = copy_encoded(w, fields) {
                error = Some(e);
            }
        });
        match error {
            Some(e) => Err(e),
            None => Ok(ctx),
        }
    }

    /// This context with `inner` added; keys of `inner` win.
    pub fn extend(&self, inner: &Context) -> Context {
        if self.encoded.is_empty() {
            return inner.clone();
        }
        if inner.encoded.is_empty() {
            return self.clone();
        }
        let mut combined = Vec::with_capacity(self.encoded.len() + inner.encoded.len());
        combined.extend_from_slice(&self.encoded);
        combined.extend_from_slice(&inner.encoded);
        Context {
            encoded: Arc::from(combined),
        }
    }

    /// The fields, in the field encoding.
    pub fn as_bytes(&self) -> &[u8] {
        &self.encoded
    }

    /// True when the context holds no fields.
    pub fn is_empty(&self) -> bool {
        self.encoded.is_empty()
    }
}

/// Calls `f` with the current task context and thread context, encoded.
#[inline]
pub(crate) fn capture<R>(f: impl FnOnce(&[u8], &[u8]) -> R) -> R {
    if !ACTIVE.get() {
        return f(&[], &[]);
    }
    // Once the thread's context is gone (a call from a thread-local's
    // destructor), the call carries none.
    let mut f = Some(f);
    let captured = THREAD.try_with(|t| {
        let t = t.borrow();
        let f = f.take().expect("called once");
        f(t.task.as_deref().unwrap_or_default(), &t.fields)
    });
    match captured {
        Ok(r) => r,
        Err(_) => (f.take().expect("not called"))(&[], &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field;

    fn current_len() -> usize {
        capture(|a, b| a.len() + b.len())
    }

    #[test]
    fn guards_restore_the_previous_context() {
        assert_eq!(current_len(), 0);
        let outer = enter(&[field("correlation_id", "a")]);
        let after_outer = current_len();
        assert!(after_outer > 0);
        {
            let _inner = enter(&[field("span_id", "b")]);
            assert!(current_len() > after_outer);
        }
        assert_eq!(current_len(), after_outer);
        drop(outer);
        assert_eq!(current_len(), 0);
    }

    #[test]
    fn a_task_scope_holds_only_while_its_future_is_polled() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let outer = rt.block_on(scope(&[field("correlation_id", "a")], async {
            let outer = current_len();
            let inner = scope(&[field("span_id", "b")], async { current_len() }).await;
            assert!(inner > outer, "the inner scope adds to the outer one");
            assert_eq!(
                current_len(),
                outer,
                "the inner scope ended with its future"
            );
            outer
        }));
        assert!(outer > 0);
        assert_eq!(current_len(), 0, "nothing is left on the thread");
    }

    #[test]
    fn a_panicking_poll_still_restores_the_thread() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(scope(&[field("k", 1)], async { panic!("inside a scope") }))
        }));
        assert!(caught.is_err());
        assert_eq!(current_len(), 0);
    }

    #[test]
    fn popping_an_outer_token_closes_inner_scopes() {
        let a = push_thread_scope(|w| w.fields(&[field("k", 1)]));
        let _b = push_thread_scope(|w| w.fields(&[field("j", 2)]));
        assert!(pop_thread_scope(a));
        assert_eq!(current_len(), 0);
        assert!(!pop_thread_scope(a));
    }
}
