import asyncio
import logging

from asynclog.pytest_plugin import Capture
from conftest import client, make_app
from fastapi import FastAPI

from asynclog.fastapi import exception_handler


def test_the_exception_is_logged_once_with_route_and_id_and_the_client_gets_json(
    asynclog_capture: Capture,
) -> None:
    async def go() -> tuple[int, dict[str, str], str]:
        async with client(make_app()) as c:
            r = await c.get("/boom", headers={"X-Request-ID": "err-1"})
            return r.status_code, r.json(), r.headers["x-request-id"]

    status, body, header = asyncio.run(go())
    assert status == 500
    assert body == {"detail": "Internal Server Error", "request_id": "err-1"}
    assert header == "err-1"
    errors = asynclog_capture.find("unhandled exception")
    assert len(errors) == 1
    e = errors[0]
    assert e["level"] == "ERROR" and e["correlation_id"] == "err-1"
    assert (e["route"], e["path"], e["method"]) == ("/boom", "/boom", "GET")
    assert e["exception"]["type"] == "RuntimeError"
    assert e["exception"]["message"] == "the handler failed"
    assert e["exception"]["frames"][-1]["function"] == "boom"
    access = asynclog_capture.one("request handled")
    assert access["status"] == 500 and access["level"] == "ERROR"


def test_http_exceptions_are_the_applications_answers_not_errors(asynclog_capture: Capture) -> None:
    async def go() -> int:
        async with client(make_app()) as c:
            return (await c.get("/missing")).status_code

    assert asyncio.run(go()) == 404
    assert not asynclog_capture.find("unhandled exception")


def test_a_failing_background_task_is_logged_once_after_the_response(
    asynclog_capture: Capture,
) -> None:
    from fastapi import BackgroundTasks

    app = make_app()

    @app.get("/bg-fails")
    async def bg_fails(tasks: BackgroundTasks) -> dict[str, bool]:
        def fail() -> None:
            raise OSError("disk full")

        tasks.add_task(fail)
        return {"ok": True}

    async def go() -> int:
        async with client(app) as c:
            return (await c.get("/bg-fails", headers={"X-Request-ID": "bg-err"})).status_code

    assert asyncio.run(go()) == 200
    e = asynclog_capture.one("unhandled exception")
    assert e["response_started"] is True and e["correlation_id"] == "bg-err"
    assert e["exception"]["type"] == "OSError"


def test_the_standalone_handler_logs_and_answers_with_json(asynclog_capture: Capture) -> None:
    app = FastAPI()
    app.add_exception_handler(Exception, exception_handler)

    @app.get("/fail")
    async def fail() -> None:
        raise LookupError("gone")

    async def go() -> tuple[int, dict[str, object]]:
        transport_app = app
        import httpx

        transport = httpx.ASGITransport(app=transport_app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.get("/fail")
            return r.status_code, r.json()

    logging.getLogger("httpx").setLevel(logging.WARNING)
    status, body = asyncio.run(go())
    assert status == 500 and body["detail"] == "Internal Server Error"
    e = asynclog_capture.one("unhandled exception")
    assert e["route"] == "/fail" and e["exception"]["type"] == "LookupError"
