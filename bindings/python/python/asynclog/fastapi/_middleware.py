"""The ASGI middleware: request ids, context, the access log and
unhandled errors, in one pure-ASGI layer."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from .. import _encode, _native
from .._context import CONTEXT, CORRELATION_ID, SPAN_ID, TRACE_ID
from .._levels import Level
from ._access import AccessLog
from ._ids import new_request_id, parse_traceparent, valid_request_id

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Where the middleware leaves the request id in the ASGI scope.
SCOPE_KEY = "asynclog.request_id"

_INFO = int(Level.INFO)
_WARN = int(Level.WARN)
_ERROR = int(Level.ERROR)


class AsynclogMiddleware:
    """Request ids, logging context, request logging and error handling
    for an ASGI application, as plain ASGI (no ``BaseHTTPMiddleware``).

    For each HTTP request (and WebSocket connection):

    - The request id is the value of the first header of ``id_headers``
      present (default ``X-Request-ID``, then ``X-Correlation-ID``) that
      looks like an id (see ``valid_request_id``); else, with
      ``traceparent=True``, the trace id of a valid W3C ``traceparent``;
      else a fresh random id. It is echoed in the response header
      ``response_header`` (default ``X-Request-ID``; ``None`` to not send
      it), kept in ``scope["asynclog.request_id"]`` and
      ``request.state.request_id``, and set in the context as
      ``correlation_id``, with ``trace_id`` and ``span_id`` from
      ``traceparent``, for everything the request logs, background tasks
      included.
    - ``access_log`` (an :class:`AccessLog`, or ``None`` for none) logs one
      record per request.
    - With ``handle_errors`` (default on), an exception escaping the
      application is logged once, at ERROR, with its traceback, method,
      path and route, and the client gets a JSON 500 carrying the request
      id, unless the response had already started. The exception is not
      re-raised, so the server does not log it a second time.

    The middleware keeps no state of its own between requests and never
    blocks: logging only queues records.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        id_headers: Iterable[str] = ("X-Request-ID", "X-Correlation-ID"),
        traceparent: bool = True,
        response_header: str | None = "X-Request-ID",
        access_log: AccessLog | None = None,
        handle_errors: bool = True,
        error_logger_name: str = "asynclog.errors",
    ) -> None:
        self.app = app
        self.id_headers = tuple(h.lower().encode("latin-1") for h in id_headers)
        self._wanted = frozenset(self.id_headers) | {
            b"traceparent",
            b"user-agent",
            b"content-length",
        }
        self.traceparent = traceparent
        self.response_header = (
            response_header.lower().encode("latin-1") if response_header else None
        )
        self.access_log = access_log
        if access_log is not None:
            self._wanted |= access_log.headers
        self.handle_errors = handle_errors
        self._access = _native.Logger(access_log.logger_name) if access_log else None
        self._errors = _native.Logger(error_logger_name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter_ns()

        found: dict[bytes, bytes] = {}
        wanted = self._wanted
        for name, value in scope["headers"]:
            if name in wanted and name not in found:
                found[name] = value

        request_id = None
        for name in self.id_headers:
            value = found.get(name)
            if value is not None and valid_request_id(value):
                request_id = value.decode("ascii")
                break
        fields: dict[str, Any] = {}
        if self.traceparent:
            tp = found.get(b"traceparent")
            parsed = parse_traceparent(tp) if tp is not None else None
            if parsed is not None:
                fields[TRACE_ID], fields[SPAN_ID] = parsed
                if request_id is None:
                    request_id = parsed[0]
        if request_id is None:
            request_id = new_request_id()
        fields[CORRELATION_ID] = request_id

        scope[SCOPE_KEY] = request_id
        state = scope.get("state")
        if state is None:
            scope["state"] = state = {}
        state["request_id"] = request_id

        outer = CONTEXT.get()
        token = CONTEXT.set(
            outer.extend(fields) if outer is not None else _native.Context(fields)
        )
        try:
            if kind != "http":
                await self.app(scope, receive, send)
                return
            access = self.access_log
            if access is not None and access.skips(scope["path"]):
                access = None
            id_header = self.response_header
            id_value = request_id.encode("ascii")
            # status, response bytes, request bytes, response started,
            # response finished, access logged, response headers
            st: list[Any] = [0, 0, 0, False, False, False, None]

            inner_receive = receive
            if access is not None:
                length = found.get(b"content-length")
                if length is not None and length.isdigit():
                    st[2] = int(length)
                elif _may_have_body(scope):
                    # No length given (a chunked body): count what arrives.
                    async def counting_receive() -> Message:
                        message = await receive()
                        if message["type"] == "http.request":
                            st[2] += len(message.get("body", b""))
                        return message

                    inner_receive = counting_receive

            async def tracking_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    st[0] = message["status"]
                    st[3] = True
                    if id_header is not None:
                        headers = list(message.get("headers", ()))
                        headers.append((id_header, id_value))
                        message["headers"] = headers
                    if access is not None and access.response_headers:
                        st[6] = message.get("headers", ())
                    await send(message)
                    return
                if message["type"] == "http.response.body":
                    st[1] += len(message.get("body", b""))
                    await send(message)
                    if not message.get("more_body", False) and not st[4]:
                        st[4] = True
                        if access is not None:
                            st[5] = True
                            self._log_access(access, scope, found, st, start, None)
                    return
                await send(message)

            try:
                await self.app(scope, inner_receive, tracking_send)
            except Exception as exc:
                if not self.handle_errors:
                    if access is not None and not st[5]:
                        st[0] = st[0] or 500
                        self._log_access(access, scope, found, st, start, exc)
                    raise
                self._log_error(scope, exc, response_started=bool(st[3]))
                if not st[3]:
                    await self._send_500(tracking_send, request_id)
                if access is not None and not st[5]:
                    st[0] = st[0] or 500
                    self._log_access(access, scope, found, st, start, exc)
        finally:
            CONTEXT.reset(token)

    def _log_access(
        self,
        access: AccessLog,
        scope: Scope,
        found: dict[bytes, bytes],
        st: list[Any],
        start: int,
        exc: BaseException | None,
    ) -> None:
        status: int = st[0]
        if exc is None and access.sample_rate < 1.0 and access.sampled_out(status):
            return
        client = scope.get("client")
        ua = found.get(b"user-agent")
        route = scope.get("route")
        fields: dict[str, Any] = {
            "method": scope["method"],
            "path": scope["path"],
            "route": _route_template(scope) if route is not None else None,
            "status": status,
            "duration_ms": (time.perf_counter_ns() - start) / 1e6,
            "client_ip": client[0] if client else None,
            "client_port": client[1] if client else None,
            "user_agent": ua.decode("latin-1") if ua is not None else None,
            "request_bytes": st[2],
            "response_bytes": st[1],
            "http_version": scope.get("http_version"),
        }
        if access.query_string:
            fields["query"] = scope.get("query_string", b"").decode("latin-1")
        if access.headers:
            fields["headers"] = access.header_fields(scope["headers"], access.headers)
        if access.response_headers and st[6] is not None:
            fields["response_headers"] = access.header_fields(st[6], access.response_headers)
        if exc is not None:
            fields["error"] = type(exc).__qualname__
        level = _INFO if status < 400 else _WARN if status < 500 else _ERROR
        assert self._access is not None
        self._access.log_fields(level, access.message, fields)

    def _log_error(self, scope: Scope, exc: BaseException, *, response_started: bool) -> None:
        self._errors.log_fields(
            _ERROR,
            "unhandled exception",
            {
                "method": scope.get("method"),
                "path": scope.get("path"),
                "route": _route_template(scope),
                "response_started": response_started,
            },
            {"exception": _encode.describe(exc)},
        )

    @staticmethod
    async def _send_500(send: Send, request_id: str) -> None:
        body = json.dumps({"detail": "Internal Server Error", "request_id": request_id}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _may_have_body(scope: Scope) -> bool:
    """True unless the request is one that carries no body without saying
    so (a GET, HEAD, DELETE or OPTIONS without a length)."""
    return scope["method"] not in ("GET", "HEAD", "DELETE", "OPTIONS")


def _route_template(scope: Scope) -> str | None:
    """The matched route's path template, if routing matched one."""
    route = scope.get("route")
    if route is None:
        return None
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else None
