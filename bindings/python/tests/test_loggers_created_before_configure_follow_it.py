import json

from asynclog.pytest_plugin import Capture

import asynclog
from asynclog import _native

created_at_import = asynclog.get_logger("imported").bind(module="early")


def test_a_handle_made_at_import_writes_to_the_capture_swapped_in_later(
    asynclog_capture: Capture,
) -> None:
    created_at_import.info("late configuration")
    r = asynclog_capture.one("late configuration")
    assert r["logger"] == "imported" and r["module"] == "early"


def test_reinstalling_a_root_moves_every_handle_back() -> None:
    first = _native.Root.build(text=json.dumps({"sinks": [{"type": "capture", "name": "m"}]}))
    second = _native.Root.build(text=json.dumps({"sinks": [{"type": "capture", "name": "m"}]}))
    previous = _native.install(first)
    try:
        log = asynclog.get_logger("moving")
        log.info("one")
        _native.install(second)
        log.info("two")
        _native.install(first)
        log.info("three")
        first.flush(5)
        second.flush(5)
        msgs = lambda r: [json.loads(x)["msg"] for x in (r.capture_text("m") or "").splitlines()]  # noqa: E731
        assert msgs(first) == ["one", "three"]
        assert msgs(second) == ["two"]
    finally:
        _native.install(previous)
        first.shutdown(5)
        second.shutdown(5)
