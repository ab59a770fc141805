//! The per-request work of `asynclog.fastapi.AsynclogMiddleware`.
//!
//! The middleware's Python coroutine makes two calls into this module per
//! request. [`AsgiSettings::begin`] scans the request headers once, picks
//! or makes the request id, reads `traceparent`, writes the id into the
//! scope, and sets the package's `ContextVar` to a new [`Context`] with
//! `correlation_id` (and `trace_id`, `span_id`) on top of the caller's. It
//! returns an [`AsgiRequest`], which the application gets as its `send`:
//! calling it does the response bookkeeping (status, bytes, the echoed id
//! header) and returns the server's own `send(message)` awaitable, so no
//! Python frame is added to each message. When the last body message goes
//! by, it writes the access record straight into a queue slot, with no
//! dict in between. [`AsgiRequest::end`] restores the `ContextVar`.
//!
//! The rare paths (a failing application, the 500 answer, counting a body
//! sent without a length) stay in Python and use the request's state.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use asynclog_core::Level;
use asynclog_core::context::Context as CoreContext;
use pyo3::exceptions::{PyKeyError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit, intern};

use crate::convert::{self, Stack};
use crate::{CONTEXT_VAR, Context, Logger, fast, ids};

/// What a middleware does for every request, fixed when it is built.
struct Settings {
    /// Lowercased request id header names, in the order they are tried.
    id_headers: Vec<Vec<u8>>,
    traceparent: bool,
    /// The lowercased name of the response header echoing the id.
    response_header: Option<Py<PyBytes>>,
    access: Option<Access>,
}

/// The access log's settings.
struct Access {
    logger: Py<Logger>,
    message: Vec<u8>,
    query_string: bool,
    /// Lowercased request header names to log, and response ones.
    headers: Vec<Vec<u8>>,
    response_headers: Vec<Vec<u8>>,
    /// Lowercased header names whose values are replaced by `redaction`.
    redacted: Vec<Vec<u8>>,
    redaction: Vec<u8>,
    /// `skips(path) -> bool`, when any path is skipped.
    skips: Option<Py<PyAny>>,
    /// `sampled_out(status) -> bool`, when sampling is on.
    sampled_out: Option<Py<PyAny>>,
    /// `count_body(request, receive) -> receive`: wraps `receive` to count
    /// a body that comes without a length.
    count_body: Py<PyAny>,
}

/// A middleware's settings: builds an [`AsgiRequest`] for each request.
#[pyclass(module = "asynclog._native", frozen)]
pub struct AsgiSettings {
    inner: Arc<Settings>,
}

