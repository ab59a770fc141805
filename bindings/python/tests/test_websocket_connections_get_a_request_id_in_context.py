import asyncio

from asynclog.pytest_plugin import Capture
from fastapi import FastAPI, WebSocket

import asynclog
from asynclog.fastapi import AsynclogMiddleware


def test_records_logged_by_a_websocket_handler_carry_the_connections_id(
    asynclog_capture: Capture,
) -> None:
    app = FastAPI()
    app.add_middleware(AsynclogMiddleware)
    log = asynclog.get_logger("ws")

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        log.info("connected")
        await socket.close()

    async def go() -> None:
        scope = {
            "type": "websocket", "path": "/ws", "raw_path": b"/ws", "query_string": b"",
            "headers": [(b"x-request-id", b"ws-1")], "scheme": "ws", "root_path": "",
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "subprotocols": [],
            "asgi": {"version": "3.0"},
        }
        incoming = [{"type": "websocket.connect"}]
        sent: list[dict[str, object]] = []

        async def receive() -> dict[str, object]:
            if incoming:
                return incoming.pop(0)
            await asyncio.sleep(3600)
            return {"type": "websocket.disconnect"}

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]

    asyncio.run(go())
    assert asynclog_capture.one("connected")["correlation_id"] == "ws-1"
