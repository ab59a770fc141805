"""Request ids and W3C trace context from request headers."""

from __future__ import annotations

import os
import random
import re

#: What a request id taken from a header may look like: printable,
#: without spaces or quotes, at most 128 characters. Anything else is
#: ignored and a fresh id generated, so a client cannot put arbitrary text
#: into the response header or the logs' correlation key.
_ID = re.compile(rb"[A-Za-z0-9._:/+=@\-]{1,128}")

_TRACEPARENT = re.compile(rb"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_ZERO_TRACE = b"0" * 32
_ZERO_SPAN = b"0" * 16


def valid_request_id(value: bytes) -> bool:
    """True when a header's value may be used as the request id."""
    return _ID.fullmatch(value) is not None


def parse_traceparent(value: bytes) -> tuple[str, str] | None:
    """The trace id and parent span id of a W3C ``traceparent`` header, or
    ``None`` when it is malformed, has version ``ff``, or an all-zero id."""
    m = _TRACEPARENT.fullmatch(value.strip())
    if m is None:
        return None
    version, trace_id, span_id, _flags = m.groups()
    if version == b"ff" or trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
        return None
    return trace_id.decode(), span_id.decode()


# Request ids need to be unique, not secret: a generator seeded from the
# OS, reseeded in every forked child so that workers forked from one
# parent (gunicorn, multiprocessing) never share a sequence. Drawing from
# it costs no system call, unlike os.urandom.
_rng = random.Random(os.urandom(32))


def _reseed() -> None:
    _rng.seed(os.urandom(32))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)

_bits = _rng.getrandbits


def new_request_id() -> str:
    """A fresh random request id: 32 lowercase hex digits."""
    return "%032x" % _bits(128)
