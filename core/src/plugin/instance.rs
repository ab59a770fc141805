//! Plugin instances: creating them, calling them one call at a time,
//! retiring them, and reporting their health.
//!
//! The host serialises every call into one instance behind a mutex, so a
//! plugin never sees two calls at once for one instance, though calls may
//! come from different threads (`create` from the thread building the
//! logger, `process` from the worker, `write_batch` from the sink's
//! thread, `health` from whoever asks). The lock is uncontended except
//! while a health report is taken.
//!
//! An instance that returns `FATAL` or `PANIC` is retired: destroyed once,
//! marked unhealthy, and never called again.

use std::ffi::c_void;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use asynclog_plugin_abi as abi;

use super::host::{HOST_API, HostCtx};
use super::loader::{Plugin, ProcessBatchFn, ProcessFn};
use super::{PluginConfig, PluginKind, status_name};

/// The plugin's instance pointer, and whether it is still alive.
struct Raw {
    ptr: *mut c_void,
    alive: bool,
}

// SAFETY: the ABI gives instances no thread affinity; every use of the
// pointer happens under the instance's mutex, one call at a time.
unsafe impl Send for Raw {}

/// One instance of a plugin, shared by whoever calls it and the health
/// report.
pub(crate) struct Instance {
    pub plugin: Plugin,
    /// How the health report names it: the sink's name, or
    /// `processors[N]`.
    pub label: String,
    pub host: HostCtx,
    raw: Mutex<Raw>,
    retired: AtomicBool,
    last_error: Mutex<Option<String>>,
    pub calls: AtomicU64,
    pub errors: AtomicU64,
    pub filtered: AtomicU64,
    pub passed_through: AtomicU64,
}

/// An instance held by the worker for a pass over the queue: its lock is
/// taken once for many `process` calls, and the calls are counted once.
/// Health reports from other threads wait for the pass to end.
pub(crate) struct Held {
    // Declared before `instance`, so it is dropped first: it borrows the
    // instance that the `Arc` below keeps alive at a fixed address.
    guard: std::sync::MutexGuard<'static, Raw>,
    /// The plugin's `process`, or `None` when the instance was destroyed
    /// before the pass began. Nothing else destroys it while the lock is
    /// held, so it is looked up once per pass.
    process: Option<ProcessFn>,
    /// The plugin's `process_batch`, when it has one (and `process` is
    /// set).
    process_batch: Option<ProcessBatchFn>,
    calls: u64,
    instance: Arc<Instance>,
}

impl Held {
    /// Calls `process`; `None` once the instance is destroyed.
    #[inline]
    pub(crate) fn process(
        &mut self,
        record: &abi::asynclog_record_view,
        edit: *mut abi::asynclog_record_edit,
    ) -> Option<i32> {
        let process = self.process?;
        self.calls += 1;
        // SAFETY: a live instance, held; a record view and edit handle
        // valid for the call.
        Some(unsafe { process(self.guard.ptr, record, edit) })
    }

    /// True when [`Held::process_batch`] makes one call for many records.
    #[inline]
    pub(crate) fn batches(&self) -> bool {
        self.process_batch.is_some()
    }

    /// Calls `process_batch` on `records`, each with its edit handle,
    /// storing each status; returns how many records were processed (at
    /// most `records.len()`), or `None` when the plugin has no
    /// `process_batch` or the instance is destroyed.
    #[inline]
    pub(crate) fn process_batch(
        &mut self,
        records: &[abi::asynclog_record_view],
        edits: &[*mut abi::asynclog_record_edit],
        statuses: &mut [i32],
    ) -> Option<usize> {
        let batch = self.process_batch?;
        let count = records.len().min(edits.len()).min(statuses.len());
        // SAFETY: a live instance, held; `count` views, edit handles and
        // status slots, valid for the call.
        let done = unsafe {
            batch(
                self.guard.ptr,
                records.as_ptr(),
                edits.as_ptr(),
                statuses.as_mut_ptr(),
                count,
            )
        }
        .min(count);
        self.calls += done as u64;
        Some(done)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.instance.calls.fetch_add(self.calls, Ordering::Relaxed);
    }
}

/// Why `create` failed.
pub(crate) enum CreateError {
    /// `BAD_CONFIG`, with the plugin's message.
    BadConfig(String),
    /// Any other status.
    Failed(String),
}

