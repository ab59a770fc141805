from typing import Any

import pytest
from asgi_harness import call, response_headers, scope
from asynclog.pytest_plugin import Capture

import asynclog
from asynclog.fastapi import AccessLog, AsynclogMiddleware, parse_traceparent, valid_request_id

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
log = asynclog.get_logger("app")
# Every test captures, so nothing is written to stdout.
pytestmark = pytest.mark.usefixtures("asynclog_capture")


async def app(scope: Any, receive: Any, send: Any) -> None:
    log.info("handling")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"a", b"1")]})
    await send({"type": "http.response.body", "body": b"ok"})


def request_id(headers: list[tuple[bytes, bytes]], **options: Any) -> str | None:
    sent = call(AsynclogMiddleware(app, **options), scope(headers=headers))
    value = response_headers(sent).get(b"x-request-id")
    return value.decode() if value is not None else None


def is_fresh(value: str | None) -> bool:
    return value is not None and len(value) == 32 and set(value) <= set("0123456789abcdef")


def test_ids_up_to_128_characters_of_the_allowed_set_are_taken() -> None:
    for good in ("a", "A-z_0.9:/+=@", "x" * 128):
        assert valid_request_id(good.encode())
        assert request_id([(b"x-request-id", good.encode())]) == good


@pytest.mark.parametrize(
    "bad",
    [b"", b"x" * 129, b"has space", b'quote"', b"tab\t", b"semi;colon", "é".encode(), b"\x00"],
)
def test_empty_oversized_or_odd_ids_are_replaced_by_a_fresh_one(bad: bytes) -> None:
    assert not valid_request_id(bad)
    assert is_fresh(request_id([(b"x-request-id", bad)]))


def test_an_unusable_first_choice_falls_back_to_the_next_header() -> None:
    headers = [(b"x-request-id", b"bad id"), (b"x-correlation-id", b"corr-7")]
    assert request_id(headers) == "corr-7"


def test_only_the_first_occurrence_of_a_header_counts() -> None:
    headers = [(b"x-request-id", b"first"), (b"x-request-id", b"second")]
    assert request_id(headers) == "first"
    headers = [(b"x-request-id", b"bad id"), (b"x-request-id", b"good")]
    assert is_fresh(request_id(headers))


def test_id_headers_and_the_echoed_header_are_configurable(asynclog_capture: Capture) -> None:
    sent = call(
        AsynclogMiddleware(app, id_headers=["X-Trace"], response_header="X-Echo"),
        scope(headers=[(b"x-request-id", b"ignored"), (b"x-trace", b"mine")]),
    )
    headers = response_headers(sent)
    assert headers[b"x-echo"] == b"mine" and b"x-request-id" not in headers
    assert headers[b"a"] == b"1"
    assert asynclog_capture.one("handling")["correlation_id"] == "mine"


def test_no_header_is_echoed_without_a_response_header() -> None:
    sent = call(AsynclogMiddleware(app, response_header=None), scope())
    assert response_headers(sent) == {b"a": b"1"}


def test_a_valid_traceparent_gives_trace_and_span_and_yields_to_an_id_header(
    asynclog_capture: Capture,
) -> None:
    tp = f" \x0b00-{TRACE}-{SPAN}-01\t".encode()
    assert parse_traceparent(tp) == (TRACE, SPAN)
    assert request_id([(b"traceparent", tp)]) == TRACE
    assert request_id([(b"traceparent", tp), (b"x-request-id", b"given")]) == "given"
    r = asynclog_capture.find("handling")[-1]
    assert (r["correlation_id"], r["trace_id"], r["span_id"]) == ("given", TRACE, SPAN)


@pytest.mark.parametrize(
    "bad",
    [
        f"ff-{TRACE}-{SPAN}-01",
        f"00-{'0' * 32}-{SPAN}-01",
        f"00-{TRACE}-{'0' * 16}-01",
        f"00-{TRACE.upper()}-{SPAN}-01",
        f"00-{TRACE}-{SPAN}-01-extra",
        f"00-{TRACE}-{SPAN}-0g",
        f"00_{TRACE}-{SPAN}-01",
        "",
    ],
)
def test_malformed_traceparents_are_ignored(bad: str, asynclog_capture: Capture) -> None:
    assert parse_traceparent(bad.encode()) is None
    assert is_fresh(request_id([(b"traceparent", bad.encode())]))
    assert "trace_id" not in asynclog_capture.one("handling")


def test_traceparent_is_not_read_when_turned_off(asynclog_capture: Capture) -> None:
    tp = f"00-{TRACE}-{SPAN}-01".encode()
    assert is_fresh(request_id([(b"traceparent", tp)], traceparent=False))
    assert "trace_id" not in asynclog_capture.one("handling")


def test_the_id_is_in_the_scope_and_in_an_existing_state(asynclog_capture: Capture) -> None:
    s = scope(headers=[(b"x-request-id", b"s-9")], state={"other": 1})
    call(AsynclogMiddleware(app, access_log=AccessLog()), s)
    assert s["asynclog.request_id"] == "s-9"
    assert s["state"] == {"other": 1, "request_id": "s-9"}


def test_other_scope_types_pass_through_untouched() -> None:
    seen: list[Any] = []

    async def lifespan_app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(send)

    s = {"type": "lifespan", "asgi": {"version": "3.0"}}
    call(AsynclogMiddleware(lifespan_app), s)
    assert "asynclog.request_id" not in s and "state" not in s
    assert getattr(seen[0], "__name__", None) == "send"  # the server's own
