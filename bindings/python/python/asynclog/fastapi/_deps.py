"""Dependencies and exception handlers for FastAPI routes."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .. import _encode, _native
from .._context import CORRELATION_ID, get_context_value
from .._levels import Level
from ._middleware import SCOPE_KEY, _route_template


def request_id(request: Request) -> str | None:
    """The request id the middleware gave this request (or the context's
    correlation id), if any."""
    rid = request.scope.get(SCOPE_KEY)
    if rid is None:
        rid = get_context_value(CORRELATION_ID)
    return rid if isinstance(rid, str) or rid is None else str(rid)


def get_logger(request: Request) -> _native.Logger:
    """``log: Logger = Depends(get_logger)``: a logger named ``http``
    bound to this request's ``request_id`` and ``route`` template."""
    return _native.Logger("http").bind(
        request_id=request_id(request), route=_route_template(request.scope)
    )


async def exception_handler(request: Request, exc: Exception) -> Response:
    """For ``app.add_exception_handler(Exception, exception_handler)`` in
    applications without :class:`AsynclogMiddleware` (which handles
    errors itself, before this handler would see them): logs the
    exception with its traceback, route and request id, and answers a
    JSON 500 carrying the request id.

    Starlette re-raises the exception after this handler has answered, so
    the server may log it again; the middleware does not have that
    problem.
    """
    rid = request_id(request)
    _native.Logger("asynclog.errors").log_fields(
        int(Level.ERROR),
        "unhandled exception",
        {
            "method": request.method,
            "path": request.url.path,
            "route": _route_template(request.scope),
            "request_id": rid,
        },
        {"exception": _encode.describe(exc)},
    )
    body: dict[str, Any] = {"detail": "Internal Server Error", "request_id": rid}
    headers = {"X-Request-ID": rid} if rid else None
    return Response(
        json.dumps(body), status_code=500, media_type="application/json", headers=headers
    )
