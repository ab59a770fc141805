"""How values that are not JSON-native become fields.

The native writer handles ``str``, ``int``, ``float``, ``bool``, ``None``,
``bytes`` and ``dict``/``list``/``tuple`` of those itself. For any other
value it calls :func:`fallback`, which returns a simpler value; the writer
then converts that in turn, so nested dataclasses, models and containers
are handled one level at a time, and a structure that contains itself is
caught and replaced with ``"[recursive]"``.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import ipaddress
import pathlib
import traceback
import uuid
from collections.abc import Mapping
from typing import Any


def fallback(value: Any) -> Any:
    """One step towards a JSON-native value.

    - ``datetime``, ``date``, ``time``: ISO 8601 text (``isoformat()``).
    - ``timedelta``: seconds, as a float.
    - ``UUID``, ``Decimal`` (exact), paths, IP addresses: their text.
    - ``Enum``: its value.
    - ``bytearray`` and ``memoryview``: bytes (written as base64).
    - ``set`` and ``frozenset``: a list, sorted when the items allow it.
    - dataclass instances: a dict of their fields.
    - pydantic models: ``model_dump(mode="json")``.
    - exceptions: ``{"type", "message"}``.
    - other mappings: a dict; subclasses of ``str``, ``int``, ``float``:
      the base value.
    - anything else: its ``repr()``.
    """
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (uuid.UUID, decimal.Decimal, pathlib.PurePath)):
        return str(value)
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(value)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(value)
        except TypeError:
            return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        return dump(mode="json")
    if isinstance(value, BaseException):
        return {"type": type(value).__qualname__, "message": str(value)}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (list, tuple)):
        return list(value)
    return repr(value)


def exception_fields(exc: BaseException | None) -> dict[str, Any]:
    """The ``exception`` field for ``Logger.exception``: the exception
    given, or the one being handled; an empty dict when there is none.

    ``type`` is the qualified class name (with its module unless it is a
    builtin), ``message`` its text, ``stack`` the whole formatted traceback
    including causes, and ``frames`` the innermost traceback as
    ``{"file", "line", "function"}`` entries, outermost first.
    """
    if exc is None:
        import sys

        exc = sys.exception() if hasattr(sys, "exception") else sys.exc_info()[1]
        if exc is None:
            return {}
    return {"exception": describe(exc)}


def describe(exc: BaseException) -> dict[str, Any]:
    """An exception as structured fields (see :func:`exception_fields`)."""
    cls = type(exc)
    name = cls.__qualname__
    if cls.__module__ not in ("builtins", "__main__"):
        name = f"{cls.__module__}.{name}"
    frames = [
        {"file": f.filename, "line": f.lineno, "function": f.name}
        for f in traceback.extract_tb(exc.__traceback__)
    ]
    stack = "".join(traceback.format_exception(cls, exc, exc.__traceback__))
    return {"type": name, "message": str(exc), "stack": stack, "frames": frames}
