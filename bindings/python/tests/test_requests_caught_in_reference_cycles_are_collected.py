import gc
from typing import Any

from asgi_harness import call, scope
from asynclog.pytest_plugin import Capture

from asynclog import _native
from asynclog.fastapi import AccessLog, AsynclogMiddleware


def live_requests() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is _native.AsgiRequest)


def test_a_request_the_scope_refers_back_to_is_freed(asynclog_capture: Capture) -> None:
    async def keeps_send(scope: Any, receive: Any, send: Any) -> None:
        scope["kept"] = (send, receive)  # scope -> request -> scope
        await send({"type": "http.response.start", "status": 200})
        await send({"type": "http.response.body", "body": b""})

    before = live_requests()
    mw = AsynclogMiddleware(keeps_send, access_log=AccessLog())
    for method in ("GET", "POST"):  # POST counts its body through a closure
        for _ in range(20):
            call(mw, scope(method=method))
    assert live_requests() == before
