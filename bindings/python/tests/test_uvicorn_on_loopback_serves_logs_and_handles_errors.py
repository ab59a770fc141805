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
