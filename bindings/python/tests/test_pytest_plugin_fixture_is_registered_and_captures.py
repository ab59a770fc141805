import pytest

pytest_plugins = ["pytester"]

INNER = '''
import asyncio
import asynclog
import httpx
from fastapi import FastAPI, BackgroundTasks
from asynclog.fastapi import AsynclogMiddleware, AccessLog

log = asynclog.get_logger("inner")

def test_capture(asynclog_capture):
    log.info("hello", n=1)
    assert asynclog_capture.one("hello", n=1)["logger"] == "inner"
    asynclog_capture.clear()
    assert asynclog_capture.records() == []

def test_capture_sees_middleware_and_background_records(asynclog_capture):
    app = FastAPI()
    app.add_middleware(AsynclogMiddleware, access_log=AccessLog())

    @app.get("/")
    async def root(tasks: BackgroundTasks):
        tasks.add_task(lambda: log.info("later"))
        return {}

    async def go():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            await c.get("/", headers={"X-Request-ID": "p-1"})

    asyncio.run(go())
    assert asynclog_capture.one("later")["correlation_id"] == "p-1"
    assert asynclog_capture.one("request handled", status=200)["correlation_id"] == "p-1"

def test_one_fails_with_what_was_captured(asynclog_capture):
    log.info("something else")
    asynclog_capture.one("never logged")
'''


def test_the_fixture_comes_from_the_installed_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*expected one record matching message='never logged'*"])
    result.stdout.fnmatch_lines(["*something else*"])


def test_wait_for_polls_until_records_from_a_thread_arrive(asynclog_capture: object) -> None:
    import threading
    import time

    import asynclog
    from asynclog.pytest_plugin import Capture

    assert isinstance(asynclog_capture, Capture)

    def later() -> None:
        time.sleep(0.05)
        asynclog.get_logger().info("from a thread")

    threading.Thread(target=later).start()
    records = asynclog_capture.wait_for(lambda rs: any(r["msg"] == "from a thread" for r in rs))
    assert records[-1]["msg"] == "from a thread"
