"""The ASGI middleware: request ids, context, the access log and
unhandled errors, in one pure-ASGI layer."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from .. import _encode, _native
from .._levels import Level
from . import _ids  # noqa: F401  (seeds the request id generator)
from ._access import REDACTED, AccessLog

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Where the middleware leaves the request id in the ASGI scope.
SCOPE_KEY = "asynclog.request_id"

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
      record per request, when the last body message of the response is
      handed to the server.
    - With ``handle_errors`` (default on), an exception escaping the
      application is logged once, at ERROR, with its traceback, method,
      path and route, and the client gets a JSON 500 carrying the request
      id, unless the response had already started. The exception is not
      re-raised, so the server does not log it a second time.

    The middleware keeps no state of its own between requests and never
    blocks: logging only queues records. The per-request work runs in the
    native module: one call when a request starts (headers, id, scope,
    context), and the ``send`` the application gets is a native object
    that returns the server's ``send(message)`` awaitable itself, so each
    message passes through no Python frame of the middleware's.
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
        self.traceparent = traceparent
        self.response_header = (
            response_header.lower().encode("latin-1") if response_header else None
        )
        self.access_log = access_log
        self.handle_errors = handle_errors
        self._errors = _native.Logger(error_logger_name)
        settings = _settings(self.id_headers, traceparent, self.response_header, access_log)
        self._begin = settings.begin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = self._begin(scope, receive, send)
        if started is None:
            await self.app(scope, receive, send)
            return
        request, receive, send = started
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            if request.websocket or not await self._failed(scope, request, exc):
                raise
        finally:
            request.end()

    async def _failed(
        self, scope: Scope, request: _native.AsgiRequest, exc: Exception
    ) -> bool:
        """Deals with an exception from the application; False when it is
        to be re-raised."""
        error = type(exc).__qualname__
        if not self.handle_errors:
            request.log_failure(error)
            return False
        self._log_error(scope, exc, response_started=request.started)
        if not request.started:
            await self._send_500(request, request.request_id)
        request.log_failure(error)
        return True

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


def _settings(
    id_headers: tuple[bytes, ...],
    traceparent: bool,
    response_header: bytes | None,
    access: AccessLog | None,
) -> _native.AsgiSettings:
    """The native per-request settings of one middleware. ``skips`` is
    called only when paths are skipped (or a subclass overrides it),
    ``sampled_out`` only when sampling is on."""
    if access is None:
        return _native.AsgiSettings(
            id_headers=list(id_headers), traceparent=traceparent, response_header=response_header
        )
    skips = None
    if access.skip_prefixes or access.skip_patterns or type(access).skips is not AccessLog.skips:
        skips = access.skips
    redacted = []
    for name in access.redacted:
        try:
            redacted.append(name.encode("latin-1"))
        except UnicodeEncodeError:
            pass  # no header name decodes to it
    return _native.AsgiSettings(
        id_headers=list(id_headers),
        traceparent=traceparent,
        response_header=response_header,
        access_logger=_native.Logger(access.logger_name),
        message=access.message,
        query_string=access.query_string,
        headers=sorted(access.headers),
        response_headers=sorted(access.response_headers),
        redacted=redacted,
        redaction=REDACTED,
        skips=skips,
        sampled_out=access.sampled_out if access.sample_rate < 1.0 else None,
        count_body=_count_body,
    )


def _count_body(request: _native.AsgiRequest, receive: Receive) -> Receive:
    """``receive`` adding the size of each body message to ``request``: for
    a body sent without a length (chunked)."""

    async def counting_receive() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            request.add_request_bytes(len(message.get("body", b"")))
        return message

    return counting_receive


#: The matched route's path template, if routing matched one.
_route_template = _native.route_template
