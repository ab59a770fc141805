import asyncio
from typing import Any

from asynclog.pytest_plugin import Capture
from conftest import client, make_app

from asynclog.fastapi import REDACTED, AccessLog


def call(access: AccessLog, method: str, path: str, **kw: Any) -> None:
    async def go() -> None:
        async with client(make_app(access)) as c:
            await c.request(method, path, **kw)

    asyncio.run(go())


def test_the_record_has_the_documented_fields(asynclog_capture: Capture) -> None:
    call(AccessLog(), "GET", "/items/42?secret=1", headers={"User-Agent": "probe/1.0"})
    r = asynclog_capture.one("request handled")
    assert r["logger"] == "asynclog.access" and r["level"] == "INFO"
    assert (r["method"], r["path"], r["route"], r["status"]) == (
        "GET", "/items/42", "/items/{item_id}", 200,
    )
    assert r["user_agent"] == "probe/1.0"
    assert r["client_ip"] == "127.0.0.1" and isinstance(r["client_port"], int)
    assert r["response_bytes"] == len(b'{"item_id":42}')
    assert r["request_bytes"] == 0
    assert r["http_version"] == "1.1"
    assert isinstance(r["duration_ms"], float) and r["duration_ms"] >= 0
    assert "query" not in r and "headers" not in r
    assert "secret" not in asynclog_capture.text()


def test_request_size_counts_the_body(asynclog_capture: Capture) -> None:
    call(AccessLog(), "POST", "/echo", json={"k": "v" * 100})
    r = asynclog_capture.one("request handled")
    assert r["request_bytes"] == len('{"k":"' + "v" * 100 + '"}')
    assert r["route"] == "/echo"


def test_the_query_string_is_logged_only_when_asked(asynclog_capture: Capture) -> None:
    call(AccessLog(query_string=True), "GET", "/items/1?a=1&b=2")
    assert asynclog_capture.one("request handled")["query"] == "a=1&b=2"


def test_only_allowlisted_headers_are_logged_and_secrets_never(asynclog_capture: Capture) -> None:
    access = AccessLog(
        headers=["Accept", "Authorization", "Cookie", "X-API-Key", "X-Custom-Secret"],
        redact=["x-custom-secret"],
        response_headers=["content-type", "set-cookie"],
    )
    call(
        access, "GET", "/items/1",
        headers={
            "Accept": "application/json",
            "Authorization": "Bearer top-secret",
            "Cookie": "session=abc",
            "X-API-Key": "key-123",
            "X-Custom-Secret": "hidden",
            "X-Not-Listed": "unlisted",
        },
    )
    r = asynclog_capture.one("request handled")
    assert r["headers"] == {
        "accept": "application/json",
        "authorization": REDACTED,
        "cookie": REDACTED,
        "x-api-key": REDACTED,
        "x-custom-secret": REDACTED,
    }
    assert r["response_headers"]["content-type"] == "application/json"
    text = asynclog_capture.text()
    for secret in ("top-secret", "session=abc", "key-123", "hidden", "unlisted"):
        assert secret not in text


def test_levels_follow_the_status(asynclog_capture: Capture) -> None:
    call(AccessLog(), "GET", "/missing")
    call(AccessLog(), "GET", "/no-such-route")
    records = asynclog_capture.find("request handled")
    assert [(r["status"], r["level"], r["route"]) for r in records] == [
        (404, "WARN", "/missing"),
        (404, "WARN", None),
    ]


def test_message_and_logger_name_are_configurable(asynclog_capture: Capture) -> None:
    call(AccessLog(logger_name="http.access", message="served"), "GET", "/health")
    assert asynclog_capture.one("served")["logger"] == "http.access"
