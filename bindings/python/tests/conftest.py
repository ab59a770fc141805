"""Shared helpers: a small FastAPI application and a loopback server."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import BackgroundTasks, Depends, FastAPI

import asynclog
from asynclog.fastapi import AccessLog, AsynclogMiddleware, get_logger

work = asynclog.get_logger("work")


def make_app(access_log: AccessLog | None = None, **options: Any) -> FastAPI:
    """An application with a route per behaviour the tests look at."""
    app = FastAPI()
    app.add_middleware(
        AsynclogMiddleware, access_log=access_log or AccessLog(), **options
    )

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, log: asynclog.Logger = Depends(get_logger)) -> dict[str, int]:
        log.info("reading item", item_id=item_id)
        await asyncio.sleep(0)
        work.info("after await", item_id=item_id)
        return {"item_id": item_id}

    @app.get("/background")
    async def background(tasks: BackgroundTasks) -> dict[str, bool]:
        def later() -> None:
            work.info("background task ran")

        async def later_async() -> None:
            await asyncio.sleep(0.01)
            work.info("async background task ran")

        tasks.add_task(later)
        tasks.add_task(later_async)
        return {"queued": True}

    @app.post("/echo")
    async def echo(body: dict[str, Any]) -> dict[str, Any]:
        return body

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("the handler failed")

    @app.get("/missing")
    async def missing() -> None:
        from fastapi import HTTPException

        raise HTTPException(status_code=404, detail="no such thing")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/sleep")
    async def sleep(ms: int = 1) -> dict[str, int]:
        await asyncio.sleep(ms / 1000)
        work.info("slept", ms=ms)
        return {"ms": ms}

    return app


def client(app: Any) -> httpx.AsyncClient:
    """An httpx client calling ``app`` in process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


class Server:
    """uvicorn serving an application on 127.0.0.1, on a thread of its own."""

    def __init__(self, app: Any, **config: Any) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, **config
        )
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return self
            self.thread.join(0.01)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def server_factory() -> Iterator[type[Server]]:
    yield Server
