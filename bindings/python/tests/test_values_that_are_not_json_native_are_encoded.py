import base64
import dataclasses
import datetime
import decimal
import enum
import ipaddress
import pathlib
import uuid
from collections import OrderedDict

import pydantic
from asynclog.pytest_plugin import Capture

import asynclog


class Color(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    LARGE = 3


@dataclasses.dataclass
class Point:
    x: int
    y: int
    when: datetime.date


class User(pydantic.BaseModel):
    id: int
    email: str
    created: datetime.datetime


def test_each_type_is_written_as_documented(asynclog_capture: Capture) -> None:
    when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=datetime.timezone.utc)
    uid = uuid.UUID("12345678-1234-5678-1234-567812345678")
    asynclog.get_logger().info(
        "typed",
        when=when,
        day=datetime.date(2024, 5, 6),
        clock=datetime.time(7, 8, 9),
        wait=datetime.timedelta(seconds=90, milliseconds=500),
        uid=uid,
        price=decimal.Decimal("19.990"),
        raw=b"\x00\x01binary",
        buf=bytearray(b"ab"),
        color=Color.RED,
        size=Size.LARGE,
        point=Point(1, 2, datetime.date(2024, 1, 1)),
        user=User(id=7, email="a@example.com", created=when),
        error=ValueError("bad"),
        tags={"b", "a", "c"},
        frozen=frozenset({3, 1}),
        pair=(1, "two"),
        path=pathlib.PurePosixPath("/tmp/x"),
        ip=ipaddress.ip_address("10.0.0.1"),
        ordered=OrderedDict([("k", 1)]),
        keys={1: "int key", Color.RED: "enum key"},
        obj=object.__new__(type("Opaque", (), {"__repr__": lambda self: "<opaque>"})),
    )
    r = asynclog_capture.one("typed")
    assert r["when"] == "2024-05-06T07:08:09.123000+00:00"
    assert r["day"] == "2024-05-06"
    assert r["clock"] == "07:08:09"
    assert r["wait"] == 90.5
    assert r["uid"] == str(uid)
    assert r["price"] == "19.990"
    assert base64.b64decode(r["raw"]) == b"\x00\x01binary"
    assert base64.b64decode(r["buf"]) == b"ab"
    assert r["color"] == "red" and r["size"] == 3
    assert r["point"] == {"x": 1, "y": 2, "when": "2024-01-01"}
    assert r["user"] == {"id": 7, "email": "a@example.com", "created": "2024-05-06T07:08:09.123000Z"}
    assert r["error"] == {"type": "ValueError", "message": "bad"}
    assert r["tags"] == ["a", "b", "c"] and r["frozen"] == [1, 3]
    assert r["pair"] == [1, "two"]
    assert r["path"] == "/tmp/x" and r["ip"] == "10.0.0.1"
    assert r["ordered"] == {"k": 1}
    assert r["keys"] == {"1": "int key", "red": "enum key"}
    assert r["obj"] == "<opaque>"


def test_a_set_of_unorderable_items_is_still_written(asynclog_capture: Capture) -> None:
    asynclog.get_logger().info("mixed", s={1, "a"})
    assert sorted(map(str, asynclog_capture.one("mixed")["s"])) == ["1", "a"]


def test_native_fields_need_no_conversion_and_others_do() -> None:
    from asynclog import _native

    native, out = _native.normalized({"a": 1, "b": [1, {"c": None}], "d": b"x"})
    assert native is True and out == {"a": 1, "b": [1, {"c": None}], "d": b"x"}
    native, out = _native.normalized({"a": datetime.date(2024, 1, 2)})
    assert native is False and out == {"a": "2024-01-02"}
