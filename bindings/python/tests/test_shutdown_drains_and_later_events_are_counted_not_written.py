import json
from pathlib import Path

import asynclog
from asynclog import _native


def test_shutdown_writes_everything_then_counts_later_events_as_closed(tmp_path: Path) -> None:
    path = tmp_path / "out.ndjson"
    previous = _native.peek()
    asynclog.configure({"sinks": [{"type": "file", "path": str(path)}]})
    log = asynclog.get_logger()
    for i in range(1000):
        log.info("before", i=i)
    root = _native.current()
    assert asynclog.shutdown(10) == 0
    assert len(path.read_text().splitlines()) == 1000
    assert _native.peek() is None

    # Put back as the current root, a stopped logger refuses events and
    # counts them as closed rather than writing them.
    _native.install(root)
    try:
        log.info("after shutdown")
        metrics = json.loads(root.metrics_json())
        assert metrics["dropped"]["closed"] == 1
        assert metrics["sinks"][0]["written"] == 1000
        assert len(path.read_text().splitlines()) == 1000
    finally:
        _native.install(previous)


def test_metrics_include_the_binding_counters() -> None:
    m = asynclog.metrics()
    assert set(m["binding"]) == {"recursive", "unencodable"}