#[pymethods]
impl AsgiSettings {
    /// Header names are lowercased bytes. Without `access_logger` no
    /// access record is written and the other access settings are unused.
    #[new]
    #[pyo3(signature = (
        *,
        id_headers,
        traceparent,
        response_header,
        access_logger=None,
        message=String::new(),
        query_string=false,
        headers=Vec::new(),
        response_headers=Vec::new(),
        redacted=Vec::new(),
        redaction=String::new(),
        skips=None,
        sampled_out=None,
        count_body=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        id_headers: Vec<Vec<u8>>,
        traceparent: bool,
        response_header: Option<Vec<u8>>,
        access_logger: Option<Py<Logger>>,
        message: String,
        query_string: bool,
        headers: Vec<Vec<u8>>,
        response_headers: Vec<Vec<u8>>,
        redacted: Vec<Vec<u8>>,
        redaction: String,
        skips: Option<Py<PyAny>>,
        sampled_out: Option<Py<PyAny>>,
        count_body: Option<Py<PyAny>>,
    ) -> PyResult<AsgiSettings> {
        let access = match (access_logger, count_body) {
            (Some(logger), Some(count_body)) => Some(Access {
                logger,
                message: message.into_bytes(),
                query_string,
                headers,
                response_headers,
                redacted,
                redaction: redaction.into_bytes(),
                skips,
                sampled_out,
                count_body,
            }),
            (None, _) => None,
            (Some(_), None) => {
                return Err(PyRuntimeError::new_err(
                    "an access log needs count_body to count bodies sent without a length",
                ));
            }
        };
        Ok(AsgiSettings {
            inner: Arc::new(Settings {
                id_headers,
                traceparent,
                response_header: response_header.map(|h| PyBytes::new(py, &h).unbind()),
                access,
            }),
        })
    }

    /// Starts an HTTP request or WebSocket connection (`None` for any other
    /// scope type): sets the request id in the scope and the context, and
    /// returns the request, whose `end()` must be called when the
    /// application returns, with the `receive` and `send` to give the
    /// application (the request's `receive` and `send`, returned here so
    /// that the middleware does not read them back one attribute at a
    /// time).
    #[allow(clippy::type_complexity)]
    fn begin<'py>(
        &self,
        scope: &Bound<'py, PyAny>,
        receive: &Bound<'py, PyAny>,
        send: &Bound<'py, PyAny>,
    ) -> PyResult<
        Option<(
            Bound<'py, AsgiRequest>,
            Bound<'py, PyAny>,
            Bound<'py, PyAny>,
        )>,
    > {
        let py = scope.py();
        let kind = required(scope, intern!(py, "type"))?;
        let websocket = match text(&kind) {
            b"http" => false,
            b"websocket" => true,
            _ => return Ok(None),
        };
        let start = Instant::now();
        let settings = &*self.inner;
        let access = settings.access.as_ref().filter(|_| !websocket);

        // One pass over the headers; the first of each name counts. The id
        // is the first valid one in the order of `id_headers`: `rank` is
        // the place of the one kept so far, and `seen` marks the names met
        // (on the stack for up to 64 names, the usual two among them).
        let headers = required(scope, intern!(py, "headers"))?;
        let names = settings.id_headers.len();
        let mut seen_few = 0u64;
        let mut seen_many = if names > 64 {
            vec![false; names]
        } else {
            Vec::new()
        };
        let mut id_value: Option<Bound<'py, PyBytes>> = None;
        let mut rank = names;
        let mut traceparent = None;
        let mut user_agent = None;
        let mut content_length = None;
        each_header(&headers, |name, value| {
            if let Some(i) = settings
                .id_headers
                .iter()
                .position(|w| name == w.as_slice())
            {
                let first = if names > 64 {
                    !std::mem::replace(&mut seen_many[i], true)
                } else {
                    let bit = 1u64 << i;
                    let first = seen_few & bit == 0;
                    seen_few |= bit;
                    first
                };
                if first && i < rank && ids::is_valid_id(value.as_bytes()) {
                    id_value = Some(value.clone());
                    rank = i;
                }
            }
            if settings.traceparent && traceparent.is_none() && name == b"traceparent" {
                traceparent = Some(value.clone());
            }
            if access.is_some() {
                if user_agent.is_none() && name == b"user-agent" {
                    user_agent = Some(value.clone().unbind());
                } else if content_length.is_none() && name == b"content-length" {
                    content_length = Some(value.clone());
                }
            }
        })?;

        let mut request_id = id_value.map(|v| ids::ascii(py, v.as_bytes()));
        let trace = traceparent.as_ref().and_then(|tp| {
            let (trace, span) = ids::traceparent(tp.as_bytes())?;
            Some((ids::ascii(py, trace), ids::ascii(py, span)))
        });
        if request_id.is_none() {
            request_id = trace.as_ref().map(|(t, _)| t.clone());
        }
        let request_id = request_id.unwrap_or_else(|| ids::ascii(py, &ids::fresh_id()));

        scope.set_item(intern!(py, "asynclog.request_id"), &request_id)?;
        let state = match optional(scope, intern!(py, "state"))? {
            Some(s) if !s.is_none() => s,
            _ => {
                let s = PyDict::new(py).into_any();
                scope.set_item(intern!(py, "state"), &s)?;
                s
            }
        };
        state.set_item(intern!(py, "request_id"), &request_id)?;

        // The access record for this request, unless its path is skipped.
        let mut logs = access.is_some();
        let mut request_bytes = 0u64;
        let mut counts_body = false;
        if let Some(access) = access {
            if let Some(skips) = &access.skips {
                let path = required(scope, intern!(py, "path"))?;
                logs = !skips.bind(py).call1((path,))?.is_truthy()?;
            }
            let length = content_length.as_ref().map(|l| l.as_bytes());
            match length {
                Some(l) if !l.is_empty() && l.iter().all(u8::is_ascii_digit) => {
                    request_bytes = l.iter().fold(0u64, |n, &d| {
                        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                    });
                }
                _ => counts_body = logs && may_have_body(scope)?,
            }
        }

        let request = Bound::new(
            py,
            AsgiRequest {
                settings: self.inner.clone(),
                scope: Some(scope.clone().unbind()),
                receive: Some(receive.clone().unbind()),
                send: Some(send.clone().unbind()),
                request_id: request_id.clone().unbind(),
                token: None,
                user_agent,
                response_headers: None,
                start,
                status: 0,
                request_bytes,
                response_bytes: 0,
                websocket,
                logs,
                started: false,
                finished: false,
                logged: false,
            },
        )?;
        if counts_body {
            let count_body = &access.expect("counting needs an access log").count_body;
            let counting = count_body.bind(py).call1((&request, receive))?;
            request.borrow_mut().receive = Some(counting.unbind());
        }

        // The context last, so that nothing can fail once it is set.
        let var = CONTEXT_VAR
            .get(py)
            .ok_or_else(|| PyRuntimeError::new_err("the asynclog package is not initialised"))?;
        let context = extended_context(py, var, &request_id, trace.as_ref())?;
        let token = fast::context_var_set(py, var, &context)?;
        let (receive, send) = {
            let mut this = request.borrow_mut();
            this.token = Some(token.unbind());
            let receive = this.receive.as_ref().ok_or_else(cleared)?.bind(py).clone();
            let send = match websocket {
                true => this.send_fn(py)?.into_bound(py),
                false => request.clone().into_any(),
            };
            (receive, send)
        };
        Ok(Some((request, receive, send)))
    }
}

