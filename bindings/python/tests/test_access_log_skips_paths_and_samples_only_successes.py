import asyncio

import asynclog
import pytest
from asynclog.pytest_plugin import Capture
from conftest import client, make_app

from asynclog.fastapi import AccessLog


def hit(access: AccessLog, paths: list[str]) -> None:
    async def go() -> None:
        async with client(make_app(access)) as c:
            for p in paths:
                await c.get(p)

    asyncio.run(go())


def test_skipped_prefixes_and_patterns_are_not_logged(asynclog_capture: Capture) -> None:
    access = AccessLog(skip_paths=["/health"], skip_patterns=[r"/items/\d*7"])
    hit(access, ["/health", "/healthz", "/items/17", "/items/18"])
    assert [r["path"] for r in asynclog_capture.find("request handled")] == ["/items/18"]


def test_skipped_requests_still_get_a_request_id(asynclog_capture: Capture) -> None:
    async def go() -> str:
        async with client(make_app(AccessLog(skip_paths=["/items"]))) as c:
            r = await c.get("/items/1")
            return r.headers["x-request-id"]

    rid = asyncio.run(go())
    assert not asynclog_capture.find("request handled")
    assert asynclog_capture.one("reading item")["correlation_id"] == rid


def test_sampling_keeps_a_fraction_of_successes_and_every_error(asynclog_capture: Capture) -> None:
    import random

    random.seed(1234)
    access = AccessLog(sample_rate=0.2)
    filtered_before = asynclog.metrics()["filtered"]
    hit(access, ["/health"] * 300 + ["/missing"] * 20 + ["/boom"] * 10)
    records = asynclog_capture.find("request handled")
    ok = [r for r in records if r["status"] == 200]
    assert 30 <= len(ok) <= 90, len(ok)
    # Those left out are counted as filtered, not lost.
    assert asynclog.metrics()["filtered"] - filtered_before == 300 - len(ok)
    assert len([r for r in records if r["status"] == 404]) == 20
    assert len([r for r in records if r["status"] == 500]) == 10


def test_a_sample_rate_of_zero_still_logs_errors(asynclog_capture: Capture) -> None:
    hit(AccessLog(sample_rate=0.0), ["/health", "/boom"])
    assert [r["status"] for r in asynclog_capture.find("request handled")] == [500]


def test_a_sample_rate_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        AccessLog(sample_rate=1.5)
