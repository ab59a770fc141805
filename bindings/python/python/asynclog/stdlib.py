"""A bridge from the standard ``logging`` module into asynclog.

Libraries and servers (uvicorn, httpx, SQLAlchemy...) log through
``logging``. :class:`AsynclogHandler` turns each ``LogRecord`` into an
asynclog record: the message (``record.getMessage()``), the ``logging``
logger's name as the record's logger, the ``extra`` fields, and the
exception from ``exc_info`` as the structured ``exception`` field.
:func:`install_stdlib_bridge` attaches it to the root logger and takes
over uvicorn's loggers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from . import _encode, _native
from ._levels import from_stdlib

#: Attributes every ``LogRecord`` has; anything else came from ``extra``.
#: ``color_message`` is the ANSI-coloured copy of the message uvicorn
#: passes in ``extra`` for its own console formatter.
_RECORD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName", "color_message"}
)

#: Loggers uvicorn configures with handlers of its own.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


class AsynclogHandler(logging.Handler):
    """Routes ``logging`` records into asynclog.

    Each ``logging`` logger name gets its asynclog logger of the same name.
    With ``source=True`` each record also carries ``source`` (``file``,
    ``line``, ``function``) from the ``LogRecord``.
    """

    def __init__(self, level: int = logging.NOTSET, *, source: bool = False) -> None:
        super().__init__(level)
        self._loggers: dict[str, _native.Logger] = {}
        self._source = source

    def _logger(self, name: str) -> _native.Logger:
        logger = self._loggers.get(name)
        if logger is None:
            logger = self._loggers[name] = _native.Logger(name)
        return logger

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            fields: dict[str, Any] | None = None
            for key, value in record.__dict__.items():
                if key not in _RECORD_ATTRS and not key.startswith("_"):
                    if fields is None:
                        fields = {}
                    fields[key] = value
            extra: dict[str, Any] | None = None
            if record.exc_info and record.exc_info[1] is not None:
                extra = {"exception": _encode.describe(record.exc_info[1])}
            elif record.exc_text:
                extra = {"exception": {"stack": record.exc_text}}
            if record.stack_info:
                extra = dict(extra or {}, stack_info=record.stack_info)
            if self._source:
                source = {
                    "file": record.pathname,
                    "line": record.lineno,
                    "function": record.funcName,
                }
                extra = dict(extra or {}, source=source)
            level = from_stdlib(record.levelno)
            self._logger(record.name).log_fields(int(level), message, fields, extra)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def install_stdlib_bridge(
    level: int | str = logging.INFO,
    *,
    take_over: Iterable[str] = UVICORN_LOGGERS,
    uvicorn_access: bool = True,
    source: bool = False,
) -> AsynclogHandler:
    """Sends every ``logging`` record at ``level`` or above to asynclog.

    Replaces the root logger's handlers with one :class:`AsynclogHandler`
    and sets the root level. Each logger named in ``take_over`` (uvicorn's
    by default) loses its own handlers and propagates to the root, so its
    records arrive once, through asynclog. With ``uvicorn_access=False``,
    uvicorn's per-request access lines are turned off instead, for
    applications that log requests with :mod:`asynclog.fastapi`.

    uvicorn installs its handlers when it starts (``uvicorn.run`` applies
    its ``log_config``): call this afterwards, for instance in the
    application's lifespan (``asynclog.fastapi.lifespan`` does), or start
    uvicorn with ``log_config=None``. Calling it again replaces the
    previous handler. Returns the handler.
    """
    handler = AsynclogHandler(source=source)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in take_over:
        lg = logging.getLogger(name)
        for old in list(lg.handlers):
            lg.removeHandler(old)
        lg.propagate = True
        lg.setLevel(logging.NOTSET)
    if not uvicorn_access:
        access = logging.getLogger("uvicorn.access")
        access.propagate = False
        access.disabled = True
    return handler


def uninstall_stdlib_bridge() -> None:
    """Removes every :class:`AsynclogHandler` from the root logger."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, AsynclogHandler):
            root.removeHandler(old)
