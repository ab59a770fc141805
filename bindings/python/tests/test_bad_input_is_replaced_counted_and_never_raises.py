import json
from collections.abc import Iterator
from typing import Any

import pytest
from asynclog.pytest_plugin import Capture

import asynclog
from asynclog import _native


def counters() -> dict[str, int]:
    return _native.binding_counters()


def test_a_list_inside_itself_becomes_a_marker_and_is_counted(asynclog_capture: Capture) -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    d: dict[str, Any] = {"name": "d"}
    d["self"] = d
    before = counters()["recursive"]
    asynclog.get_logger().info("recursive", loop=loop, d=d)
    r = asynclog_capture.one("recursive")
    assert r["loop"] == [1, _native.RECURSIVE_MARKER]
    assert r["d"] == {"name": "d", "self": _native.RECURSIVE_MARKER}
    assert counters()["recursive"] == before + 2


def test_a_dataclass_that_refers_to_itself_is_caught(asynclog_capture: Capture) -> None:
    import dataclasses

    @dataclasses.dataclass
    class Node:
        name: str
        next: Any = None

    a = Node("a")
    a.next = Node("b", a)
    asynclog.get_logger().info("cycle", node=a)
    r = asynclog_capture.one("cycle")
    assert r["node"]["name"] == "a"
    assert r["node"]["next"]["next"] == _native.RECURSIVE_MARKER


def test_the_same_object_twice_side_by_side_is_not_recursion(asynclog_capture: Capture) -> None:
    shared = {"k": 1}
    asynclog.get_logger().info("shared", a=[shared, shared], b=shared)
    r = asynclog_capture.one("shared")
    assert r["a"] == [{"k": 1}, {"k": 1}] and r["b"] == {"k": 1}


def test_a_value_whose_conversion_raises_becomes_a_marker(asynclog_capture: Capture) -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no repr for you")

    before = counters()["unencodable"]
    asynclog.get_logger().info("hostile", h=Hostile(), ok=1)
    r = asynclog_capture.one("hostile")
    assert r["h"] == "[unencodable: test_a_value_whose_conversion_raises_becomes_a_marker.<locals>.Hostile]"
    assert r["ok"] == 1
    assert counters()["unencodable"] == before + 1


def test_a_message_whose_str_raises_is_logged_with_a_marker(asynclog_capture: Capture) -> None:
    class BadStr:
        def __str__(self) -> str:
            raise RuntimeError("x")

    asynclog.get_logger().info(BadStr())  # type: ignore[arg-type]
    assert asynclog_capture.messages()[0].startswith("[unencodable: ")


def test_deep_nesting_is_cut_at_the_depth_limit(asynclog_capture: Capture) -> None:
    deep: Any = "bottom"
    for _ in range(200):
        deep = [deep]
    asynclog.get_logger().info("deep", v=deep)
    text = asynclog_capture.text()
    assert _native.DEPTH_MARKER in text
    assert "bottom" not in text


def test_a_huge_string_is_truncated_with_a_marker(asynclog_capture: Capture) -> None:
    huge = "x" * 5_000_000
    asynclog.get_logger().info(huge, field=huge)
    r = asynclog_capture.records()[0]
    assert r["msg"].endswith(_native.TRUNCATION_MARKER)
    assert r["field"].endswith(_native.TRUNCATION_MARKER)
    assert len(r["field"]) <= 65536
    assert asynclog_capture.metrics()["truncated"] == 1


def test_lone_surrogates_are_replaced_and_counted(asynclog_capture: Capture) -> None:
    bad = "before\udc80after"
    asynclog.get_logger().info(bad, **{"key\ud800": bad})
    text = asynclog_capture.text()
    record = json.loads(text)
    assert record["msg"].startswith("before") and record["msg"].endswith("after")
    assert "\ufffd" in record["msg"]
    assert any(k.startswith("key") and "\ufffd" in k for k in record)
    assert asynclog_capture.metrics()["invalid_utf8"] == 1
    assert _native.text_bytes("ok") == b"ok"


def test_control_characters_and_quotes_are_escaped(asynclog_capture: Capture) -> None:
    asynclog.get_logger().info('line\nbreak "quoted"', tab="a\tb\x00")
    r = json.loads(asynclog_capture.text())
    assert r["msg"] == 'line\nbreak "quoted"' and r["tab"] == "a\tb\x00"


@pytest.fixture
def small_limits() -> Iterator[_native.Root]:
    config = {"limits": {"max_fields": 5}, "sinks": [{"type": "capture", "name": "m"}]}
    root = _native.Root.build(text=json.dumps(config))
    previous = _native.install(root)
    yield root
    _native.install(previous)
    root.shutdown(5)


def test_fields_past_the_limit_are_left_out_and_counted(small_limits: _native.Root) -> None:
    asynclog.get_logger().info("many", **{f"f{i}": i for i in range(20)})
    small_limits.flush(5)
    r = json.loads(small_limits.capture_text("m") or "")
    assert r["asynclog.dropped_fields"] == 15
    assert [k for k in r if k.startswith("f")] == ["f0", "f1", "f2", "f3", "f4"]
