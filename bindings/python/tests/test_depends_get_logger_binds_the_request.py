import asyncio

from asynclog.pytest_plugin import Capture
from conftest import client, make_app


def test_the_dependency_logger_carries_request_id_and_route(asynclog_capture: Capture) -> None:
    async def go() -> None:
        async with client(make_app()) as c:
            await c.get("/items/9", headers={"X-Request-ID": "dep-1"})

    asyncio.run(go())
    r = asynclog_capture.one("reading item")
    assert r["logger"] == "http"
    assert r["request_id"] == "dep-1" and r["route"] == "/items/{item_id}"
    assert r["item_id"] == 9 and r["correlation_id"] == "dep-1"


def test_without_the_middleware_the_dependency_still_works(asynclog_capture: Capture) -> None:
    from fastapi import Depends, FastAPI

    import asynclog
    from asynclog.fastapi import get_logger

    app = FastAPI()

    @app.get("/plain/{x}")
    async def plain(x: int, log: asynclog.Logger = Depends(get_logger)) -> int:
        log.info("plain", x=x)
        return x

    async def go() -> None:
        async with client(app) as c:
            await c.get("/plain/3")

    asyncio.run(go())
    r = asynclog_capture.one("plain")
    assert r["route"] == "/plain/{x}" and r["request_id"] is None
