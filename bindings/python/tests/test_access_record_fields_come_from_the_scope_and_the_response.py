from types import SimpleNamespace
from typing import Any

from asgi_harness import call, scope
from asynclog.pytest_plugin import Capture

from asynclog.fastapi import REDACTED, AccessLog, AsynclogMiddleware


def responder(status: int = 200, chunks: tuple[bytes, ...] = (b"hello",), route: Any = None) -> Any:
    """An application answering with ``chunks``; it sets ``scope["route"]``
    as a router would, after the middleware has started."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive())["type"] == "http.request" and scope["method"] == "POST":
            pass
        if route is not None:
            scope["route"] = route
        await send(
            {"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"text/plain"), (b"set-cookie", b"s=1")]}
        )
        for i, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk,
                        "more_body": i + 1 < len(chunks)})

    return app


def test_every_documented_field_is_written(asynclog_capture: Capture) -> None:
    s = scope(
        "/items/7",
        headers=[(b"user-agent", b"probe/\xe9"), (b"x-request-id", b"f-1")],
        http_version="2",
    )
    route = SimpleNamespace(path_format="/items/{item_id}", path="/items/{item_id:int}")
    app = responder(chunks=(b"ab", b"cde", b""), route=route)
    call(AsynclogMiddleware(app, access_log=AccessLog()), s)
    r = asynclog_capture.one("request handled")
    assert r["logger"] == "asynclog.access" and r["level"] == "INFO"
    assert r["correlation_id"] == "f-1"
    expected = {
        "method": "GET", "path": "/items/7", "route": "/items/{item_id}", "status": 200,
        "client_ip": "10.0.0.1", "client_port": 5555, "user_agent": "probe/é",
        "request_bytes": 0, "response_bytes": 5, "http_version": "2",
    }
    assert {k: r[k] for k in expected} == expected
    assert isinstance(r["duration_ms"], float) and r["duration_ms"] >= 0
    assert "query" not in r and "headers" not in r and "response_headers" not in r
    assert "error" not in r


def test_missing_client_user_agent_and_route_are_null(asynclog_capture: Capture) -> None:
    s = scope("/x", client=None)
    call(AsynclogMiddleware(responder(), access_log=AccessLog()), s)
    r = asynclog_capture.one("request handled")
    assert (r["client_ip"], r["client_port"], r["user_agent"], r["route"]) == (None,) * 4


def test_a_route_without_a_path_format_gives_its_path(asynclog_capture: Capture) -> None:
    route = SimpleNamespace(path_format="", path="/mounted")
    call(AsynclogMiddleware(responder(route=route), access_log=AccessLog()), scope())
    assert asynclog_capture.one("request handled")["route"] == "/mounted"


def test_request_bytes_come_from_the_length_or_from_counting_the_body(
    asynclog_capture: Capture,
) -> None:
    mw = AsynclogMiddleware(responder(), access_log=AccessLog())
    call(mw, scope(method="POST", headers=[(b"content-length", b"11")]), [b"hello world"])
    call(mw, scope(method="POST"), [b"abc", b"defg", b""])
    call(mw, scope(method="POST", headers=[(b"content-length", b"x1")]), [b"12345"])
    sizes = [r["request_bytes"] for r in asynclog_capture.find("request handled")]
    assert sizes == [11, 7, 5]


def test_query_and_allowlisted_headers_are_written_when_asked(asynclog_capture: Capture) -> None:
    access = AccessLog(
        query_string=True,
        headers=["Accept", "Authorization", "X-Dup"],
        response_headers=["Content-Type", "Set-Cookie", "X-Request-ID"],
        redact=["X-Dup"],
    )
    s = scope(
        query_string=b"a=1&b=\xe9",
        headers=[
            (b"Accept", b"text/\xe9"),
            (b"authorization", b"Bearer secret"),
            (b"x-dup", b"one"),
            (b"x-dup", b"two"),
            (b"x-request-id", b"h-1"),
            (b"x-other", b"unlisted"),
        ],
    )
    call(AsynclogMiddleware(responder(), access_log=access), s)
    r = asynclog_capture.one("request handled")
    assert r["query"] == "a=1&b=é"
    assert r["headers"] == {"accept": "text/é", "authorization": REDACTED, "x-dup": REDACTED}
    assert r["response_headers"] == {
        "content-type": "text/plain", "set-cookie": REDACTED, "x-request-id": "h-1",
    }
    text = asynclog_capture.text()
    assert "secret" not in text and "unlisted" not in text and "s=1" not in text


def test_the_level_follows_the_status(asynclog_capture: Capture) -> None:
    for status in (200, 302, 404, 503):
        call(AsynclogMiddleware(responder(status), access_log=AccessLog()), scope())
    records = asynclog_capture.find("request handled")
    assert [(r["status"], r["level"]) for r in records] == [
        (200, "INFO"), (302, "INFO"), (404, "WARN"), (503, "ERROR"),
    ]


def test_one_record_per_request_even_if_the_body_is_ended_twice(
    asynclog_capture: Capture,
) -> None:
    async def twice(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b"a"})
        await send({"type": "http.response.body", "body": b"b"})

    call(AsynclogMiddleware(twice, access_log=AccessLog()), scope())
    assert len(asynclog_capture.find("request handled")) == 1


def test_skips_and_sampling_overridden_in_a_subclass_are_honoured(
    asynclog_capture: Capture,
) -> None:
    class Custom(AccessLog):
        def skips(self, path: str) -> bool:
            return path.endswith("/private")

    mw = AsynclogMiddleware(responder(), access_log=Custom())
    for path in ("/a", "/b/private", "/c"):
        call(mw, scope(path))
    assert [r["path"] for r in asynclog_capture.find("request handled")] == ["/a", "/c"]


def test_sampling_is_asked_only_below_the_always_logged_status(
    asynclog_capture: Capture,
) -> None:
    asked: list[int] = []

    class Counting(AccessLog):
        def sampled_out(self, status: int) -> bool:
            asked.append(status)
            return super().sampled_out(status)

    mw = AsynclogMiddleware(responder(200), access_log=Counting(sample_rate=0.0))
    call(mw, scope())
    call(AsynclogMiddleware(responder(500), access_log=Counting(sample_rate=0.0)), scope())
    call(AsynclogMiddleware(responder(200), access_log=Counting()), scope())
    assert asked == [200, 500]
    assert [r["status"] for r in asynclog_capture.find("request handled")] == [500, 200]
