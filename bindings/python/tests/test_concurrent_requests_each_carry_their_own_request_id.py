import asyncio

from asynclog.pytest_plugin import Capture
from conftest import client, make_app


def test_hundreds_of_concurrent_requests_never_mix_ids(asynclog_capture: Capture) -> None:
    n = 400

    async def go() -> list[str]:
        async with client(make_app()) as c:
            async def one(i: int) -> str:
                r = await c.get(f"/sleep?ms={i % 5}", headers={"X-Request-ID": f"c-{i}"})
                assert r.status_code == 200
                return r.headers["x-request-id"]

            return await asyncio.gather(*(one(i) for i in range(n)))

    echoed = asyncio.run(go())
    assert echoed == [f"c-{i}" for i in range(n)]
    slept = asynclog_capture.find("slept")
    access = asynclog_capture.find("request handled")
    assert len(slept) == n and len(access) == n
    # Each request's own record carries its own id: ms was i % 5.
    by_id = {r["correlation_id"]: r for r in slept}
    assert sorted(by_id) == sorted(f"c-{i}" for i in range(n))
    assert all(r["ms"] == int(rid[2:]) % 5 for rid, r in by_id.items())
    assert {r["correlation_id"] for r in access} == set(by_id)
