//! `asynclog._native`: the Python extension over asynclog-core.
//!
//! The Python package (`python/asynclog`) is the public face; this module
//! keeps the hot path native. A level method such as `Logger.info` reads
//! the caller's context from its `contextvars.ContextVar`, checks the
//! level, writes the keyword fields straight into a queue slot and returns;
//! encoding and I/O happen on the core's threads.
//!
//! Logger handles do not hold a core logger of their own choosing: they
//! follow the process's current root, which `install` swaps. A handle made
//! at import time (`log = get_logger(__name__)`) therefore writes wherever
//! the application configures later, and a test fixture can swap in a
//! capture sink under loggers that already exist.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use asynclog_core::config::Config;
use asynclog_core::context::Context as CoreContext;
use asynclog_core::{FieldWriter, Level, Logger as CoreLogger, copy_encoded};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple};

mod asgi;
mod convert;
mod fast;
mod ids;

use convert::{Stack, Text};

/// The process's current root logger, and how many times it changed.
struct Hub {
    epoch: AtomicU64,
    root: Mutex<Option<Root>>,
}

static HUB: Hub = Hub {
    epoch: AtomicU64::new(1),
    root: Mutex::new(None),
};

/// The `ContextVar` the package keeps context in.
static CONTEXT_VAR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
/// Builds the exception fields for `Logger.exception`.
static EXC_FIELDS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
/// `asynclog.ConfigError`.
static CONFIG_ERROR: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn level_from(n: u8) -> PyResult<Level> {
    Level::from_u8(n).ok_or_else(|| PyValueError::new_err(format!("no level numbered {n}")))
}

fn seconds(timeout: f64) -> Duration {
    if timeout.is_finite() && timeout > 0.0 {
        Duration::from_secs_f64(timeout.min(1e9))
    } else {
        Duration::ZERO
    }
}

/// A configuration error as `asynclog.ConfigError(message, path, file)`.
fn config_error(py: Python<'_>, e: &asynclog_core::Error) -> PyErr {
    let (path, file) = match e {
        asynclog_core::Error::Config(c) => (
            c.path.clone(),
            c.file.as_ref().map(|f| f.display().to_string()),
        ),
        _ => (String::new(), None),
    };
    match CONFIG_ERROR.get(py) {
        Some(cls) => match cls.bind(py).call1((e.to_string(), path, file)) {
            Ok(err) => PyErr::from_value(err),
            Err(err) => err,
        },
        None => PyValueError::new_err(e.to_string()),
    }
}

/// The fields encoded once, from a dict of any values.
fn encode_fields(py: Python<'_>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<CoreContext> {
    let Some(fields) = fields else {
        return Ok(CoreContext::default());
    };
    let mut stack = Stack::new();
    let native = if convert::dict_is_native(fields.as_ptr(), 0, &mut stack) {
        fields.clone()
    } else {
        convert::normalize_dict(fields.as_any(), 0, &mut stack)?
    };
    Ok(CoreContext::build(|w| {
        convert::write_dict(py, w, native.as_ptr())
    }))
}

/// A root logger: one core logger with its queue, worker and sinks.
#[pyclass(module = "asynclog._native", frozen, from_py_object)]
#[derive(Clone)]
struct Root {
    logger: CoreLogger,
}

#[pymethods]
impl Root {
    /// Builds a logger from a JSON or TOML document, a file, or (with
    /// neither) the embedded default with `ASYNCLOG_*` overrides.
    #[staticmethod]
    #[pyo3(signature = (text=None, path=None))]
    fn build(py: Python<'_>, text: Option<&str>, path: Option<&str>) -> PyResult<Root> {
        let config = match (text, path) {
            (Some(_), Some(_)) => {
                return Err(PyValueError::new_err("give a document or a file, not both"));
            }
            (Some(t), None) => Config::parse(t),
            (None, Some(p)) => Config::from_file(std::path::Path::new(p)),
            (None, None) => {
                let mut c = Config::default();
                c.apply_env(&|k| std::env::var(k).ok()).map(|()| c)
            }
        };
        let mut config = config.map_err(|e| config_error(py, &e.into()))?;
        if config.queue.shards == 0 {
            // `auto` is one shard here: Python logs from one thread at a
            // time (the GIL), so shards would only split the capacity.
            config.queue.shards = 1;
        }
        let logger = py
            .detach(|| CoreLogger::new(config))
            .map_err(|e| config_error(py, &e))?;
        Ok(Root { logger })
    }

