import asyncio
from typing import Any

import pytest
from asgi_harness import call, response_headers, scope
from asynclog.pytest_plugin import Capture

import asynclog
from asynclog.fastapi import AccessLog, AsynclogMiddleware

log = asynclog.get_logger("app")
# Every test captures, so nothing is written to stdout.
pytestmark = pytest.mark.usefixtures("asynclog_capture")


async def fails_before_responding(scope: Any, receive: Any, send: Any) -> None:
    log.info("about to fail")
    raise KeyError("lost")


async def fails_after_starting(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200})
    await send({"type": "http.response.body", "body": b"part", "more_body": True})
    raise ValueError("mid-stream")


def test_a_failure_before_the_response_gets_a_json_500_with_the_id(
    asynclog_capture: Capture,
) -> None:
    sent = call(
        AsynclogMiddleware(fails_before_responding, access_log=AccessLog()),
        scope(headers=[(b"x-request-id", b"e-1")]),
    )
    assert sent[0]["status"] == 500 and response_headers(sent)[b"x-request-id"] == b"e-1"
    assert b'"request_id": "e-1"' in sent[1]["body"]
    error = asynclog_capture.one("unhandled exception")
    assert error["exception"]["type"] == "KeyError" and error["correlation_id"] == "e-1"
    access = asynclog_capture.one("request handled")
    assert access["status"] == 500 and access["correlation_id"] == "e-1"
    assert access["response_bytes"] == len(sent[1]["body"])


def test_a_failure_after_the_response_started_keeps_its_status_and_names_the_error(
    asynclog_capture: Capture,
) -> None:
    sent = call(AsynclogMiddleware(fails_after_starting, access_log=AccessLog()), scope())
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    error = asynclog_capture.one("unhandled exception")
    assert error["response_started"] is True
    access = asynclog_capture.one("request handled")
    assert (access["status"], access["error"], access["response_bytes"]) == (200, "ValueError", 4)


def test_without_error_handling_the_record_names_the_error_and_it_is_raised(
    asynclog_capture: Capture,
) -> None:
    mw = AsynclogMiddleware(fails_before_responding, access_log=AccessLog(), handle_errors=False)
    with pytest.raises(KeyError):
        call(mw, scope())
    access = asynclog_capture.one("request handled")
    assert (access["status"], access["error"], access["level"]) == (500, "KeyError", "ERROR")
    assert not asynclog_capture.find("unhandled exception")


def test_a_failing_websocket_handler_raises_as_it_would_without_the_middleware() -> None:
    async def ws(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("ws failed")

    with pytest.raises(RuntimeError, match="ws failed"):
        call(AsynclogMiddleware(ws), scope(type="websocket"))


def test_the_callers_context_is_extended_and_restored(asynclog_capture: Capture) -> None:
    async def ok(scope: Any, receive: Any, send: Any) -> None:
        log.info("inside")
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body"})

    async def go(app: Any) -> None:
        async def receive() -> Any:
            return {"type": "http.request"}

        async def send(message: Any) -> None:
            pass

        with asynclog.context(tenant_id="t-1", correlation_id="outer"):
            for _ in range(2):
                try:
                    await app(scope(headers=[(b"x-request-id", b"in-1")]), receive, send)
                except KeyError:
                    pass
                log.info("outside")

    for app in (ok, fails_before_responding):
        asyncio.run(go(AsynclogMiddleware(app, access_log=AccessLog(), handle_errors=app is ok)))
    inside = asynclog_capture.find("inside") + asynclog_capture.find("about to fail")
    assert len(inside) == 4
    assert all((r["tenant_id"], r["correlation_id"]) == ("t-1", "in-1") for r in inside)
    outside = asynclog_capture.find("outside")
    assert len(outside) == 4
    assert all((r["tenant_id"], r["correlation_id"]) == ("t-1", "outer") for r in outside)
