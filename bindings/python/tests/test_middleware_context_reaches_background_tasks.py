import asyncio

from asynclog.pytest_plugin import Capture
from conftest import client, make_app


def test_background_tasks_log_with_the_requests_id(asynclog_capture: Capture) -> None:
    async def go() -> None:
        async with client(make_app()) as c:
            for n in range(5):
                r = await c.get("/background", headers={"X-Request-ID": f"bg-{n}"})
                assert r.status_code == 200

    asyncio.run(go())
    for msg in ("background task ran", "async background task ran"):
        records = asynclog_capture.find(msg)
        assert sorted(r["correlation_id"] for r in records) == [f"bg-{n}" for n in range(5)]


def test_the_context_is_gone_once_the_request_is_over(asynclog_capture: Capture) -> None:
    import asynclog

    async def go() -> None:
        async with client(make_app()) as c:
            await c.get("/items/1", headers={"X-Request-ID": "done"})
        asynclog.get_logger().info("after the request")

    asyncio.run(go())
    assert "correlation_id" not in asynclog_capture.one("after the request")