/// The caller's context with the request's ids on top, as
/// `bind_context(trace_id=..., span_id=..., correlation_id=...)` makes it.
fn extended_context<'py>(
    py: Python<'py>,
    var: &Py<PyAny>,
    request_id: &Bound<'py, PyString>,
    trace: Option<&(Bound<'py, PyString>, Bound<'py, PyString>)>,
) -> PyResult<Bound<'py, PyAny>> {
    let fields = PyDict::new(py);
    if let Some((t, s)) = trace {
        fields.set_item(intern!(py, "trace_id"), t)?;
        fields.set_item(intern!(py, "span_id"), s)?;
    }
    fields.set_item(intern!(py, "correlation_id"), request_id)?;

    let outer = fast::context_var_get(py, var).filter(|o| !o.is_none());
    let outer = match outer {
        None => None,
        Some(o) => match o.cast_into::<Context>() {
            Ok(c) => Some(c),
            // Something else was set: let it extend itself.
            Err(e) => {
                return e
                    .into_inner()
                    .call_method1(intern!(py, "extend"), (fields,));
            }
        },
    };
    let inner = CoreContext::build(|w| {
        let text = |s: &Bound<'py, PyString>| unsafe { convert::utf8(s.as_ptr()) }.unwrap_or(b"");
        if let Some((t, s)) = trace {
            w.str(Some(b"trace_id"), text(t));
            w.str(Some(b"span_id"), text(s));
        }
        w.str(Some(b"correlation_id"), text(request_id));
    });
    let context = match outer {
        Some(outer) => {
            let outer = outer.get();
            let merged = outer.fields.bind(py).copy()?;
            merged.update(fields.as_mapping())?;
            Context {
                encoded: outer.encoded.extend(&inner),
                fields: merged.unbind(),
            }
        }
        None => Context {
            encoded: inner,
            fields: fields.unbind(),
        },
    };
    Ok(Bound::new(py, context)?.into_any())
}

/// One request or connection in flight, and the application's `send`.
///
/// Calling it with a message updates the response's status, byte count
/// and headers (adding the id header to `http.response.start`) and
/// returns the server's `send(message)` to await. The access record is
/// logged when the last `http.response.body` message is handed on, so its
/// `duration_ms` runs until then.
#[pyclass(module = "asynclog._native")]
pub struct AsgiRequest {
    settings: Arc<Settings>,
    // `None` only once the collector has cleared the request.
    scope: Option<Py<PyAny>>,
    receive: Option<Py<PyAny>>,
    send: Option<Py<PyAny>>,
    request_id: Py<PyString>,
    /// Restores the `ContextVar`; taken by `end`.
    token: Option<Py<PyAny>>,
    user_agent: Option<Py<PyBytes>>,
    /// The response's headers as sent, when they are to be logged.
    response_headers: Option<Py<PyAny>>,
    start: Instant,
    status: i64,
    request_bytes: u64,
    response_bytes: u64,
    websocket: bool,
    /// An access record is due for this request.
    logs: bool,
    started: bool,
    finished: bool,
    logged: bool,
}

