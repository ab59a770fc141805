import asyncio

from asynclog.pytest_plugin import Capture
from conftest import client, make_app

from asynclog.fastapi import AccessLog


def test_each_app_uses_its_own_configuration_side_by_side(asynclog_capture: Capture) -> None:
    a = make_app(AccessLog(logger_name="a.access"), response_header="X-A-Request")
    b = make_app(AccessLog(logger_name="b.access", skip_paths=["/items"]))

    async def go() -> tuple[str, str]:
        async with client(a) as ca, client(b) as cb:
            ra, rb = await asyncio.gather(
                ca.get("/items/1", headers={"X-Request-ID": "a-1"}),
                cb.get("/items/2", headers={"X-Request-ID": "b-1"}),
            )
            return ra.headers["x-a-request"], rb.headers["x-request-id"]

    assert asyncio.run(go()) == ("a-1", "b-1")
    assert [r["logger"] for r in asynclog_capture.find("request handled")] == ["a.access"]
    assert {r["correlation_id"] for r in asynclog_capture.find("reading item")} == {"a-1", "b-1"}
