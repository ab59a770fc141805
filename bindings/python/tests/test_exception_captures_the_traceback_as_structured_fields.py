from asynclog.pytest_plugin import Capture

import asynclog


def fail() -> None:
    raise ValueError("bad input")


def test_exception_logs_type_message_stack_and_frames(asynclog_capture: Capture) -> None:
    log = asynclog.get_logger("jobs")
    try:
        fail()
    except ValueError:
        log.exception("job failed", job_id=3)

    r = asynclog_capture.one("job failed")
    assert r["level"] == "ERROR" and r["job_id"] == 3
    exc = r["exception"]
    assert exc["type"] == "ValueError"
    assert exc["message"] == "bad input"
    assert "Traceback (most recent call last)" in exc["stack"]
    assert exc["frames"][-1]["function"] == "fail"
    assert exc["frames"][-1]["file"].endswith(__file__.rsplit("/", 1)[-1])
    assert isinstance(exc["frames"][-1]["line"], int)


def test_an_exception_can_be_passed_explicitly_and_causes_are_in_the_stack(
    asynclog_capture: Capture,
) -> None:
    try:
        try:
            fail()
        except ValueError as e:
            raise KeyError("lookup") from e
    except KeyError as outer:
        caught = outer
    asynclog.get_logger().exception("later", exc=caught)
    stack = asynclog_capture.one("later")["exception"]["stack"]
    assert "ValueError: bad input" in stack and "KeyError: 'lookup'" in stack


def test_exception_outside_an_except_block_logs_without_exception_field(
    asynclog_capture: Capture,
) -> None:
    asynclog.get_logger().exception("no exception here")
    assert "exception" not in asynclog_capture.one("no exception here")


class PaymentDeclined(Exception):
    pass


def test_exception_types_outside_builtins_carry_their_module(asynclog_capture: Capture) -> None:
    try:
        raise PaymentDeclined("card expired")
    except PaymentDeclined:
        asynclog.get_logger().exception("custom")
    exc = asynclog_capture.one("custom")["exception"]
    assert exc["type"] == f"{__name__}.PaymentDeclined"
    assert exc["message"] == "card expired"