#[pymethods]
impl AsgiRequest {
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        message: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let mut log = false;
        let send = {
            let mut this = slf.borrow_mut();
            let kind = required(message, intern!(py, "type"))?;
            match text(&kind) {
                b"http.response.start" => {
                    this.status = required(message, intern!(py, "status"))?.extract()?;
                    this.started = true;
                    if let Some(name) = &this.settings.response_header {
                        // A copy: the application may send the same list
                        // again (a response object reused across requests).
                        let headers = match optional(message, intern!(py, "headers"))? {
                            Some(h) => match h.cast::<PyList>() {
                                Ok(list) => list.get_slice(0, list.len()),
                                Err(_) => h
                                    .try_iter()?
                                    .collect::<PyResult<Vec<_>>>()
                                    .and_then(|items| PyList::new(py, items))?,
                            },
                            None => PyList::empty(py),
                        };
                        let id = this.request_id.bind(py);
                        let id = unsafe { convert::utf8(id.as_ptr()) }.unwrap_or(b"");
                        headers.append((name.bind(py), PyBytes::new(py, id)))?;
                        message.set_item(intern!(py, "headers"), headers)?;
                    }
                    let keep = this.logs
                        && this
                            .settings
                            .access
                            .as_ref()
                            .is_some_and(|a| !a.response_headers.is_empty());
                    if keep {
                        let headers = optional(message, intern!(py, "headers"))?;
                        this.response_headers = Some(
                            headers
                                .unwrap_or_else(|| PyTuple::empty(py).into_any())
                                .unbind(),
                        );
                    }
                }
                b"http.response.body" => {
                    if let Some(body) = optional(message, intern!(py, "body"))? {
                        this.response_bytes += body.len()? as u64;
                    }
                    let more = match optional(message, intern!(py, "more_body"))? {
                        Some(m) => m.is_truthy()?,
                        None => false,
                    };
                    if !more && !this.finished {
                        this.finished = true;
                        if this.logs {
                            this.logged = true;
                            log = true;
                        }
                    }
                }
                _ => {}
            }
            this.send_fn(py)?
        };
        if log {
            slf.borrow().write_access(py, None)?;
        }
        send.bind(py).call1((message,))
    }

    /// The request id: from a header, from `traceparent`, or fresh.
    #[getter]
    fn request_id(&self, py: Python<'_>) -> Py<PyString> {
        self.request_id.clone_ref(py)
    }

    /// The `receive` to give the application.
    #[getter]
    fn receive(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.receive
            .as_ref()
            .map(|r| r.clone_ref(py))
            .ok_or_else(cleared)
    }

    /// The `send` to give the application: this request for HTTP, the
    /// server's own for a WebSocket.
    #[getter]
    fn send<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.borrow();
        if this.websocket {
            return Ok(this.send_fn(slf.py())?.into_bound(slf.py()));
        }
        Ok(slf.clone().into_any())
    }

    /// True for a WebSocket connection.
    #[getter]
    fn websocket(&self) -> bool {
        self.websocket
    }

    /// True once `http.response.start` was sent.
    #[getter]
    fn started(&self) -> bool {
        self.started
    }

    /// The response status sent, 0 before the response starts.
    #[getter]
    fn status(&self) -> i64 {
        self.status
    }

    /// Adds `n` to the request's body size.
    fn add_request_bytes(&mut self, n: u64) {
        self.request_bytes = self.request_bytes.saturating_add(n);
    }

    /// Logs the access record for a request that failed with an exception
    /// of type `error` (its qualified name), unless it was logged already;
    /// the status is 500 when no response had started. Never sampled out.
    fn log_failure(slf: &Bound<'_, Self>, error: &Bound<'_, PyString>) -> PyResult<()> {
        {
            let mut this = slf.borrow_mut();
            if !this.logs || this.logged {
                return Ok(());
            }
            this.logged = true;
            if this.status == 0 {
                this.status = 500;
            }
        }
        slf.borrow().write_access(slf.py(), Some(error))
    }

    /// Restores the context as it was before `begin`; call it once, in the
    /// same context, when the application returns or raises.
    fn end(&mut self, py: Python<'_>) -> PyResult<()> {
        let Some(token) = self.token.take() else {
            return Ok(());
        };
        let var = CONTEXT_VAR
            .get(py)
            .ok_or_else(|| PyRuntimeError::new_err("the asynclog package is not initialised"))?;
        fast::context_var_reset(py, var, token.bind(py))
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        let held = [
            &self.scope,
            &self.receive,
            &self.send,
            &self.token,
            &self.response_headers,
        ];
        for p in held.into_iter().flatten() {
            visit.call(p)?;
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.scope = None;
        self.receive = None;
        self.send = None;
        self.token = None;
        self.response_headers = None;
    }
}

