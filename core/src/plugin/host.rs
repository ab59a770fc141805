//! The host API table plugins call, and the per-instance state behind the
//! `asynclog_host` handle.
//!
//! Diagnostics from plugins go to standard error with the prefix
//! `asynclog: plugin <name>: `, never into the log stream, at most
//! [`LOG_LINES_PER_SECOND`] lines a second per instance (the rest are
//! counted and the count reported). Control characters in them are shown
//! escaped, so a plugin cannot drive the terminal.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use asynclog_plugin_abi as abi;

use crate::level::Level;
use crate::record::{Limits, RecBuf};
use crate::value::FieldWriter;

/// Most diagnostic lines one instance may write per second.
pub(crate) const LOG_LINES_PER_SECOND: u32 = 100;

/// Most distinct counters one instance may keep; later names are ignored.
const MAX_COUNTERS: usize = 64;

/// Longest counter name kept, in bytes.
const MAX_COUNTER_NAME: usize = 64;

/// Longest error message kept, in bytes.
const MAX_ERROR: usize = 4096;

/// What `asynclog_host` points to: one per instance.
pub(crate) struct HostCtx {
    /// `asynclog: plugin <name>: <instance>: `.
    prefix: String,
    pub last_error: Mutex<Option<String>>,
    pub counters: Mutex<Vec<(String, u64)>>,
    log_budget: Mutex<LogBudget>,
    statics: Mutex<Statics>,
}

/// Fields an enricher gives once, during `create`, for every record.
struct Statics {
    /// Open for additions while `create` runs.
    open: bool,
    /// The fields, in the field encoding.
    fields: RecBuf,
}

struct LogBudget {
    window: Instant,
    lines: u32,
    suppressed: u64,
}

impl HostCtx {
    pub(crate) fn new(plugin: &str, instance: &str) -> HostCtx {
        HostCtx {
            prefix: format!("asynclog: plugin {plugin}: {instance}: "),
            last_error: Mutex::new(None),
            counters: Mutex::new(Vec::new()),
            log_budget: Mutex::new(LogBudget {
                window: Instant::now(),
                lines: 0,
                suppressed: 0,
            }),
            statics: Mutex::new(Statics {
                open: false,
                fields: RecBuf::new(),
            }),
        }
    }

    /// Opens (`create` is about to run) or closes (it returned) the
    /// static fields to additions.
    pub(crate) fn set_statics_open(&self, open: bool) {
        lock(&self.statics).open = open;
    }

    /// The static fields given during `create`, in the field encoding.
    pub(crate) fn static_fields(&self) -> Vec<u8> {
        lock(&self.statics).fields.as_slice().to_vec()
    }

