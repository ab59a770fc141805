import asyncio
import re
from typing import Any

from asgi_harness import call, response_headers, scope
from asynclog.pytest_plugin import Capture
from conftest import client, make_app

from asynclog.fastapi import AsynclogMiddleware, parse_traceparent

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


def get(path: str, **headers: str) -> tuple[int, dict[str, str]]:
    async def go() -> tuple[int, dict[str, str]]:
        async with client(make_app()) as c:
            r = await c.get(path, headers=headers)
            return r.status_code, dict(r.headers)

    return asyncio.run(go())


def test_x_request_id_is_used_echoed_and_in_every_record(asynclog_capture: Capture) -> None:
    status, headers = get("/items/1", **{"X-Request-ID": "req-abc"})
    assert status == 200 and headers["x-request-id"] == "req-abc"
    records = asynclog_capture.records()
    assert {r["msg"] for r in records} == {"reading item", "after await", "request handled"}
    assert all(r["correlation_id"] == "req-abc" for r in records)


def test_x_correlation_id_is_the_second_choice(asynclog_capture: Capture) -> None:
    _, headers = get("/items/1", **{"X-Correlation-ID": "corr-1"})
    assert headers["x-request-id"] == "corr-1"
    _, headers = get("/items/1", **{"X-Correlation-ID": "corr-2", "X-Request-ID": "req-2"})
    assert headers["x-request-id"] == "req-2"


def test_traceparent_sets_trace_and_span_and_is_the_id_without_a_header(
    asynclog_capture: Capture,
) -> None:
    _, headers = get("/items/1", traceparent=f"00-{TRACE}-{SPAN}-01")
    assert headers["x-request-id"] == TRACE
    r = asynclog_capture.one("reading item")
    assert (r["correlation_id"], r["trace_id"], r["span_id"]) == (TRACE, TRACE, SPAN)


def test_a_fresh_id_is_generated_when_none_is_given_or_it_is_unusable(
    asynclog_capture: Capture,
) -> None:
    _, first = get("/items/1")
    _, second = get("/items/1", **{"X-Request-ID": "bad id with spaces\t"})
    for headers in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
    assert first["x-request-id"] != second["x-request-id"]
    ids = {r["correlation_id"] for r in asynclog_capture.records()}
    assert ids == {first["x-request-id"], second["x-request-id"]}


def test_malformed_or_zero_traceparents_are_ignored() -> None:
    assert parse_traceparent(f"00-{TRACE}-{SPAN}-01".encode()) == (TRACE, SPAN)
    for bad in (
        f"00-{'0' * 32}-{SPAN}-01",
        f"00-{TRACE}-{'0' * 16}-01",
        f"ff-{TRACE}-{SPAN}-01",
        f"00-{TRACE.upper()}-{SPAN}-01",
        f"00-{TRACE}-{SPAN}",
        "garbage",
    ):
        assert parse_traceparent(bad.encode()) is None, bad


def test_request_state_and_scope_carry_the_id(asynclog_capture: Capture) -> None:
    from fastapi import Request

    app = make_app()

    @app.get("/state")
    async def state(request: Request) -> dict[str, str]:
        return {"state": request.state.request_id, "scope": request.scope["asynclog.request_id"]}

    async def go() -> dict[str, str]:
        async with client(app) as c:
            r = await c.get("/state", headers={"X-Request-ID": "s-1"})
            body: dict[str, str] = r.json()
            return body

    assert asyncio.run(go()) == {"state": "s-1", "scope": "s-1"}


def test_the_id_header_is_added_to_a_copy_of_the_applications_headers() -> None:
    shared = [(b"content-type", b"text/plain")]  # one list, sent by every request

    async def app(s: object, receive: object, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": shared})
        await send({"type": "http.response.body", "body": b"ok"})

    mw = AsynclogMiddleware(app)
    ids = []
    for n in range(3):
        sent = call(mw, scope(headers=[(b"x-request-id", f"req-{n}".encode())]))
        headers = response_headers(sent)
        ids.append(headers[b"x-request-id"])
        assert headers[b"content-type"] == b"text/plain"
    assert ids == [b"req-0", b"req-1", b"req-2"]
    assert shared == [(b"content-type", b"text/plain")]

    # A tuple of headers is copied the same way.
    async def tuple_app(s: object, receive: object, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": tuple(shared)})
        await send({"type": "http.response.body", "body": b""})

    sent = call(AsynclogMiddleware(tuple_app), scope())
    assert set(response_headers(sent)) == {b"content-type", b"x-request-id"}