impl AsgiRequest {
    fn send_fn(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.send
            .as_ref()
            .map(|s| s.clone_ref(py))
            .ok_or_else(cleared)
    }

    /// Writes the access record (see `AccessLog` for its fields).
    fn write_access(&self, py: Python<'_>, error: Option<&Bound<'_, PyString>>) -> PyResult<()> {
        let Some(access) = &self.settings.access else {
            return Ok(());
        };
        let status = self.status;
        if error.is_none() {
            if let Some(sampled_out) = &access.sampled_out {
                if sampled_out.bind(py).call1((status,))?.is_truthy()? {
                    // Left out, but counted: submitted and filtered.
                    access.logger.get().core(py)?.count_sampled_out();
                    return Ok(());
                }
            }
        }
        let duration_ms = self.start.elapsed().as_secs_f64() * 1e3;
        let scope = self.scope.as_ref().ok_or_else(cleared)?.bind(py);

        // Everything is read, and made native, before the record is begun.
        let client =
            optional(scope, intern!(py, "client"))?.filter(|c| c.is_truthy().unwrap_or(false));
        let (client_ip, client_port) = match &client {
            Some(c) => (Some(c.get_item(0)?), Some(c.get_item(1)?)),
            None => (None, None),
        };
        let mut values = [
            optional(scope, intern!(py, "method"))?,
            optional(scope, intern!(py, "path"))?,
            route_template(scope)?,
            client_ip,
            client_port,
            optional(scope, intern!(py, "http_version"))?,
        ];
        let mut stack = Stack::new();
        for v in values.iter_mut().flatten() {
            if !convert::is_native(v.as_ptr(), 1, &mut stack) {
                *v = convert::normalize(v, 1, &mut stack);
            }
        }
        let query = match access.query_string {
            true => Some(match optional(scope, intern!(py, "query_string"))? {
                Some(q) => latin1(q.cast::<PyBytes>()?.as_bytes()).into_owned(),
                None => Vec::new(),
            }),
            false => None,
        };
        let headers = match access.headers.is_empty() {
            false => Some(allowed_headers(
                &required(scope, intern!(py, "headers"))?,
                &access.headers,
                access,
            )?),
            true => None,
        };
        let response_headers = match (&self.response_headers, access.response_headers.is_empty()) {
            (Some(h), false) => Some(allowed_headers(
                h.bind(py),
                &access.response_headers,
                access,
            )?),
            _ => None,
        };
        let user_agent = self
            .user_agent
            .as_ref()
            .map(|u| latin1(u.bind(py).as_bytes()));
        let error = error.map(|e| convert::text_of(e.as_any()));

        let level = match status {
            ..400 => Level::Info,
            400..500 => Level::Warn,
            _ => Level::Error,
        };
        let [method, path, route, client_ip, client_port, http_version] = &values;
        let logger = access.logger.get();
        logger.emit_with(py, level, &access.message, |w| {
            let value = |w: &mut _, key: &[u8], v: &Option<Bound<'_, PyAny>>| match v {
                Some(v) => convert::write_value(py, w, Some(key), v.as_ptr()),
                None => w.null(Some(key)),
            };
            value(w, b"method", method);
            value(w, b"path", path);
            value(w, b"route", route);
            w.i64(Some(b"status"), status);
            w.f64(Some(b"duration_ms"), duration_ms);
            value(w, b"client_ip", client_ip);
            value(w, b"client_port", client_port);
            match &user_agent {
                Some(ua) => w.str(Some(b"user_agent"), ua),
                None => w.null(Some(b"user_agent")),
            }
            w.u64(Some(b"request_bytes"), self.request_bytes);
            w.u64(Some(b"response_bytes"), self.response_bytes);
            value(w, b"http_version", http_version);
            if let Some(q) = &query {
                w.str(Some(b"query"), q);
            }
            for (key, list) in [
                (&b"headers"[..], &headers),
                (b"response_headers", &response_headers),
            ] {
                if let Some(list) = list {
                    if w.begin_object(Some(key)) {
                        for (name, value) in list {
                            w.str(Some(name), value);
                        }
                        w.end();
                    }
                }
            }
            if let Some(e) = &error {
                w.str(Some(b"error"), e.bytes());
            }
        })
    }
}

