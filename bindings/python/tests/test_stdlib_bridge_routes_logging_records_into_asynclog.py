import logging
from collections.abc import Iterator

import pytest
from asynclog.pytest_plugin import Capture

import asynclog
from asynclog.stdlib import AsynclogHandler, uninstall_stdlib_bridge


@pytest.fixture
def bridge() -> Iterator[AsynclogHandler]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    handler = asynclog.install_stdlib_bridge(logging.DEBUG)
    yield handler
    uninstall_stdlib_bridge()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_a_record_keeps_its_message_logger_name_level_and_extra(
    bridge: AsynclogHandler, asynclog_capture: Capture
) -> None:
    logging.getLogger("payments.api").warning(
        "charge %s failed", "ch_1", extra={"order_id": 42, "amount": 9.5}
    )
    r = asynclog_capture.one("charge ch_1 failed")
    assert r["logger"] == "payments.api"
    assert r["level"] == "WARN"
    assert r["order_id"] == 42 and r["amount"] == 9.5
    assert "args" not in r and "levelno" not in r


def test_exc_info_becomes_the_exception_field(
    bridge: AsynclogHandler, asynclog_capture: Capture
) -> None:
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger("lib").exception("lookup failed")
    exc = asynclog_capture.one("lookup failed")["exception"]
    assert exc["type"] == "KeyError" and "Traceback" in exc["stack"]


def test_stdlib_levels_map_onto_asynclog_levels(
    bridge: AsynclogHandler, asynclog_capture: Capture
) -> None:
    lg = logging.getLogger("levels")
    for levelno in (5, logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL):
        lg.log(levelno, "at %d", levelno)
    assert [r["level"] for r in asynclog_capture.records()] == [
        "DEBUG", "INFO", "WARN", "ERROR", "FATAL",
    ]  # level 5 is below the bridge's DEBUG


def test_records_carry_the_callers_context(
    bridge: AsynclogHandler, asynclog_capture: Capture
) -> None:
    with asynclog.context(correlation_id="from-context"):
        logging.getLogger("lib").info("inside")
    assert asynclog_capture.one("inside")["correlation_id"] == "from-context"


def test_uvicorn_loggers_are_taken_over(asynclog_capture: Capture) -> None:
    err = logging.getLogger("uvicorn.error")
    own = logging.StreamHandler()
    err.addHandler(own)
    err.propagate = False
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        asynclog.install_stdlib_bridge(uvicorn_access=False)
        assert own not in err.handlers and err.propagate
        err.info("Started server process")
        logging.getLogger("uvicorn.access").info("GET / 200")
        records = asynclog_capture.records()
        assert [(r["logger"], r["msg"]) for r in records] == [
            ("uvicorn.error", "Started server process")
        ]
    finally:
        uninstall_stdlib_bridge()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        access = logging.getLogger("uvicorn.access")
        access.disabled = False
        access.propagate = True


def test_source_location_is_added_on_request(asynclog_capture: Capture) -> None:
    handler = AsynclogHandler(source=True)
    lg = logging.getLogger("with.source")
    lg.addHandler(handler)
    lg.propagate = False
    lg.setLevel(logging.INFO)
    try:
        lg.info("where")
    finally:
        lg.removeHandler(handler)
    source = asynclog_capture.one("where")["source"]
    assert source["function"] == "test_source_location_is_added_on_request"
    assert source["file"] == __file__