/// Creates an instance. `label` names it in the health report; `context`
/// (`sinks[1] (archive)`) in diagnostics.
pub(crate) fn create_instance(
    plugin: Plugin,
    label: &str,
    context: &str,
    config: &PluginConfig,
) -> Result<Arc<Instance>, CreateError> {
    let instance = Arc::new(Instance {
        plugin,
        label: label.to_string(),
        host: HostCtx::new(plugin.name(), context),
        raw: Mutex::new(Raw {
            ptr: std::ptr::null_mut(),
            alive: false,
        }),
        retired: AtomicBool::new(false),
        last_error: Mutex::new(None),
        calls: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        filtered: AtomicU64::new(0),
        passed_through: AtomicU64::new(0),
    });
    let create = plugin.library().callbacks.create;
    let mut ptr: *mut c_void = std::ptr::null_mut();
    instance.host.set_statics_open(true);
    let status = config.with_entries(|entries| {
        // SAFETY: the host handle and table outlive the instance; the
        // entries live for the call; `ptr` is valid for writing.
        unsafe {
            create(
                instance.host.as_abi(),
                &HOST_API,
                entries.as_ptr(),
                entries.len(),
                &mut ptr,
            )
        }
    });
    instance.host.set_statics_open(false);
    let message = instance.host.take_error();
    match status {
        abi::ASYNCLOG_PLUGIN_OK => {
            *lock(&instance.raw) = Raw { ptr, alive: true };
            Ok(instance)
        }
        abi::ASYNCLOG_PLUGIN_BAD_CONFIG => {
            Err(CreateError::BadConfig(message.unwrap_or_else(|| {
                "the plugin refused its settings".into()
            })))
        }
        other => {
            let mut reason = format!("create returned {}", status_name(other));
            if let Some(m) = message {
                let _ = write!(reason, ": {m}");
            }
            Err(CreateError::Failed(reason))
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Instance {
    pub(crate) fn kind(&self) -> PluginKind {
        self.plugin.kind()
    }

    pub(crate) fn is_retired(&self) -> bool {
        self.retired.load(Ordering::Acquire)
    }

    /// Runs `f` with the instance pointer, unless it has been destroyed.
    fn call<R>(&self, f: impl FnOnce(*mut c_void) -> R) -> Option<R> {
        let raw = lock(&self.raw);
        if !raw.alive {
            return None;
        }
        Some(f(raw.ptr))
    }

    /// [`Instance::call`], counted in `calls`.
    fn counted<R>(&self, f: impl FnOnce(*mut c_void) -> R) -> Option<R> {
        self.call(|ptr| {
            self.calls.fetch_add(1, Ordering::Relaxed);
            f(ptr)
        })
    }

    /// Takes the instance's lock for a pass of `process` calls.
    pub(crate) fn hold(self: &Arc<Instance>) -> Held {
        let instance = Arc::clone(self);
        let guard = lock(&instance.raw);
        // SAFETY: the guard borrows `instance.raw`, which lives in the
        // `Arc`'s allocation; `Held` keeps that `Arc` and drops the guard
        // before it, so the borrow never outlives the mutex.
        let guard = unsafe {
            std::mem::transmute::<std::sync::MutexGuard<'_, Raw>, std::sync::MutexGuard<'static, Raw>>(
                guard,
            )
        };
        let callbacks = &instance.plugin.library().callbacks;
        let (process, process_batch) = match guard.alive {
            true => (callbacks.process, callbacks.process_batch),
            false => (None, None),
        };
        Held {
            guard,
            process,
            process_batch: process_batch.filter(|_| process.is_some()),
            calls: 0,
            instance,
        }
    }

    /// Calls `process`; `None` once the instance is retired.
    pub(crate) fn process(
        &self,
        record: &abi::asynclog_record_view,
        edit: *mut abi::asynclog_record_edit,
    ) -> Option<i32> {
        let process = self.plugin.library().callbacks.process?;
        // SAFETY: a live instance, a record view and edit handle valid
        // for the call.
        self.counted(|ptr| unsafe { process(ptr, record, edit) })
    }

    /// Calls `write_batch`; `None` once the instance is retired.
    pub(crate) fn write_batch(&self, lines: &[abi::asynclog_bytes]) -> Option<(i32, usize)> {
        let write_batch = self.plugin.library().callbacks.write_batch?;
        let mut accepted = 0usize;
        // SAFETY: a live instance; the lines live for the call.
        let status = self.counted(|ptr| unsafe {
            write_batch(ptr, lines.as_ptr(), lines.len(), &mut accepted)
        })?;
        Some((status, accepted.min(lines.len())))
    }

    /// Calls `flush` if the plugin has one; `None` when it has none or the
    /// instance is retired.
    pub(crate) fn flush(&self, timeout_ms: u64) -> Option<i32> {
        let flush = self.plugin.library().callbacks.flush?;
        // SAFETY: a live instance.
        self.counted(|ptr| unsafe { flush(ptr, timeout_ms) })
    }

    /// Counts failed calls whose message was not kept.
    pub(crate) fn add_errors(&self, n: u64) {
        if n > 0 {
            self.errors.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Records a failed call that leaves the instance running.
    #[cold]
    pub(crate) fn note_error(&self, status: i32, during: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut message = format!("{during} returned {}", status_name(status));
        if let Some(m) = self.host.take_error() {
            let _ = write!(message, ": {m}");
        }
        *lock(&self.last_error) = Some(message);
    }

    /// Retires the instance after `status` from `during`: destroys it
    /// once, and says so on standard error. The message it set stays as
    /// the instance's last error.
    #[cold]
    pub(crate) fn retire(&self, status: i32, during: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut message = format!("retired after {during} returned {}", status_name(status));
        if let Some(m) = self.host.take_error() {
            let _ = write!(message, ": {m}");
        }
        self.host.diagnostic("error", message.as_bytes());
        *lock(&self.last_error) = Some(message);
        self.retired.store(true, Ordering::Release);
        self.destroy();
    }

    /// Destroys the instance if it is alive; later calls do nothing.
    pub(crate) fn destroy(&self) {
        let mut raw = lock(&self.raw);
        if raw.alive {
            raw.alive = false;
            let destroy = self.plugin.library().callbacks.destroy;
            // SAFETY: a live instance, destroyed exactly once.
            unsafe { destroy(raw.ptr) };
        }
    }

    /// The instance's health, asking the plugin when it has a `health`
    /// callback and is alive.
    pub(crate) fn health(&self) -> PluginHealth {
        let mut healthy = !self.is_retired();
        let mut last_error = lock(&self.last_error).clone();
        if let Some(health) = self.plugin.library().callbacks.health {
            // SAFETY: a live instance.
            let status = self.call(|ptr| unsafe { health(ptr) });
            if let Some(status) = status {
                if status != abi::ASYNCLOG_PLUGIN_OK {
                    healthy = false;
                    let mut message = format!("health returned {}", status_name(status));
                    if let Some(m) = self.host.take_error() {
                        let _ = write!(message, ": {m}");
                    }
                    last_error = Some(message);
                }
            }
        }
        PluginHealth {
            instance: self.label.clone(),
            plugin: self.plugin.name().to_string(),
            version: self.plugin.version().to_string(),
            kind: self.kind(),
            path: self.plugin.path().to_path_buf(),
            healthy,
            retired: self.is_retired(),
            last_error,
            calls: self.calls.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            filtered: self.filtered.load(Ordering::Relaxed),
            passed_through: self.passed_through.load(Ordering::Relaxed),
            counters: lock(&self.host.counters).clone(),
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.destroy();
    }
}

/// The health of one plugin instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginHealth {
    /// The instance: a sink's name, or `processors[N]`.
    pub instance: String,
    /// The plugin's name.
    pub plugin: String,
    /// The plugin's version.
    pub version: String,
    /// What it does.
    pub kind: PluginKind,
    /// The shared object, canonical.
    pub path: PathBuf,
    /// Not retired, and its `health` callback (if any) returned OK.
    pub healthy: bool,
    /// Retired after `FATAL` or `PANIC`: never called again.
    pub retired: bool,
    /// The last failure, with the plugin's message.
    pub last_error: Option<String>,
    /// Calls into the instance (`process`, `write_batch`, `flush`).
    pub calls: u64,
    /// Calls that failed.
    pub errors: u64,
    /// Records it dropped (processors), counted as filtered.
    pub filtered: u64,
    /// Records that went past it unprocessed because it was retired.
    pub passed_through: u64,
    /// The counters it keeps through the host API, in the order first
    /// added.
    pub counters: Vec<(String, u64)>,
}

/// The health of every plugin instance of a logger, processors first,
/// then sinks, in configuration order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HealthReport {
    /// One entry per instance.
    pub plugins: Vec<PluginHealth>,
}

impl HealthReport {
    /// True when every instance is healthy (and when there is none).
    pub fn is_healthy(&self) -> bool {
        self.plugins.iter().all(|p| p.healthy)
    }

    /// The instance with this label: a sink's name, or `processors[N]`.
    pub fn plugin(&self, instance: &str) -> Option<&PluginHealth> {
        self.plugins.iter().find(|p| p.instance == instance)
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(128 + 256 * self.plugins.len());
        out.extend_from_slice(b"{\"healthy\":");
        out.extend_from_slice(if self.is_healthy() { b"true" } else { b"false" });
        out.extend_from_slice(b",\"plugins\":[");
        for (i, p) in self.plugins.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let s = |out: &mut Vec<u8>, key: &str, value: &str| {
                out.extend_from_slice(format!(",\"{key}\":").as_bytes());
                crate::encode::json_write_str(out, value);
            };
            out.extend_from_slice(b"{\"instance\":");
            crate::encode::json_write_str(&mut out, &p.instance);
            s(&mut out, "plugin", &p.plugin);
            s(&mut out, "version", &p.version);
            s(&mut out, "kind", p.kind.as_str());
            s(&mut out, "path", &p.path.to_string_lossy());
            out.extend_from_slice(
                format!(
                    ",\"healthy\":{},\"retired\":{},\"last_error\":",
                    p.healthy, p.retired
                )
                .as_bytes(),
            );
            match &p.last_error {
                Some(e) => crate::encode::json_write_str(&mut out, e),
                None => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(
                format!(
                    ",\"calls\":{},\"errors\":{},\"filtered\":{},\"passed_through\":{},\
                     \"counters\":{{",
                    p.calls, p.errors, p.filtered, p.passed_through
                )
                .as_bytes(),
            );
            for (j, (name, n)) in p.counters.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                crate::encode::json_write_str(&mut out, name);
                out.extend_from_slice(format!(":{n}").as_bytes());
            }
            out.extend_from_slice(b"}}");
        }
        out.extend_from_slice(b"]}");
        String::from_utf8(out).unwrap_or_default()
    }
}
