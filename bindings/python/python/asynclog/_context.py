"""Context kept in a ``contextvars.ContextVar``.

Each log call reads the variable on the calling thread, at the call, so a
record carries the context of the code that logged it. ``asyncio`` copies
the context into every task it creates, and ``asyncio.to_thread`` into its
thread; ``loop.run_in_executor`` and ``Executor.submit`` do not, and the
helpers here (:func:`wrap`, :func:`run_in_executor`, :func:`submit`,
:class:`ContextThreadPoolExecutor`) make them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
import sys
from typing import Any, TypeVar

if sys.version_info >= (3, 10):
    from typing import ParamSpec
else:  # pragma: no cover
    from typing_extensions import ParamSpec

from . import _native

P = ParamSpec("P")
R = TypeVar("R")

#: The variable every log call reads. Its value is an immutable
#: :class:`asynclog._native.Context`; setting a new one never changes the
#: context another task or thread sees.
CONTEXT: contextvars.ContextVar[_native.Context | None] = contextvars.ContextVar(
    "asynclog_context", default=None
)

#: Well-known keys.
CORRELATION_ID = "correlation_id"
TRACE_ID = "trace_id"
SPAN_ID = "span_id"
USER_ID = "user_id"
TENANT_ID = "tenant_id"


def bind_context(**fields: Any) -> contextvars.Token[_native.Context | None]:
    """Adds ``fields`` to the current context (their keys win) until
    :func:`reset_context` is called with the returned token, or the task
    ends. The values are encoded once, here, not at every log call."""
    current = CONTEXT.get()
    new = current.extend(fields) if current is not None else _native.Context(fields)
    return CONTEXT.set(new)


def reset_context(token: contextvars.Token[_native.Context | None]) -> None:
    """Restores the context as it was before the :func:`bind_context` that
    returned ``token``."""
    CONTEXT.reset(token)


@contextlib.contextmanager
def context(**fields: Any) -> Iterator[None]:
    """``with asynclog.context(user_id=7): ...`` adds fields for the block."""
    token = bind_context(**fields)
    try:
        yield
    finally:
        CONTEXT.reset(token)


def clear_context() -> contextvars.Token[_native.Context | None]:
    """Empties the current context; returns the token to restore it."""
    return CONTEXT.set(None)


def current_context() -> dict[str, Any]:
    """The fields of the current context, as given."""
    current = CONTEXT.get()
    return current.fields if current is not None else {}


def get_context_value(key: str, default: Any = None) -> Any:
    """One field of the current context, or ``default``."""
    current = CONTEXT.get()
    return current.get(key, default) if current is not None else default


def set_request_context(
    *,
    correlation_id: str | None = None,
    trace_id: str | None = None,
    span_id: str | None = None,
    user_id: Any = None,
    tenant_id: Any = None,
    **fields: Any,
) -> contextvars.Token[_native.Context | None]:
    """Binds the well-known keys that are given (not ``None``) and any
    other fields; returns the token for :func:`reset_context`."""
    known = {
        CORRELATION_ID: correlation_id,
        TRACE_ID: trace_id,
        SPAN_ID: span_id,
        USER_ID: user_id,
        TENANT_ID: tenant_id,
    }
    given = {k: v for k, v in known.items() if v is not None}
    given.update(fields)
    return bind_context(**given)


def wrap(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` bound to a copy of the current context: wherever and however
    often it is called later (another thread, a pool, a callback), it sees
    the context as it was here. Each call runs in a copy of its own, so
    concurrent calls do not collide."""
    captured = contextvars.copy_context()

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return captured.copy().run(fn, *args, **kwargs)

    return run


def run_in_executor(
    executor: concurrent.futures.Executor | None,
    fn: Callable[..., R],
    *args: Any,
) -> asyncio.Future[R]:
    """``loop.run_in_executor`` that carries the caller's context into the
    executor thread. Call it from a coroutine or callback on the loop."""
    loop = asyncio.get_running_loop()
    return loop.run_in_executor(executor, wrap(fn), *args)


def submit(
    executor: concurrent.futures.Executor,
    fn: Callable[P, R],
    *args: P.args,
    **kwargs: P.kwargs,
) -> concurrent.futures.Future[R]:
    """``executor.submit`` that carries the caller's context."""
    return executor.submit(wrap(fn), *args, **kwargs)


class ContextThreadPoolExecutor(concurrent.futures.ThreadPoolExecutor):
    """A thread pool whose every ``submit`` (and so ``map``, and
    ``loop.run_in_executor`` when it is the loop's executor) runs the task
    in the context of the code that submitted it."""

    def submit(
        self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[R]:
        return super().submit(wrap(fn), *args, **kwargs)
