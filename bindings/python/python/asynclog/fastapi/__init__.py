"""FastAPI (and any ASGI application) integration.

```python
from fastapi import Depends, FastAPI
import asynclog
from asynclog.fastapi import AccessLog, AsynclogMiddleware, get_logger, lifespan

app = FastAPI(lifespan=lifespan())
app.add_middleware(AsynclogMiddleware, access_log=AccessLog(skip_paths=["/health"]))

@app.get("/items/{item_id}")
async def read(item_id: int, log: asynclog.Logger = Depends(get_logger)) -> dict[str, int]:
    log.info("reading item", item_id=item_id)
    return {"item_id": item_id}
```

Or in one call: ``asynclog.fastapi.instrument(app, access_log=AccessLog())``.
"""

from __future__ import annotations

from typing import Any

from ._access import ALWAYS_REDACTED, REDACTED, AccessLog
from ._deps import exception_handler, get_logger, request_id
from ._ids import new_request_id, parse_traceparent, valid_request_id
from ._lifespan import lifespan
from ._middleware import SCOPE_KEY, AsynclogMiddleware

__all__ = [
    "ALWAYS_REDACTED",
    "REDACTED",
    "SCOPE_KEY",
    "AccessLog",
    "AsynclogMiddleware",
    "exception_handler",
    "get_logger",
    "instrument",
    "lifespan",
    "new_request_id",
    "parse_traceparent",
    "request_id",
    "valid_request_id",
]


def instrument(
    app: Any,
    *,
    access_log: AccessLog | None = None,
    with_lifespan: bool = True,
    **middleware_options: Any,
) -> None:
    """Adds :class:`AsynclogMiddleware` to a Starlette or FastAPI ``app``
    (with ``access_log`` and the other middleware options) and, with
    ``with_lifespan``, wraps the application's lifespan in :func:`lifespan`
    so the logger starts with it and is drained when it stops. Call it
    before the application starts."""
    app.add_middleware(AsynclogMiddleware, access_log=access_log, **middleware_options)
    if with_lifespan:
        app.router.lifespan_context = lifespan(app.router.lifespan_context)
