"""Drives an ASGI application with one request, without a server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

Message = dict[str, Any]


def scope(
    path: str = "/items/7",
    *,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An HTTP scope as a server builds it."""
    s: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers or [],
        "client": ("10.0.0.1", 5555),
        "server": ("127.0.0.1", 8000),
    }
    s.update(extra)
    return s


def call(
    app: Callable[[Any, Any, Any], Coroutine[Any, Any, None]],
    s: dict[str, Any],
    body: list[bytes] | None = None,
) -> list[Message]:
    """Runs ``app`` on scope ``s`` with the request body in ``body``'s
    chunks; returns the messages it sent."""
    incoming: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": i + 1 < len(body or [b""])}
        for i, chunk in enumerate(body or [b""])
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        if incoming:
            return incoming.pop(0)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(s, receive, send))
    return sent


def response_headers(sent: list[Message]) -> dict[bytes, bytes]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    return dict(start.get("headers", []))
