"""asynclog: async-first structured logging on a Rust core.

```python
import asynclog

asynclog.configure({"level": "info", "sinks": [{"type": "stdout"}]})
log = asynclog.get_logger("api")
log.info("request handled", user_id=7, path="/api/v1/items")
```

A log call checks the level, reads the caller's context, copies the message
and fields into a queue slot and returns; a thread owned by the logger
encodes and writes. Nothing is written from the calling thread, and
nothing logged is lost at interpreter exit: an ``atexit`` hook drains the
logger (see :func:`shutdown`).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
from collections.abc import Mapping
from typing import Any

from . import _encode, _native
from ._context import (
    CONTEXT,
    CORRELATION_ID,
    SPAN_ID,
    TENANT_ID,
    TRACE_ID,
    USER_ID,
    ContextThreadPoolExecutor,
    bind_context,
    clear_context,
    context,
    current_context,
    get_context_value,
    reset_context,
    run_in_executor,
    set_request_context,
    submit,
    wrap,
)
from ._errors import ConfigError
from ._levels import Level
from ._native import Logger
from .stdlib import AsynclogHandler, install_stdlib_bridge

__all__ = [
    "CONTEXT",
    "CORRELATION_ID",
    "SPAN_ID",
    "TENANT_ID",
    "TRACE_ID",
    "USER_ID",
    "AsynclogHandler",
    "ConfigError",
    "ContextThreadPoolExecutor",
    "Level",
    "Logger",
    "aflush",
    "ashutdown",
    "bind_context",
    "clear_context",
    "configure",
    "context",
    "current_context",
    "get_context_value",
    "get_logger",
    "flush",
    "install_stdlib_bridge",
    "metrics",
    "reset_context",
    "run_in_executor",
    "set_level",
    "set_request_context",
    "shutdown",
    "submit",
    "wrap",
]

__version__ = "0.1.0"

#: Environment variable naming a configuration file (JSON or TOML), read
#: when :func:`configure` is given no configuration and on first use
#: without a call to :func:`configure`.
CONFIG_ENV = "ASYNCLOG_CONFIG"

#: How long the exit hook waits for sinks to drain, in seconds.
EXIT_TIMEOUT = 10.0

_native.set_hooks(CONTEXT, _encode.fallback, _encode.exception_fields, ConfigError)


def _build(
    config: Mapping[str, Any] | str | None, file: str | os.PathLike[str] | None
) -> _native.Root:
    if config is not None and file is not None:
        raise ValueError("give a configuration or a file, not both")
    if file is not None:
        return _native.Root.build(path=os.fspath(file))
    if isinstance(config, str):
        return _native.Root.build(text=config)
    if config is not None:
        return _native.Root.build(text=json.dumps(dict(config), default=str))
    env_file = os.environ.get(CONFIG_ENV)
    if env_file:
        return _native.Root.build(path=env_file)
    return _native.Root.build()


def configure(
    config: Mapping[str, Any] | str | None = None,
    *,
    file: str | os.PathLike[str] | None = None,
    level: Level | str | int | None = None,
    name: str | None = None,
    sinks: list[Mapping[str, Any]] | None = None,
    drain_timeout: float = 5.0,
) -> None:
    """Builds the process's logger and makes every logger handle, including
    those created before this call, write through it.

    ``config`` is the core's configuration as a dict, or a JSON or TOML
    document as text; ``file`` names a document on disk. With neither, the
    file named by ``ASYNCLOG_CONFIG`` is read, and without that the
    embedded default is used: NDJSON to stdout at INFO. ``ASYNCLOG_*``
    variables override documented keys in every case (``ASYNCLOG_LEVEL``,
    ``ASYNCLOG_QUEUE_CAPACITY``...).

    ``level``, ``name`` and ``sinks`` set those keys on top of a dict (or
    of an empty one). A bad configuration raises :class:`ConfigError`
    naming the path of the bad value (``sinks[0].path: ...``) and leaves
    the current logger in place. The logger it replaces is drained for up
    to ``drain_timeout`` seconds.
    """
    if level is not None or name is not None or sinks is not None:
        if isinstance(config, str) or file is not None:
            raise ValueError("level, name and sinks apply to a dict configuration only")
        merged = dict(config or {})
        if level is not None:
            merged["level"] = Level.parse(level).name.lower()
        if name is not None:
            merged["name"] = name
        if sinks is not None:
            merged["sinks"] = [dict(s) for s in sinks]
        config = merged
    root = _build(config, file)
    previous = _native.install(root)
    if previous is not None:
        previous.shutdown(drain_timeout)


def get_logger(name: str | None = None) -> Logger:
    """A logger handle writing records with ``"logger": name`` (the
    configured name when ``None``). Handles are cheap; make one per module
    at import time, before or after :func:`configure`."""
    return Logger(name)


def set_level(level: Level | str | int) -> None:
    """Changes the minimum level of the current logger and of every handle
    without a level of its own."""
    _native.current().set_level(int(Level.parse(level)))


def flush(timeout: float = 5.0) -> int:
    """Waits until everything logged before the call is written, at most
    ``timeout`` seconds, with the GIL released. Returns how many events
    were not yet written: 0 when all were."""
    root = _native.peek()
    return root.flush(timeout) if root is not None else 0


async def aflush(timeout: float = 5.0) -> int:
    """:func:`flush` for async code: the wait runs on a thread of the
    core's, and the event loop goes on meanwhile."""
    root = _native.peek()
    if root is None:
        return 0
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()

    def resolve(pending: int) -> None:
        if not done.done():
            done.set_result(pending)

    def finished(pending: int) -> None:
        try:
            loop.call_soon_threadsafe(resolve, pending)
        except RuntimeError:
            pass  # the loop closed while the flush ran

    root.flush_in_thread(timeout, finished)
    return await done


def shutdown(timeout: float = 5.0) -> int:
    """Stops the current logger: waits up to ``timeout`` seconds, with the
    GIL released, for every sink to write what was logged, then stops its
    threads. Returns how many events were not written. Events logged
    afterwards through any handle go to a new default logger, unless
    :func:`configure` is called again."""
    root = _native.install(None)
    return root.shutdown(timeout) if root is not None else 0


async def ashutdown(timeout: float = 5.0) -> int:
    """:func:`shutdown` for async code, run on a worker thread."""
    return await asyncio.to_thread(shutdown, timeout)


def metrics() -> dict[str, Any]:
    """Every counter of the current logger (``submitted``, ``written``,
    ``dropped`` by reason, per sink...), plus ``binding``: values the
    binding replaced because they contained themselves (``recursive``) or
    could not be converted (``unencodable``)."""
    root = _native.peek()
    out: dict[str, Any] = json.loads(root.metrics_json()) if root is not None else {}
    out["binding"] = _native.binding_counters()
    return out


def _drain_at_exit() -> None:
    root = _native.peek()
    if root is not None:
        root.shutdown(EXIT_TIMEOUT)


atexit.register(_drain_at_exit)
