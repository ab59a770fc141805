import json
from collections.abc import Iterator

import pytest

import asynclog
from asynclog import _native


@pytest.fixture
def warn_root() -> Iterator[_native.Root]:
    root = _native.Root.build(
        text=json.dumps({"level": "warn", "sinks": [{"type": "capture", "name": "m"}]})
    )
    previous = _native.install(root)
    yield root
    _native.install(previous)
    root.shutdown(5)


def test_events_below_the_level_are_filtered_and_counted(warn_root: _native.Root) -> None:
    log = asynclog.get_logger("x")
    log.info("dropped", n=1)
    log.debug("dropped too")
    log.warning("kept")
    log.audit("audit passes every level")
    assert not log.is_enabled(int(asynclog.Level.INFO))
    assert log.is_enabled(int(asynclog.Level.ERROR))
    warn_root.flush(5)
    text = warn_root.capture_text("m") or ""
    assert [json.loads(line)["msg"] for line in text.splitlines()] == [
        "kept",
        "audit passes every level",
    ]
    assert json.loads(warn_root.metrics_json())["filtered"] == 2


def test_set_level_changes_what_existing_handles_log(warn_root: _native.Root) -> None:
    log = asynclog.get_logger("x")
    log.info("before")
    asynclog.set_level("info")
    log.info("after")
    asynclog.set_level(asynclog.Level.ERROR)
    log.warning("filtered again")
    warn_root.flush(5)
    text = warn_root.capture_text("m") or ""
    assert [json.loads(line)["msg"] for line in text.splitlines()] == ["after"]


def test_level_names_and_stdlib_numbers_parse() -> None:
    assert asynclog.Level.parse("warning") is asynclog.Level.WARN
    assert asynclog.Level.parse("CRITICAL") is asynclog.Level.FATAL
    assert asynclog.Level.parse(10) is asynclog.Level.DEBUG
    with pytest.raises(ValueError, match="unknown level"):
        asynclog.Level.parse("loud")
