"""One logger, one workload, in this process: the per-call cost and the
end-to-end rate of the core's workload.

    python bench/loggers.py LOGGER N OUT_DIR

The workload: INFO "request handled" with user_id (incrementing int),
path "/api/v1/items" and latency_ms (12.5 + i % 7), as NDJSON to a file.
Prints one JSON object: calls_s (time in the logging calls), cpu_s (CPU
time of the calling thread in them), total_s (from the first call until
everything is written, setup excluded), and the output file. The parent
(bench/run.py) checks the file.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PATH = "/api/v1/items"


def asynclog_setup(out: Path) -> tuple[Callable[[int], None], Callable[[], None], Path]:
    import asynclog

    target = out / "asynclog.ndjson"
    asynclog.configure({"sinks": [{"type": "file", "path": str(target)}]})
    log = asynclog.get_logger("bench")
    info = log.info

    def run(n: int) -> None:
        for i in range(n):
            info("request handled", user_id=i, path=PATH, latency_ms=12.5 + i % 7)

    def finish() -> None:
        pending = asynclog.flush(120)
        assert pending == 0, f"{pending} records not written"

    return run, finish, target


class JsonFormatter(logging.Formatter):
    """The usual hand-written JSON formatter for the stdlib."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "ts": record.created,
                "level": record.levelname,
                "logger": record.name,
                "msg": record.getMessage(),
                "user_id": record.__dict__["user_id"],
                "path": record.__dict__["path"],
                "latency_ms": record.__dict__["latency_ms"],
            }
        )


def stdlib_setup(out: Path) -> tuple[Callable[[int], None], Callable[[], None], Path]:
    target = out / "stdlib.ndjson"
    handler = logging.FileHandler(target)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("bench")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    info = log.info

    def run(n: int) -> None:
        for i in range(n):
            info(
                "request handled",
                extra={"user_id": i, "path": PATH, "latency_ms": 12.5 + i % 7},
            )

    def finish() -> None:
        handler.flush()
        handler.close()

    return run, finish, target


def structlog_setup(out: Path) -> tuple[Callable[[int], None], Callable[[], None], Path]:
    # structlog's documented fastest setup: a filtering bound logger,
    # cached, orjson rendering to bytes, BytesLogger on the file.
    import orjson
    import structlog

    target = out / "structlog.ndjson"
    f = open(target, "wb")
    structlog.configure(
        cache_logger_on_first_use=True,
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(serializer=orjson.dumps),
        ],
        logger_factory=structlog.BytesLoggerFactory(file=f),
    )
    log = structlog.get_logger()
    info = log.info

    def run(n: int) -> None:
        for i in range(n):
            info("request handled", user_id=i, path=PATH, latency_ms=12.5 + i % 7)

    def finish() -> None:
        f.flush()
        f.close()

    return run, finish, target


def loguru_setup(out: Path) -> tuple[Callable[[int], None], Callable[[], None], Path]:
    from loguru import logger

    target = out / "loguru.ndjson"
    logger.remove()
    logger.add(target, serialize=True, level="INFO", enqueue=False)
    info = logger.info

    def run(n: int) -> None:
        for i in range(n):
            info("request handled", user_id=i, path=PATH, latency_ms=12.5 + i % 7)

    def finish() -> None:
        logger.remove()

    return run, finish, target


def fapilog_setup(out: Path) -> tuple[Callable[[int], None], Callable[[], None], Path]:
    import asyncio

    import fapilog

    directory = out / "fapilog"
    directory.mkdir(exist_ok=True)
    log = (
        fapilog.LoggerBuilder()
        .with_level("INFO")
        .add_file(str(directory), max_bytes="10 GB")
        .with_backpressure(wait_ms=1000, drop_on_full=False)
        .build()
    )
    info = log.info

    def run(n: int) -> None:
        for i in range(n):
            info("request handled", user_id=i, path=PATH, latency_ms=12.5 + i % 7)

    def finish() -> None:
        asyncio.run(log.stop_and_drain())

    return run, finish, directory


SETUPS: dict[str, Callable[[Path], tuple[Callable[[int], None], Callable[[], None], Path]]] = {
    "asynclog": asynclog_setup,
    "stdlib": stdlib_setup,
    "structlog": structlog_setup,
    "loguru": loguru_setup,
    "fapilog": fapilog_setup,
}


def main() -> None:
    name, n, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    run, finish, target = SETUPS[name](out)
    start = time.perf_counter()
    cpu = time.thread_time()
    run(n)
    calls = time.perf_counter() - start
    cpu = time.thread_time() - cpu
    finish()
    total = time.perf_counter() - start
    result: dict[str, Any] = {
        "logger": name,
        "n": n,
        "calls_s": calls,
        "cpu_s": cpu,
        "total_s": total,
        "output": str(target),
        "pid": os.getpid(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
