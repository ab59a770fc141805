import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request

import asynclog
from asynclog import _native
from asynclog.fastapi import AccessLog, instrument, lifespan
from asynclog.stdlib import uninstall_stdlib_bridge


async def run_lifespan(app: FastAPI) -> None:
    """Drives an application's lifespan as an ASGI server would, with one
    request in between."""
    import httpx

    async with app.router.lifespan_context(app) as state:
        scope_state = dict(state or {})

        async def call() -> None:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                await c.get("/state")

        app.state.lifespan_state = scope_state
        await call()


def test_lifespan_configures_then_composes_with_the_apps_and_drains(tmp_path: Path) -> None:
    path = tmp_path / "app.ndjson"
    order: list[str] = []
    log = asynclog.get_logger("app")

    @contextlib.asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        order.append("app startup")
        log.info("app starting")
        yield {"db": "connected"}
        log.info("app stopping")
        order.append("app shutdown")

    previous = _native.peek()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    app = FastAPI(
        lifespan=lifespan(
            app_lifespan, config={"sinks": [{"type": "file", "path": str(path)}]}
        )
    )

    @app.get("/state")
    async def state(request: Request) -> dict[str, str]:
        logging.getLogger("library").info("through the bridge")
        return {}

    try:
        asyncio.run(run_lifespan(app))
        # Drained on shutdown: everything is in the file without a flush.
        records = [json.loads(x) for x in path.read_text().splitlines()]
        assert [r["msg"] for r in records if r["logger"] in ("app", "library")] == [
            "app starting", "through the bridge", "app stopping",
        ]
        assert order == ["app startup", "app shutdown"]
        assert app.state.lifespan_state == {"db": "connected"}
    finally:
        uninstall_stdlib_bridge()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        current = _native.install(previous)
        if current is not None:
            current.shutdown(5)


def test_instrument_wraps_an_existing_lifespan_and_adds_the_middleware(
    asynclog_capture: Any,
) -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("up")
        yield
        events.append("down")

    app = FastAPI(lifespan=app_lifespan)

    @app.get("/state")
    async def state() -> dict[str, str]:
        return {}

    instrument(app, access_log=AccessLog(), with_lifespan=True)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        asyncio.run(run_lifespan(app))
    finally:
        uninstall_stdlib_bridge()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert events == ["up", "down"]
    assert asynclog_capture.one("request handled")["route"] == "/state"


def test_close_stops_the_logger_on_shutdown(tmp_path: Path) -> None:
    path = tmp_path / "closed.ndjson"
    previous = _native.peek()
    app = FastAPI(
        lifespan=lifespan(
            config={"sinks": [{"type": "file", "path": str(path)}]},
            stdlib_bridge=False,
            close=True,
        )
    )

    @app.get("/state")
    async def state() -> dict[str, str]:
        asynclog.get_logger().info("served")
        return {}

    try:
        asyncio.run(run_lifespan(app))
        assert _native.peek() is None
        assert json.loads(path.read_text())["msg"] == "served"
    finally:
        _native.install(previous)