    /// The configured logger name.
    #[getter]
    fn name(&self) -> &str {
        self.logger.name()
    }

    /// The minimum level, as its number.
    #[getter]
    fn level(&self) -> u8 {
        self.logger.level() as u8
    }

    fn set_level(&self, level: u8) -> PyResult<()> {
        self.logger.set_level(level_from(level)?);
        Ok(())
    }

    /// Waits, without the GIL, until everything logged before the call is
    /// written; returns how many events were not (0 when all were).
    fn flush(&self, py: Python<'_>, timeout: f64) -> u64 {
        let logger = self.logger.clone();
        py.detach(move || match logger.flush(seconds(timeout)) {
            Ok(()) => 0,
            Err(p) => p.events,
        })
    }

    /// Flushes on a thread of its own and calls `done(pending)` there.
    fn flush_in_thread(&self, timeout: f64, done: Py<PyAny>) -> PyResult<()> {
        let logger = self.logger.clone();
        std::thread::Builder::new()
            .name("asynclog-flush".into())
            .spawn(move || {
                let pending = match logger.flush(seconds(timeout)) {
                    Ok(()) => 0,
                    Err(p) => p.events,
                };
                Python::attach(|py| {
                    if let Err(e) = done.bind(py).call1((pending,)) {
                        e.write_unraisable(py, None);
                    }
                });
            })
            .map_err(|e| PyRuntimeError::new_err(format!("starting a flush thread: {e}")))?;
        Ok(())
    }

    /// Stops accepting events and drains every sink, without the GIL;
    /// returns how many events were not written.
    fn shutdown(&self, py: Python<'_>, timeout: f64) -> u64 {
        let logger = self.logger.clone();
        py.detach(move || match logger.shutdown(seconds(timeout)) {
            Ok(()) => 0,
            Err(p) => p.events,
        })
    }

    /// Every counter, as the core's JSON document.
    fn metrics_json(&self) -> String {
        self.logger.metrics().to_json()
    }

    /// The text a capture sink has received, or `None` without such a sink.
    fn capture_text(&self, sink: &str) -> Option<String> {
        self.logger.capture(sink).map(|c| c.text())
    }

    /// Empties a capture sink; false without such a sink.
    fn capture_clear(&self, sink: &str) -> bool {
        self.logger.capture(sink).map(|c| c.clear()).is_some()
    }
}

/// A context: fields encoded once, kept in a `ContextVar` and carried into
/// each record logged while it is current. `fields` holds the same values
/// as given, for reading back.
#[pyclass(module = "asynclog._native", frozen)]
struct Context {
    encoded: CoreContext,
    fields: Py<PyDict>,
}

#[pymethods]
impl Context {
    #[new]
    #[pyo3(signature = (fields=None))]
    fn new(py: Python<'_>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<Context> {
        let encoded = encode_fields(py, fields)?;
        let copy = match fields {
            Some(f) => f.copy()?,
            None => PyDict::new(py),
        };
        Ok(Context {
            encoded,
            fields: copy.unbind(),
        })
    }

    /// This context with `fields` added; their keys win.
    fn extend(&self, py: Python<'_>, fields: &Bound<'_, PyDict>) -> PyResult<Context> {
        let inner = encode_fields(py, Some(fields))?;
        let merged = self.fields.bind(py).copy()?;
        merged.update(fields.as_mapping())?;
        Ok(Context {
            encoded: self.encoded.extend(&inner),
            fields: merged.unbind(),
        })
    }

    /// A copy of the fields.
    #[getter]
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.fields.bind(py).copy()
    }

    /// The value of one field, or `default`.
    #[pyo3(signature = (key, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(self.fields.bind(py).get_item(key)?.or(default))
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.fields.bind(py).len()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Context({})", self.fields.bind(py).repr()?))
    }
}

/// What a handle last resolved against the root.
struct Resolved {
    epoch: u64,
    logger: CoreLogger,
}

/// A logger handle: a name and bound fields over the current root.
#[pyclass(module = "asynclog._native", frozen)]
struct Logger {
    /// `None` for the root's own name.
    name: Option<String>,
    bound: CoreContext,
    resolved: ArcSwapOption<Resolved>,
}

