"""CPU time each middleware adds per request, measured in process.

    python bench/middleware_cpu.py ROUNDS REQUESTS LOG_DIR

The application of bench/app.py (one JSON route), called directly as
ASGI with a GET request, so no server, socket or load generator shares
the CPU: for each variant, ROUNDS rounds of REQUESTS requests,
interleaved, and the least CPU time of the calling thread per request.
Loaded servers are noisy on a shared 2-vCPU machine; this number is not,
and it shows what the middleware itself costs the event loop's thread.
Prints one JSON object: variant -> microseconds per request.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class Noop:
    """A pure-ASGI middleware that does nothing: the cost of a layer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


class Echo:
    """Adds a request-id-like header to every response and nothing else."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def echo(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", b"0" * 32)]
            await send(message)

        await self.app(scope, receive, echo)


def build(variant: str, log_dir: str) -> Any:
    """The application of bench/app.py for ``variant``: one of its own, or
    ``noop`` (with ``Noop``), ``echo`` (with ``Echo``) or ``context-only``
    (``AsynclogMiddleware`` without the access log)."""
    own = variant in ("noop", "echo", "context-only")
    os.environ["BENCH_VARIANT"] = "none" if own else variant
    os.environ["BENCH_LOG_DIR"] = log_dir
    sys.modules.pop("app", None)
    app = importlib.import_module("app").app
    if variant == "noop":
        app.add_middleware(Noop)
    elif variant == "echo":
        app.add_middleware(Echo)
    elif variant == "context-only":
        import asynclog
        from asynclog.fastapi import AsynclogMiddleware

        asynclog.configure({"sinks": [{"type": "file", "path": f"{log_dir}/ctx.ndjson"}]})
        app.add_middleware(AsynclogMiddleware, access_log=None)
    return app


SCOPE = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/items/7",
    "raw_path": b"/items/7",
    "query_string": b"",
    "root_path": "",
    "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"bench")],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8000),
}


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: Any) -> None:
    pass


async def main() -> None:
    rounds, n, log_dir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    logging.getLogger("access").handlers.clear()
    variants = ["none", "noop", "context-only", "asynclog", "stdlib"]
    apps = {v: build(v, f"{log_dir}/{v}") for v in variants}
    best = {v: float("inf") for v in variants}
    for app in apps.values():
        for _ in range(200):
            await app(dict(SCOPE), receive, send)
    for _ in range(rounds):
        for v, app in apps.items():
            start = time.thread_time()
            for _ in range(n):
                await app(dict(SCOPE), receive, send)
            best[v] = min(best[v], (time.thread_time() - start) / n * 1e6)
    print(json.dumps(best))


if __name__ == "__main__":
    asyncio.run(main())
