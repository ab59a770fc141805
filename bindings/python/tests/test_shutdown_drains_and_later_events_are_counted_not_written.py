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

    # A handle keeps working after shutdown: it moves to a fresh root.
    _native.install(previous)
    # The old root itself refuses events and counts them.
    metrics = json.loads(root.metrics_json())
    assert metrics["sinks"][0]["written"] == 1000
    assert root.shutdown(1) == 0


def test_metrics_include_the_binding_counters() -> None:
    m = asynclog.metrics()
    assert set(m["binding"]) == {"recursive", "unencodable"}
