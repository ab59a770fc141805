import asyncio
import logging

import httpx
from asynclog.pytest_plugin import Capture
from conftest import Server, make_app

import asynclog
from asynclog.stdlib import uninstall_stdlib_bridge


def test_a_real_server_under_concurrent_load_logs_each_request_once(
    asynclog_capture: Capture,
) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    asynclog.install_stdlib_bridge(uvicorn_access=False)
    n = 300
    try:
        with Server(make_app()) as server:

            async def load() -> list[httpx.Response]:
                limits = httpx.Limits(max_connections=50)
                async with httpx.AsyncClient(base_url=server.url, limits=limits) as c:
                    async def one(i: int) -> httpx.Response:
                        return await c.get(f"/items/{i}", headers={"X-Request-ID": f"u-{i}"})

                    responses = await asyncio.gather(*(one(i) for i in range(n)))
                    responses.append(await c.get("/boom", headers={"X-Request-ID": "u-boom"}))
                    return responses

            responses = asyncio.run(load())
    finally:
        uninstall_stdlib_bridge()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])

    assert [r.status_code for r in responses[:n]] == [200] * n
    assert [r.headers["x-request-id"] for r in responses[:n]] == [f"u-{i}" for i in range(n)]
    boom = responses[n]
    assert boom.status_code == 500 and boom.json()["request_id"] == "u-boom"

    access = asynclog_capture.find("request handled")
    assert len(access) == n + 1
    assert {r["correlation_id"] for r in access} == {f"u-{i}" for i in range(n)} | {"u-boom"}
    for r in asynclog_capture.find("reading item"):
        assert r["correlation_id"] == f"u-{r['item_id']}"
    # Logged once by the middleware; uvicorn saw no exception to log again.
    errors = [r for r in asynclog_capture.records() if r["level"] == "ERROR" and r["msg"] != "request handled"]
    assert [e["msg"] for e in errors] == ["unhandled exception"]
    # uvicorn's own lines came through the bridge.
    uvicorn_records = [r for r in asynclog_capture.records() if r["logger"].startswith("uvicorn")]
    assert uvicorn_records
    assert not any("color_message" in r for r in uvicorn_records)


def test_lifespan_background_tasks_and_the_dependency_under_uvicorn(
    asynclog_capture: Capture,
) -> None:
    import contextlib
    from collections.abc import AsyncIterator

    from fastapi import FastAPI

    from asynclog.fastapi import AccessLog, lifespan

    app_log = asynclog.get_logger("app")

    @contextlib.asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
        app_log.info("app starting")
        yield
        app_log.info("app stopping")

    app = make_app(AccessLog())
    app.router.lifespan_context = lifespan(app_lifespan)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        with Server(app, lifespan="on") as server:
            with httpx.Client(base_url=server.url) as c:
                assert c.get("/items/5", headers={"X-Request-ID": "life-1"}).status_code == 200
                assert c.get("/background", headers={"X-Request-ID": "life-2"}).status_code == 200
            asynclog_capture.wait_for(
                lambda rs: any(r["msg"] == "async background task ran" for r in rs)
            )
    finally:
        uninstall_stdlib_bridge()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("uvicorn.access").disabled = False
        logging.getLogger("uvicorn.access").propagate = True

    assert [r["msg"] for r in asynclog_capture.find(logger="app")] == [
        "app starting", "app stopping",
    ]
    item = asynclog_capture.one("reading item")
    assert (item["request_id"], item["route"], item["correlation_id"]) == (
        "life-1", "/items/{item_id}", "life-1",
    )
    for msg in ("background task ran", "async background task ran"):
        assert asynclog_capture.one(msg)["correlation_id"] == "life-2"
    # uvicorn's access lines are off under the lifespan helper's bridge.
    assert not asynclog_capture.find(logger="uvicorn.access")
    assert len(asynclog_capture.find("request handled")) == 2
