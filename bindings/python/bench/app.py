"""The application the HTTP benchmark serves, in one of several variants
chosen by BENCH_VARIANT, each writing its request log to BENCH_LOG_DIR:

- ``none``: no logging middleware.
- ``asynclog``: AsynclogMiddleware with the access log (file sink).
- ``stdlib``: a minimal pure-ASGI middleware logging one JSON line per
  request through the stdlib to a file, for reference.
- ``fapilog``: fapilog's FastAPI integration (FastAPIBuilder, file sink).

One route, ``GET /items/{item_id}``, returning a small JSON object.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from fastapi import FastAPI

variant = os.environ.get("BENCH_VARIANT", "none")
log_dir = os.environ.get("BENCH_LOG_DIR", "/tmp/asynclog-bench")
os.makedirs(log_dir, exist_ok=True)


def build() -> Any:
    if variant == "fapilog":
        from fapilog.fastapi import FastAPIBuilder

        lifespan = (
            FastAPIBuilder()
            .with_level("INFO")
            .add_file(os.path.join(log_dir, "fapilog"), max_bytes="10 GB")
            .with_backpressure(wait_ms=1000, drop_on_full=False)
            .build()
        )
        return FastAPI(lifespan=lifespan)
    app = FastAPI()
    if variant == "asynclog":
        import asynclog
        from asynclog.fastapi import AccessLog, AsynclogMiddleware

        asynclog.configure(
            {"sinks": [{"type": "file", "path": os.path.join(log_dir, "asynclog.ndjson")}]}
        )
        app.add_middleware(AsynclogMiddleware, access_log=AccessLog())
    elif variant == "stdlib":
        handler = logging.FileHandler(os.path.join(log_dir, "stdlib.ndjson"))
        access = logging.getLogger("access")
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
        app.add_middleware(StdlibAccessLog, logger=access)
    elif variant != "none":
        raise SystemExit(f"unknown BENCH_VARIANT {variant!r}")
    return app


class StdlibAccessLog:
    """The smallest useful pure-ASGI request logger over the stdlib."""

    def __init__(self, app: Any, logger: logging.Logger) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0

        async def send_wrapper(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, send_wrapper)
        self.logger.info(
            json.dumps(
                {
                    "msg": "request handled",
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": (time.perf_counter() - start) * 1000,
                }
            )
        )


app = build()


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}