fn cleared() -> PyErr {
    PyRuntimeError::new_err("the request was cleared by the garbage collector")
}

/// `obj[key]`, raising `KeyError` when it is missing.
fn required<'py>(
    obj: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    optional(obj, key)?.ok_or_else(|| PyKeyError::new_err(key.clone().unbind()))
}

/// `obj[key]`, or `None` when it is missing: a dict lookup for a dict
/// (no exception made), item access for any other mapping.
fn optional<'py>(
    obj: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    if let Ok(d) = obj.cast::<PyDict>() {
        return d.get_item(key);
    }
    match obj.get_item(key) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_instance_of::<PyKeyError>(obj.py()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The UTF-8 text of a `str` (empty for anything else).
fn text<'a>(v: &'a Bound<'_, PyAny>) -> &'a [u8] {
    if v.is_instance_of::<PyString>() {
        unsafe { convert::utf8(v.as_ptr()) }.unwrap_or(b"")
    } else {
        b""
    }
}

/// Calls `f(name, value)` for each `(name, value)` pair of bytes in an
/// ASGI header list; other entries are passed over.
fn each_header<'py>(
    headers: &Bound<'py, PyAny>,
    mut f: impl FnMut(&[u8], &Bound<'py, PyBytes>),
) -> PyResult<()> {
    let mut one = |item: &Bound<'py, PyAny>| -> PyResult<()> {
        let (name, value) = match item.cast::<PyTuple>() {
            Ok(t) if t.len() == 2 => (t.get_item(0)?, t.get_item(1)?),
            _ => (item.get_item(0)?, item.get_item(1)?),
        };
        if let (Ok(name), Ok(value)) = (name.cast::<PyBytes>(), value.cast::<PyBytes>()) {
            f(name.as_bytes(), value);
        }
        Ok(())
    };
    if let Ok(list) = headers.cast::<PyList>() {
        for item in list.iter() {
            one(&item)?;
        }
    } else {
        for item in headers.try_iter()? {
            one(&item?)?;
        }
    }
    Ok(())
}

/// The allowlisted headers of an ASGI header list as (name, value) text,
/// names lowercased, secrets redacted; a repeated name keeps its first
/// place and its last value.
fn allowed_headers(
    raw: &Bound<'_, PyAny>,
    allow: &[Vec<u8>],
    access: &Access,
) -> PyResult<Vec<(Vec<u8>, Vec<u8>)>> {
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    each_header(raw, |name, value| {
        let name = name.to_ascii_lowercase();
        if !allow.contains(&name) {
            return;
        }
        let value = if access.redacted.contains(&name) {
            access.redaction.clone()
        } else {
            latin1(value.as_bytes()).into_owned()
        };
        let key = latin1(&name).into_owned();
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => out.push((key, value)),
        }
    })?;
    Ok(out)
}

/// Latin-1 bytes as UTF-8 text.
fn latin1(b: &[u8]) -> Cow<'_, [u8]> {
    if b.is_ascii() {
        Cow::Borrowed(b)
    } else {
        Cow::Owned(
            b.iter()
                .map(|&c| c as char)
                .collect::<String>()
                .into_bytes(),
        )
    }
}

/// True unless the request is one that carries no body without saying so
/// (a GET, HEAD, DELETE or OPTIONS without a length).
fn may_have_body(scope: &Bound<'_, PyAny>) -> PyResult<bool> {
    let method = required(scope, intern!(scope.py(), "method"))?;
    Ok(!matches!(
        text(&method),
        b"GET" | b"HEAD" | b"DELETE" | b"OPTIONS"
    ))
}

/// The matched route's path template (`path_format`, else `path`), or
/// `None` when routing matched none. The access record reads it when it
/// is logged, as routing sets `scope["route"]` after `begin`; the error
/// record and the request's `Depends` logger use it too.
#[pyfunction]
pub fn route_template<'py>(scope: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = scope.py();
    let Some(route) = optional(scope, intern!(py, "route"))?.filter(|r| !r.is_none()) else {
        return Ok(None);
    };
    let mut template = route.getattr_opt(intern!(py, "path_format"))?;
    if !template
        .as_ref()
        .is_some_and(|t| t.is_truthy().unwrap_or(false))
    {
        template = route.getattr_opt(intern!(py, "path"))?;
    }
    Ok(template.filter(|t| t.is_instance_of::<PyString>()))
}
