from asynclog.pytest_plugin import Capture

import asynclog


def test_each_level_method_writes_its_level_message_and_fields(asynclog_capture: Capture) -> None:
    log = asynclog.get_logger("api")
    log.trace("t")
    log.debug("d")
    log.info("request handled", user_id=7, path="/api/v1/items", latency_ms=12.5)
    log.warning("w")
    log.warn("w2")
    log.error("e", ok=False, none=None)
    log.critical("c")
    log.fatal("f")
    log.audit("a", actor="alice")
    log.security("s")
    log.log(int(asynclog.Level.INFO), "by number", n=1)

    records = asynclog_capture.records()
    assert [(r["level"], r["msg"]) for r in records] == [
        ("TRACE", "t"),
        ("DEBUG", "d"),
        ("INFO", "request handled"),
        ("WARN", "w"),
        ("WARN", "w2"),
        ("ERROR", "e"),
        ("FATAL", "c"),
        ("FATAL", "f"),
        ("AUDIT", "a"),
        ("SECURITY", "s"),
        ("INFO", "by number"),
    ]
    handled = records[2]
    assert handled["logger"] == "api"
    assert handled["user_id"] == 7
    assert handled["path"] == "/api/v1/items"
    assert handled["latency_ms"] == 12.5
    assert records[5]["ok"] is False and records[5]["none"] is None
    assert records[8]["actor"] == "alice"


def test_fields_keep_the_order_they_were_given_in(asynclog_capture: Capture) -> None:
    asynclog.get_logger("api").info("ordered", z=1, a=2, m=3)
    line = asynclog_capture.text()
    assert line.index('"z":1') < line.index('"a":2') < line.index('"m":3')


def test_a_message_that_is_not_a_string_is_logged_as_its_text(asynclog_capture: Capture) -> None:
    asynclog.get_logger().info(12345)  # type: ignore[arg-type]
    assert asynclog_capture.messages() == ["12345"]


def test_the_message_is_positional_only_and_fields_are_keywords(asynclog_capture: Capture) -> None:
    log = asynclog.get_logger()
    try:
        log.info("one", "two")  # type: ignore[call-arg]
    except TypeError as e:
        assert "positional" in str(e)
    else:
        raise AssertionError("a second positional argument was accepted")
    log.info("m", message="a field called message")
    assert asynclog_capture.one("m")["message"] == "a field called message"


def test_nested_dicts_lists_and_tuples_keep_their_shape(asynclog_capture: Capture) -> None:
    asynclog.get_logger().info(
        "nested", user={"id": 7, "roles": ["admin", "dev"]}, point=(1, 2.5), empty={}
    )
    r = asynclog_capture.one("nested")
    assert r["user"] == {"id": 7, "roles": ["admin", "dev"]}
    assert r["point"] == [1, 2.5]
    assert r["empty"] == {}


def test_integers_beyond_64_bits_are_written_as_their_decimal_text(asynclog_capture: Capture) -> None:
    asynclog.get_logger().info("ints", big=2**64 + 1, u=2**64 - 1, neg=-(2**63))
    r = asynclog_capture.one("ints")
    assert r["big"] == str(2**64 + 1)
    assert r["u"] == 2**64 - 1
    assert r["neg"] == -(2**63)