impl Logger {
    fn make(name: Option<String>, bound: CoreContext) -> Logger {
        Logger {
            name,
            bound,
            resolved: ArcSwapOption::empty(),
        }
    }

    /// The core logger for this handle under the current root.
    #[inline]
    pub(crate) fn core(&self, py: Python<'_>) -> PyResult<CoreLogger> {
        let epoch = HUB.epoch.load(Ordering::Acquire);
        if let Some(r) = &*self.resolved.load() {
            if r.epoch == epoch {
                return Ok(r.logger.clone());
            }
        }
        self.resolve(py)
    }

    #[cold]
    fn resolve(&self, py: Python<'_>) -> PyResult<CoreLogger> {
        let (epoch, root) = current_root(py)?;
        let bound = self.bound.as_bytes();
        let logger = match (&self.name, bound.is_empty()) {
            (None, true) => root.logger.clone(),
            (name, _) => root.logger.child(name.as_deref().map(str::as_bytes), |w| {
                let _ = copy_encoded(w, bound);
            }),
        };
        self.resolved.store(Some(Arc::new(Resolved {
            epoch,
            logger: logger.clone(),
        })));
        Ok(logger)
    }

    /// Logs one event. Fields that are all native go straight to the
    /// writer; others are rebuilt first (see `convert`).
    #[inline]
    fn emit(
        &self,
        py: Python<'_>,
        level: Level,
        message: &Bound<'_, PyAny>,
        fields: Fields<'_, '_>,
        extra: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let Some(logger) = self.enabled(py, level)? else {
            return Ok(());
        };
        let message = convert::any_text(message);

        let mut stack = Stack::new();
        let fields = match fields {
            Fields::Dict(f) if !convert::dict_is_native(f.as_ptr(), 0, &mut stack) => {
                Fields::Dict(convert::normalize_dict(f.as_any(), 0, &mut stack)?)
            }
            Fields::Keywords { names, values }
                if !values.iter().all(|&v| convert::is_native(v, 1, &mut stack)) =>
            {
                let d = PyDict::new(py);
                for (i, &v) in values.iter().enumerate() {
                    let name = unsafe { ffi::PyTuple_GetItem(names, i as ffi::Py_ssize_t) };
                    let name = unsafe { Bound::from_borrowed_ptr(py, name) };
                    d.set_item(name, unsafe { Bound::from_borrowed_ptr(py, v) })?;
                }
                Fields::Dict(convert::normalize_dict(d.as_any(), 0, &mut stack)?)
            }
            other => other,
        };
        let extra = match extra {
            Some(e) => Some(convert::normalize_dict(e.as_any(), 0, &mut stack)?),
            None => None,
        };
        in_context(py, &logger, level, message.bytes(), |w| {
            match &fields {
                Fields::None => {}
                Fields::Dict(f) => convert::write_dict(py, w, f.as_ptr()),
                Fields::Keywords { names, values } => {
                    convert::write_keywords(py, w, *names, values)
                }
            }
            if let Some(e) = &extra {
                convert::write_dict(py, w, e.as_ptr());
            }
        });
        Ok(())
    }

    /// The core logger when an event at `level` would be logged; `None`
    /// (with the event counted as filtered) when it would not.
    #[inline]
    fn enabled(&self, py: Python<'_>, level: Level) -> PyResult<Option<CoreLogger>> {
        let logger = self.core(py)?;
        if !logger.is_enabled(level) {
            // Counted as filtered by the core; nothing else is done.
            logger.log_with(level, b"", |_| {});
            return Ok(None);
        }
        Ok(Some(logger))
    }

