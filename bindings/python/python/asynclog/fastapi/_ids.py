"""Request ids and W3C trace context from request headers.

The rules live in the native module, which the middleware uses on every
request:

- :func:`valid_request_id`: what a request id taken from a header may look
  like: 1 to 128 characters of ``A-Za-z0-9._:/+=@-``, so without spaces or
  quotes. Anything else is ignored and a fresh id generated, so a client
  cannot put arbitrary text into the response header or the logs'
  correlation key.
- :func:`parse_traceparent`: the trace id and parent span id of a W3C
  ``traceparent`` (``VV-TRACE-SPAN-FF`` in lowercase hex, surrounding
  whitespace ignored), or ``None`` when it is malformed, has version
  ``ff``, or an all-zero id.
- :func:`new_request_id`: 32 lowercase hex digits.
"""

from __future__ import annotations

import os

from .. import _native

valid_request_id = _native.valid_request_id
parse_traceparent = _native.parse_traceparent
new_request_id = _native.new_request_id


# Request ids need to be unique, not secret: a generator seeded from the
# OS, reseeded in every forked child so that workers forked from one
# parent (gunicorn, multiprocessing) never share a sequence. Drawing from
# it costs no system call, unlike os.urandom.
def _reseed() -> None:
    _native.seed_request_ids(os.urandom(16))


_reseed()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reseed)
