"""A FastAPI application with request ids, request logging, a logger per
request, background tasks and error handling.

    uvicorn examples.fastapi_app:app --log-config /dev/null
    curl -H 'X-Request-ID: demo-1' localhost:8000/items/3
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import BackgroundTasks, Depends, FastAPI

import asynclog
from asynclog.fastapi import AccessLog, AsynclogMiddleware, get_logger, lifespan

audit = asynclog.get_logger("audit")


@contextlib.asynccontextmanager
async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
    audit.info("application starting")
    yield
    audit.info("application stopping")


app = FastAPI(lifespan=lifespan(app_lifespan))
app.add_middleware(
    AsynclogMiddleware,
    access_log=AccessLog(
        headers=["user-agent", "accept", "authorization"],
        skip_paths=["/health"],
        sample_rate=0.5,
    ),
)


@app.get("/items/{item_id}")
async def read_item(
    item_id: int,
    tasks: BackgroundTasks,
    log: asynclog.Logger = Depends(get_logger),
) -> dict[str, int]:
    log.info("reading item", item_id=item_id)
    tasks.add_task(audit.info, "item read", item_id=item_id)
    return {"item_id": item_id}


@app.get("/fail")
async def fail() -> None:
    raise RuntimeError("this route always fails")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
