"""A keep-alive HTTP/1.1 load generator, for machines without wrk.

    python bench/load.py URL_HOST PORT PATH SECONDS CONNECTIONS

Opens CONNECTIONS connections and sends GET requests back to back on each
for SECONDS, reading each response by its Content-Length. Prints the
same two lines run.py reads from wrk: "N requests in Ts" and
"Requests/sec: R".
"""

from __future__ import annotations

import asyncio
import sys
import time


async def worker(host: str, port: int, path: str, deadline: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    done = 0
    while time.monotonic() < deadline:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        done += 1
    counts.append(done)
    writer.close()


async def main() -> None:
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seconds, connections = float(sys.argv[4]), int(sys.argv[5])
    counts: list[int] = []
    start = time.monotonic()
    deadline = start + seconds
    await asyncio.gather(*(worker(host, port, path, deadline, counts) for _ in range(connections)))
    elapsed = time.monotonic() - start
    total = sum(counts)
    print(f"  {total} requests in {elapsed:.2f}s")
    print(f"Requests/sec: {total / elapsed:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