    /// Adds one static field through a [`FieldWriter`], so the limits and
    /// UTF-8 repair apply; false outside `create`.
    fn add_static(&self, write: impl FnOnce(&mut FieldWriter<'_>)) -> bool {
        let mut statics = lock(&self.statics);
        if !statics.open {
            return false;
        }
        let limits = Limits::default();
        let mut w = FieldWriter::new(&mut statics.fields, &limits);
        write(&mut w);
        w.finish();
        true
    }

    pub(crate) fn as_abi(&self) -> *const abi::asynclog_host {
        (self as *const HostCtx).cast()
    }

    /// Takes the message the plugin set, if any.
    pub(crate) fn take_error(&self) -> Option<String> {
        lock(&self.last_error).take()
    }

    pub(crate) fn set_error(&self, message: String) {
        *lock(&self.last_error) = Some(message);
    }

    /// Writes one diagnostic line to standard error, within the budget.
    pub(crate) fn diagnostic(&self, level: &str, message: &[u8]) {
        let mut budget = lock(&self.log_budget);
        let now = Instant::now();
        let mut line = String::new();
        if now.duration_since(budget.window).as_secs() >= 1 {
            if budget.suppressed > 0 {
                let _ = writeln!(
                    line,
                    "{}warn: {} diagnostic lines suppressed",
                    self.prefix, budget.suppressed
                );
            }
            *budget = LogBudget {
                window: now,
                lines: 0,
                suppressed: 0,
            };
        }
        if budget.lines >= LOG_LINES_PER_SECOND {
            budget.suppressed += 1;
            return;
        }
        budget.lines += 1;
        drop(budget);
        line.push_str(&self.prefix);
        line.push_str(level);
        line.push_str(": ");
        escape_into(&mut line, &String::from_utf8_lossy(message));
        line.push('\n');
        let _ = crate::sink::stdio::write_all_fd(2, line.as_bytes());
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Appends `s` with control characters written as `\n`, `\t` or `\u{..}`.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// Borrows `len` bytes at `ptr`; empty for NULL.
///
/// # Safety
/// A non-NULL `ptr` must point to `len` readable bytes for `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: as the caller promises.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// # Safety
/// `host` must be NULL or a handle this host gave out and not yet retired.
unsafe fn ctx<'a>(host: *const abi::asynclog_host) -> Option<&'a HostCtx> {
    // SAFETY: handles are `HostCtx` pointers kept alive by their instance.
    unsafe { host.cast::<HostCtx>().as_ref() }
}

unsafe extern "C" fn host_log(
    host: *const abi::asynclog_host,
    level: u32,
    msg: *const u8,
    len: usize,
) {
    // SAFETY: the ABI's contract for `host` and `(msg, len)`.
    let (Some(ctx), msg) = (unsafe { ctx(host) }, unsafe { bytes(msg, len) }) else {
        return;
    };
    let level = u8::try_from(level)
        .ok()
        .and_then(Level::from_u8)
        .map_or("info", Level::as_lower_str);
    ctx.diagnostic(level, msg);
}

unsafe extern "C" fn host_set_error(host: *const abi::asynclog_host, msg: *const u8, len: usize) {
    // SAFETY: the ABI's contract for `host` and `(msg, len)`.
    let (Some(ctx), msg) = (unsafe { ctx(host) }, unsafe { bytes(msg, len) }) else {
        return;
    };
    let msg = &msg[..msg.len().min(MAX_ERROR)];
    ctx.set_error(String::from_utf8_lossy(msg).into_owned());
}

unsafe extern "C" fn host_now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

unsafe extern "C" fn host_counter_add(
    host: *const abi::asynclog_host,
    name: *const u8,
    len: usize,
    delta: u64,
) {
    // SAFETY: the ABI's contract for `host` and `(name, len)`.
    let (Some(ctx), name) = (unsafe { ctx(host) }, unsafe { bytes(name, len) }) else {
        return;
    };
    if name.is_empty() {
        return;
    }
    let name = String::from_utf8_lossy(&name[..name.len().min(MAX_COUNTER_NAME)]);
    let mut counters = lock(&ctx.counters);
    if let Some((_, n)) = counters.iter_mut().find(|(k, _)| *k == name) {
        *n = n.saturating_add(delta);
    } else if counters.len() < MAX_COUNTERS {
        counters.push((name.into_owned(), delta));
    }
}

unsafe extern "C" fn static_add_str(
    host: *const abi::asynclog_host,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
) -> abi::asynclog_plugin_status {
    // SAFETY: the ABI's contract for `host` and both byte runs.
    let (Some(ctx), key, value) = (
        unsafe { ctx(host) },
        unsafe { bytes(key, key_len) },
        unsafe { bytes(value, value_len) },
    ) else {
        return abi::ASYNCLOG_PLUGIN_ERROR;
    };
    static_status(!key.is_empty() && ctx.add_static(|w| w.str(Some(key), value)))
}

unsafe extern "C" fn static_add_i64(
    host: *const abi::asynclog_host,
    key: *const u8,
    key_len: usize,
    value: i64,
) -> abi::asynclog_plugin_status {
    // SAFETY: the ABI's contract for `host` and `(key, key_len)`.
    let (Some(ctx), key) = (unsafe { ctx(host) }, unsafe { bytes(key, key_len) }) else {
        return abi::ASYNCLOG_PLUGIN_ERROR;
    };
    static_status(!key.is_empty() && ctx.add_static(|w| w.i64(Some(key), value)))
}

fn static_status(added: bool) -> abi::asynclog_plugin_status {
    if added {
        abi::ASYNCLOG_PLUGIN_OK
    } else {
        abi::ASYNCLOG_PLUGIN_ERROR
    }
}

/// The edits one `process` call asks for. Keys and values live in one
/// byte arena, so the steady state allocates nothing.
#[derive(Default)]
pub(crate) struct EditState {
    /// Set only while the plugin's `process` runs.
    pub active: bool,
    /// Set by the first edit the plugin asks for in a call: a call that
    /// asks for none leaves nothing to clear or apply.
    pub touched: bool,
    pub drop: bool,
    pub adds: Vec<(Range<usize>, Added)>,
    pub replaces: Vec<(Range<usize>, Range<usize>)>,
    pub message: Option<Range<usize>>,
    pub arena: Vec<u8>,
}

#[derive(Clone)]
pub(crate) enum Added {
    Str(Range<usize>),
    I64(i64),
}

impl EditState {
    /// Readies the state for one `process` call: clears what the last
    /// call asked for, if it asked for anything, and accepts edits.
    #[inline]
    pub(crate) fn begin(&mut self) {
        if self.touched {
            self.touched = false;
            self.drop = false;
            self.adds.clear();
            self.replaces.clear();
            self.message = None;
            self.arena.clear();
        }
        self.active = true;
    }

    /// True when the record must be rebuilt.
    pub(crate) fn changes(&self) -> bool {
        !self.adds.is_empty() || !self.replaces.is_empty() || self.message.is_some()
    }

    pub(crate) fn text(&self, r: &Range<usize>) -> &[u8] {
        &self.arena[r.clone()]
    }

    fn store(&mut self, b: &[u8]) -> Range<usize> {
        let start = self.arena.len();
        self.arena.extend_from_slice(b);
        start..self.arena.len()
    }

    pub(crate) fn as_abi(&mut self) -> *mut abi::asynclog_record_edit {
        (self as *mut EditState).cast()
    }
}

/// # Safety
/// `edit` must be NULL or the handle of a live `EditState`.
unsafe fn edit_state<'a>(edit: *mut abi::asynclog_record_edit) -> Option<&'a mut EditState> {
    // SAFETY: edit handles are `EditState` pointers owned by the worker.
    let state = unsafe { edit.cast::<EditState>().as_mut()? };
    if !state.active {
        return None;
    }
    state.touched = true;
    Some(state)
}

unsafe extern "C" fn edit_add_str(
    edit: *mut abi::asynclog_record_edit,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
) {
    // SAFETY: the ABI's contract for each pointer.
    let Some(state) = (unsafe { edit_state(edit) }) else {
        return;
    };
    let (key, value) = unsafe { (bytes(key, key_len), bytes(value, value_len)) };
    if key.is_empty() {
        return;
    }
    let k = state.store(key);
    let v = state.store(value);
    state.adds.push((k, Added::Str(v)));
}

unsafe extern "C" fn edit_add_i64(
    edit: *mut abi::asynclog_record_edit,
    key: *const u8,
    key_len: usize,
    value: i64,
) {
    // SAFETY: the ABI's contract for each pointer.
    let Some(state) = (unsafe { edit_state(edit) }) else {
        return;
    };
    let key = unsafe { bytes(key, key_len) };
    if key.is_empty() {
        return;
    }
    let k = state.store(key);
    state.adds.push((k, Added::I64(value)));
}

unsafe extern "C" fn edit_drop(edit: *mut abi::asynclog_record_edit) {
    // SAFETY: the ABI's contract for `edit`.
    if let Some(state) = unsafe { edit_state(edit) } {
        state.drop = true;
    }
}

unsafe extern "C" fn edit_replace_str(
    edit: *mut abi::asynclog_record_edit,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
) {
    // SAFETY: the ABI's contract for each pointer.
    let Some(state) = (unsafe { edit_state(edit) }) else {
        return;
    };
    let (key, value) = unsafe { (bytes(key, key_len), bytes(value, value_len)) };
    if key.is_empty() {
        return;
    }
    let k = state.store(key);
    let v = state.store(value);
    state.replaces.push((k, v));
}

unsafe extern "C" fn edit_set_message(
    edit: *mut abi::asynclog_record_edit,
    value: *const u8,
    value_len: usize,
) {
    // SAFETY: the ABI's contract for each pointer.
    let Some(state) = (unsafe { edit_state(edit) }) else {
        return;
    };
    let value = unsafe { bytes(value, value_len) };
    let v = state.store(value);
    state.message = Some(v);
}

/// The table every instance gets; static, so it outlives them all.
pub(crate) static HOST_API: abi::asynclog_host_api = abi::asynclog_host_api {
    struct_size: std::mem::size_of::<abi::asynclog_host_api>() as u32,
    abi_major: abi::ASYNCLOG_PLUGIN_ABI_MAJOR,
    abi_minor: abi::ASYNCLOG_PLUGIN_ABI_MINOR,
    log: host_log,
    set_error: host_set_error,
    now_nanos: host_now_nanos,
    counter_add: host_counter_add,
    edit_add_str,
    edit_add_i64,
    edit_drop,
    edit_replace_str,
    edit_set_message,
    static_add_str,
    static_add_i64,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_escape_control_characters() {
        let mut out = String::new();
        escape_into(&mut out, "a\nb\x1b[31mc");
        assert_eq!(out, "a\\nb\\u{1b}[31mc");
    }

    #[test]
    fn counters_add_up_and_stay_bounded() {
        let ctx = HostCtx::new("p", "processors[0]");
        let h = ctx.as_abi();
        for i in 0..100u64 {
            let name = format!("c{}", i % 70);
            // SAFETY: a live handle and a live name.
            unsafe { (HOST_API.counter_add)(h, name.as_ptr(), name.len(), 1) };
        }
        let counters = ctx.counters.lock().unwrap();
        assert_eq!(counters.len(), MAX_COUNTERS);
        assert_eq!(counters[0], ("c0".to_string(), 2));
    }

    #[test]
    fn static_fields_are_taken_only_while_create_runs() {
        let ctx = HostCtx::new("p", "processors[0]");
        let h = ctx.as_abi();
        let add = |key: &str, value: &str| {
            // SAFETY: a live handle and live strings.
            unsafe {
                (HOST_API.static_add_str)(h, key.as_ptr(), key.len(), value.as_ptr(), value.len())
            }
        };
        assert_eq!(add("early", "x"), abi::ASYNCLOG_PLUGIN_ERROR);
        ctx.set_statics_open(true);
        assert_eq!(add("service.name", "checkout"), abi::ASYNCLOG_PLUGIN_OK);
        assert_eq!(add("", "no key"), abi::ASYNCLOG_PLUGIN_ERROR);
        // SAFETY: as above.
        let n = unsafe { (HOST_API.static_add_i64)(h, b"pid".as_ptr(), 3, 42) };
        assert_eq!(n, abi::ASYNCLOG_PLUGIN_OK);
        ctx.set_statics_open(false);
        assert_eq!(add("late", "x"), abi::ASYNCLOG_PLUGIN_ERROR);
        let fields = ctx.static_fields();
        let entries: Vec<_> = crate::tlv::Entries::object(&fields).collect();
        assert_eq!(
            entries,
            [
                ("service.name", crate::tlv::Item::Str("checkout")),
                ("pid", crate::tlv::Item::I64(42)),
            ]
        );
    }

    #[test]
    fn edits_outside_process_are_ignored() {
        let mut state = EditState::default();
        let h = state.as_abi();
        // SAFETY: a live edit state.
        unsafe { (HOST_API.edit_drop)(h) };
        assert!(!state.drop);
        state.active = true;
        let h = state.as_abi();
        // SAFETY: a live edit state.
        unsafe { (HOST_API.edit_drop)(h) };
        assert!(state.drop);
    }
}
