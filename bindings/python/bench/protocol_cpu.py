"""CPU time each middleware adds per request through uvicorn's own HTTP
protocol, in process.

    python bench/protocol_cpu.py [--stack h11] [--rounds 10] [--n 1024]
                                 [--connections 32] [variant ...]

bench/middleware_cpu.py calls the application directly, so it leaves out
the server's work on what the middleware changes (the echoed header,
which h11 validates). Here each variant of bench/app.py (default: none,
asynclog, stdlib) is served by uvicorn's H11Protocol or HttpToolsProtocol
over an in-memory transport: CONNECTIONS connections each get a GET
request, the loop runs until every response is complete, and that
repeats. No socket, kernel or load generator is involved, so the number
moves far less than a loaded server's, while the code run per request is
the same as under wrk. Prints, as JSON, the least CPU time of the
calling thread per request over ROUNDS rounds of N requests, per variant,
and what each adds over the first.

Besides the variants of bench/app.py, three split the middleware's cost:
``noop`` (a pure-ASGI middleware that does nothing), ``echo`` (one that
only adds a 32-hex-digit ``x-request-id`` header to the response, as the
middleware does: what the server spends on the header) and
``context-only`` (``AsynclogMiddleware`` without the access log).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from middleware_cpu import build  # noqa: E402 (the bench folder is on the path)

REQUEST = b"GET /items/7 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"


class Transport(asyncio.Transport):
    """Takes what the server writes and drops it."""

    def __init__(self) -> None:
        super().__init__()
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def write(self, data: Any) -> None:
        pass

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stack", default="h11", choices=["h11", "httptools"])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("variants", nargs="*", default=["none", "asynclog", "stdlib"])
    args = ap.parse_args()

    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from uvicorn.protocols.http.h11_impl import H11Protocol
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    protocol: Any = H11Protocol if args.stack == "h11" else HttpToolsProtocol

    work = tempfile.mkdtemp(prefix="asynclog-protocol-")
    conns: dict[str, list[Any]] = {}
    for v in args.variants:
        config = Config(build(v, f"{work}/{v}"), http=args.stack, access_log=False,
                        lifespan="off", log_level="warning")
        config.load()
        state = ServerState()
        conns[v] = []
        for _ in range(args.connections):
            proto = protocol(config=config, server_state=state, app_state={})
            proto.connection_made(Transport())
            conns[v].append(proto)

    async def serve(v: str, n: int) -> int:
        protos = conns[v]
        for _ in range(n // len(protos)):
            for p in protos:
                p.data_received(REQUEST)
            while any(p.cycle is not None and not p.cycle.response_complete for p in protos):
                await asyncio.sleep(0)
            await asyncio.sleep(0)
        return n // len(protos) * len(protos)

    for v in args.variants:
        await serve(v, 256)
    best = {v: float("inf") for v in args.variants}
    for _ in range(args.rounds):
        for v in args.variants:
            start = time.thread_time()
            served = await serve(v, args.n)
            best[v] = min(best[v], (time.thread_time() - start) / served * 1e6)
    base = best[args.variants[0]]
    print(json.dumps({"us_per_request": best,
                      "us_added": {v: us - base for v, us in best.items()}}))


if __name__ == "__main__":
    asyncio.run(main())
