"""A pytest plugin: the ``asynclog_capture`` fixture.

Registered through the ``pytest11`` entry point, so installing the package
is enough. The fixture swaps in a logger whose only sink is the core's
in-memory capture sink, at level TRACE, under every logger handle (those
created at import time included), and restores the previous logger after
the test::

    def test_logs_the_order(asynclog_capture):
        place_order(7)
        assert asynclog_capture.find(message="order placed", order_id=7)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from . import _native

SINK = "asynclog-capture"


class Capture:
    """The records logged during a test, as parsed JSON objects."""

    def __init__(self, root: _native.Root) -> None:
        self._root = root

    def flush(self, timeout: float = 5.0) -> None:
        """Waits until everything logged so far has reached the capture."""
        pending = self._root.flush(timeout)
        if pending:
            raise AssertionError(f"{pending} records were not written within {timeout}s")

    def text(self) -> str:
        """Everything captured, as NDJSON text (after a flush)."""
        self.flush()
        return self._root.capture_text(SINK) or ""

    def records(self) -> list[dict[str, Any]]:
        """Every record captured so far, oldest first (after a flush)."""
        return [json.loads(line) for line in self.text().splitlines() if line]

    def messages(self) -> list[str]:
        """The ``msg`` of every record."""
        return [r.get("msg", "") for r in self.records()]

    def find(self, message: str | None = None, **fields: Any) -> list[dict[str, Any]]:
        """The records with this message (when given) whose fields equal
        ``fields``. ``level`` and ``logger`` match those keys too."""
        return [r for r in self.records() if _matches(r, message, fields)]

    def one(self, message: str | None = None, **fields: Any) -> dict[str, Any]:
        """The single record that :meth:`find` finds; fails the test,
        showing what was captured, when there are none or several."""
        found = self.find(message, **fields)
        if len(found) != 1:
            shown = "\n".join(json.dumps(r) for r in self.records()) or "(nothing captured)"
            raise AssertionError(
                f"expected one record matching message={message!r} {fields}, "
                f"found {len(found)}; captured:\n{shown}"
            )
        return found[0]

    def wait_for(
        self,
        predicate: Callable[[list[dict[str, Any]]], bool],
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Polls until ``predicate(records)`` holds, for records logged
        from elsewhere (threads, background tasks, a server); returns the
        records, or fails after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.records()
            if predicate(records):
                return records
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s; got {records}")
            time.sleep(0.01)

    def clear(self) -> None:
        """Forgets everything captured so far."""
        self.flush()
        self._root.capture_clear(SINK)

    def metrics(self) -> dict[str, Any]:
        """The capture logger's counters."""
        out: dict[str, Any] = json.loads(self._root.metrics_json())
        return out


def _matches(record: dict[str, Any], message: str | None, fields: dict[str, Any]) -> bool:
    if message is not None and record.get("msg") != message:
        return False
    return all(k in record and record[k] == v for k, v in fields.items())


@pytest.fixture
def asynclog_capture() -> Iterator[Capture]:
    """Captures every record logged during the test in memory."""
    config = {"level": "trace", "sinks": [{"type": "capture", "name": SINK}]}
    root = _native.Root.build(text=json.dumps(config))
    previous = _native.install(root)
    try:
        yield Capture(root)
    finally:
        _native.install(previous)
        root.shutdown(5.0)