    /// Logs one event whose fields `write` writes straight into the
    /// record, in the caller's context. `write` must not run Python code:
    /// values it writes are native already (see `convert`).
    pub(crate) fn emit_with(
        &self,
        py: Python<'_>,
        level: Level,
        message: &[u8],
        write: impl FnOnce(&mut FieldWriter<'_>),
    ) -> PyResult<()> {
        if let Some(logger) = self.enabled(py, level)? {
            in_context(py, &logger, level, message, write);
        }
        Ok(())
    }
}

/// Logs one event through `logger` in the context the package's
/// `ContextVar` holds for the caller.
#[inline]
fn in_context(
    py: Python<'_>,
    logger: &CoreLogger,
    level: Level,
    message: &[u8],
    write: impl FnOnce(&mut FieldWriter<'_>),
) {
    let context_obj = CONTEXT_VAR
        .get(py)
        .and_then(|var| fast::context_var_get(py, var));
    let context = context_obj.as_ref().and_then(|c| c.cast::<Context>().ok());
    let empty = CoreContext::default();
    let context = context.map_or(&empty, |c| &c.get().encoded);
    logger.log_in_context(level, message, context, write);
}

/// The fields of one call.
enum Fields<'py, 'a> {
    None,
    Dict(Bound<'py, PyDict>),
    /// A vectorcall's keyword names (a tuple of `str`) and their values.
    Keywords {
        names: *mut ffi::PyObject,
        values: &'a [*mut ffi::PyObject],
    },
}

impl<'py> Fields<'py, '_> {
    fn from_dict(d: Option<&Bound<'py, PyDict>>) -> Self {
        d.map_or(Fields::None, |d| Fields::Dict(d.clone()))
    }
}

/// The current root and epoch, creating the default root on first use.
fn current_root(py: Python<'_>) -> PyResult<(u64, Root)> {
    let mut root = HUB.root.lock().unwrap();
    if root.is_none() {
        *root = Some(Root::build(py, None, None)?);
        HUB.epoch.fetch_add(1, Ordering::AcqRel);
    }
    Ok((HUB.epoch.load(Ordering::Acquire), root.clone().unwrap()))
}

#[pymethods]
impl Logger {
    #[new]
    #[pyo3(signature = (name=None))]
    fn new(name: Option<String>) -> Logger {
        Logger::make(name, CoreContext::default())
    }

    /// The name written in records: this handle's, or the root's.
    #[getter]
    fn name(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.core(py)?.name().to_owned())
    }

    /// Logs at a level given by number.
    #[pyo3(signature = (level, message, /, **fields))]
    fn log(
        &self,
        py: Python<'_>,
        level: u8,
        message: &Bound<'_, PyAny>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.emit(
            py,
            level_from(level)?,
            message,
            Fields::from_dict(fields),
            None,
        )
    }

    /// Logs with the fields as a dict, and optional extra fields written
    /// after them: the form the stdlib bridge uses.
    #[pyo3(signature = (level, message, fields=None, extra=None))]
    fn log_fields(
        &self,
        py: Python<'_>,
        level: u8,
        message: &Bound<'_, PyAny>,
        fields: Option<&Bound<'_, PyDict>>,
        extra: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.emit(
            py,
            level_from(level)?,
            message,
            Fields::from_dict(fields),
            extra,
        )
    }

    /// Logs at ERROR with the exception being handled (or `exc`) as
    /// structured fields.
    #[pyo3(signature = (message, /, *, exc=None, **fields))]
    fn exception(
        &self,
        py: Python<'_>,
        message: &Bound<'_, PyAny>,
        exc: Option<Bound<'_, PyAny>>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        if !self.core(py)?.is_enabled(Level::Error) {
            return self.emit(py, Level::Error, message, Fields::None, None);
        }
        let extra = match EXC_FIELDS.get(py) {
            Some(f) => Some(f.bind(py).call1((exc,))?.cast_into::<PyDict>()?),
            None => None,
        };
        self.emit(
            py,
            Level::Error,
            message,
            Fields::from_dict(fields),
            extra.as_ref(),
        )
    }

    /// True when an event at `level` would be logged.
    fn is_enabled(&self, py: Python<'_>, level: u8) -> PyResult<bool> {
        Ok(self.core(py)?.is_enabled(level_from(level)?))
    }

    /// A child logger adding `fields` to every record.
    #[pyo3(signature = (**fields))]
    fn bind(&self, py: Python<'_>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<Logger> {
        let added = encode_fields(py, fields)?;
        Ok(Logger::make(self.name.clone(), self.bound.extend(&added)))
    }

    /// A child logger with another name, keeping the bound fields.
    fn named(&self, name: String) -> Logger {
        Logger::make(Some(name), self.bound.clone())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("<asynclog.Logger {:?}>", self.name(py)?))
    }
}

