"""Lifespan helpers: the logger starts with the application and is
drained when it stops."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, AsyncContextManager, TypeVar

from .. import _native, aflush, configure, shutdown
from ..stdlib import install_stdlib_bridge

AppT = TypeVar("AppT")
Lifespan = Callable[[AppT], AsyncContextManager[Any]]


def lifespan(
    app_lifespan: Lifespan[AppT] | None = None,
    *,
    config: Mapping[str, Any] | str | None = None,
    file: str | os.PathLike[str] | None = None,
    stdlib_bridge: bool = True,
    uvicorn_access: bool = False,
    drain_timeout: float = 5.0,
    close: bool = False,
) -> Lifespan[AppT]:
    """A lifespan for ``FastAPI(lifespan=...)`` (or any Starlette app)
    that wraps the application's own, ``app_lifespan``, if any.

    On startup, before the application's lifespan runs: configures the
    logger from ``config`` or ``file`` when given (else starts the current
    one, or the default), and with ``stdlib_bridge`` routes ``logging``
    through asynclog, taking over uvicorn's loggers (whose access lines
    are turned off unless ``uvicorn_access``, as the middleware logs
    requests itself). On shutdown, after the application's lifespan has
    finished: waits up to ``drain_timeout`` seconds, without blocking the
    event loop, for every record to be written; with ``close``, also stops
    the logger. Whatever the application's lifespan yields (its state) is
    passed through.
    """

    @contextlib.asynccontextmanager
    async def run(app: AppT) -> AsyncIterator[Any]:
        if config is not None or file is not None:
            configure(config, file=file)
        else:
            _native.current()
        if stdlib_bridge:
            install_stdlib_bridge(uvicorn_access=uvicorn_access)
        try:
            if app_lifespan is None:
                yield None
            else:
                async with app_lifespan(app) as state:
                    yield state
        finally:
            await aflush(drain_timeout)
            if close:
                import asyncio

                await asyncio.to_thread(shutdown, drain_timeout)

    return run
