import asyncio
import json
import time
from pathlib import Path

import asynclog
from asynclog import _native


def file_root(path: Path) -> _native.Root:
    config = {"sinks": [{"type": "file", "path": str(path)}], "batch": {"max_delay_ms": 1000}}
    return _native.Root.build(text=json.dumps(config))


def test_flush_returns_once_everything_logged_before_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "out.ndjson"
    root = file_root(path)
    previous = _native.install(root)
    try:
        log = asynclog.get_logger()
        for i in range(5000):
            log.info("event", i=i)
        assert asynclog.flush(10) == 0
        lines = path.read_text().splitlines()
        assert len(lines) == 5000
        assert [json.loads(x)["i"] for x in lines] == list(range(5000))
    finally:
        _native.install(previous)
        root.shutdown(5)


def test_aflush_lets_the_event_loop_run_while_it_waits(tmp_path: Path) -> None:
    path = tmp_path / "out.ndjson"
    root = file_root(path)
    previous = _native.install(root)

    async def main() -> tuple[int, int]:
        ticks = 0
        stop = False

        async def ticker() -> None:
            nonlocal ticks
            while not stop:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        log = asynclog.get_logger()
        for i in range(20000):
            log.info("event", i=i)
        pending = await asynclog.aflush(10)
        stop = True
        await task
        return pending, ticks

    try:
        pending, ticks = asyncio.run(main())
        assert pending == 0
        assert ticks > 0, "the loop did not run while aflush waited"
        assert len(path.read_text().splitlines()) == 20000
    finally:
        _native.install(previous)
        root.shutdown(5)


def test_flush_releases_the_gil_while_it_waits(tmp_path: Path) -> None:
    import threading

    root = file_root(tmp_path / "out.ndjson")
    previous = _native.install(root)
    counted = 0
    done = threading.Event()

    def count() -> None:
        nonlocal counted
        while not done.is_set():
            counted += 1

    try:
        log = asynclog.get_logger()
        for i in range(50000):
            log.info("event", i=i)
        t = threading.Thread(target=count)
        t.start()
        started = time.monotonic()
        assert root.flush(10) == 0
        elapsed = time.monotonic() - started
        done.set()
        t.join()
        # A thread that needs the GIL made progress during the flush.
        assert counted > 0 or elapsed < 0.001
    finally:
        _native.install(previous)
        root.shutdown(5)


def test_flush_without_a_logger_returns_zero() -> None:
    previous = _native.install(None)
    try:
        assert asynclog.flush(1) == 0
        assert asyncio.run(asynclog.aflush(1)) == 0
    finally:
        _native.install(previous)