/// Makes `root` the current root (or none, so the next use builds the
/// default); returns the previous one. Handles follow at their next call.
#[pyfunction]
#[pyo3(signature = (root))]
fn install(root: Option<Root>) -> Option<Root> {
    let mut current = HUB.root.lock().unwrap();
    let previous = std::mem::replace(&mut *current, root);
    HUB.epoch.fetch_add(1, Ordering::AcqRel);
    previous
}

/// The current root, building the default one if there is none yet.
#[pyfunction]
fn current(py: Python<'_>) -> PyResult<Root> {
    Ok(current_root(py)?.1)
}

/// The current root if there is one, without building the default.
#[pyfunction]
fn peek() -> Option<Root> {
    HUB.root.lock().unwrap().clone()
}

/// Installs the package's hooks: the context variable, the
/// fallback encoder, the exception-fields builder and the ConfigError
/// class.
#[pyfunction]
fn set_hooks(
    py: Python<'_>,
    context_var: Py<PyAny>,
    fallback: Py<PyAny>,
    exc_fields: Py<PyAny>,
    config_error: Py<PyAny>,
) -> PyResult<()> {
    let already = || PyRuntimeError::new_err("hooks are already installed");
    CONTEXT_VAR.set(py, context_var).map_err(|_| already())?;
    convert::FALLBACK.set(py, fallback).map_err(|_| already())?;
    EXC_FIELDS.set(py, exc_fields).map_err(|_| already())?;
    CONFIG_ERROR.set(py, config_error).map_err(|_| already())?;
    Ok(())
}

/// The binding's own counters: values replaced because they contained
/// themselves, and because they could not be converted.
#[pyfunction]
fn binding_counters(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("recursive", convert::RECURSIVE.load(Ordering::Relaxed))?;
    d.set_item("unencodable", convert::UNENCODABLE.load(Ordering::Relaxed))?;
    Ok(d)
}

/// Encodes `fields` the way a log call would and returns each value as
/// the writer would see it: for tests of the conversion rules.
#[pyfunction]
fn normalized<'py>(fields: &Bound<'py, PyDict>) -> PyResult<Bound<'py, PyTuple>> {
    let mut stack = Stack::new();
    let native = convert::dict_is_native(fields.as_ptr(), 0, &mut stack);
    let out = convert::normalize_dict(fields.as_any(), 0, &mut Stack::new())?;
    PyTuple::new(
        fields.py(),
        [
            native.into_pyobject(fields.py())?.to_owned().into_any(),
            out.into_any(),
        ],
    )
}

/// The text of a string as the writer sees it (lone surrogates encoded
/// with `surrogatepass`): for tests.
#[pyfunction]
fn text_bytes(s: &Bound<'_, PyString>) -> Vec<u8> {
    match convert::text_of(s.as_any()) {
        Text::Borrowed(b) => b.to_vec(),
        Text::Owned(b) => b.as_bytes().to_vec(),
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Root>()?;
    m.add_class::<Logger>()?;
    fast::install(&m.py().get_type::<Logger>())?;
    m.add_class::<Context>()?;
    m.add_class::<asgi::AsgiSettings>()?;
    m.add_class::<asgi::AsgiRequest>()?;
    ids::seed_at_load();
    m.add_function(wrap_pyfunction!(asgi::route_template, m)?)?;
    m.add_function(wrap_pyfunction!(ids::valid_request_id, m)?)?;
    m.add_function(wrap_pyfunction!(ids::parse_traceparent, m)?)?;
    m.add_function(wrap_pyfunction!(ids::new_request_id, m)?)?;
    m.add_function(wrap_pyfunction!(ids::seed_request_ids, m)?)?;
    m.add_function(wrap_pyfunction!(install, m)?)?;
    m.add_function(wrap_pyfunction!(current, m)?)?;
    m.add_function(wrap_pyfunction!(peek, m)?)?;
    m.add_function(wrap_pyfunction!(set_hooks, m)?)?;
    m.add_function(wrap_pyfunction!(binding_counters, m)?)?;
    m.add_function(wrap_pyfunction!(normalized, m)?)?;
    m.add_function(wrap_pyfunction!(text_bytes, m)?)?;
    m.add("RECURSIVE_MARKER", convert::RECURSIVE_MARKER)?;
    m.add("DEPTH_MARKER", asynclog_core::record::DEPTH_MARKER)?;
    m.add(
        "TRUNCATION_MARKER",
        asynclog_core::record::TRUNCATION_MARKER,
    )?;
    Ok(())
}
