"""The request/response log: one record per request."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

#: Header names whose values are never logged, whatever the allowlist.
ALWAYS_REDACTED = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-auth-token",
        "x-access-token",
        "x-refresh-token",
        "x-csrf-token",
        "x-xsrf-token",
        "x-amz-security-token",
    }
)

REDACTED = "[REDACTED]"


class AccessLog:
    """What the middleware logs about each request, and when.

    One record per request, logged when the last body message of the
    response is handed to the server (or when the request fails), through
    the logger named ``logger_name``, with the message ``message`` and the
    fields ``method``, ``path``, ``route`` (the matched route's template,
    such as ``/items/{item_id}``, or ``None``), ``status``, ``duration_ms``
    (from the start of the request until that last body message),
    ``client_ip``, ``client_port``, ``user_agent``, ``request_bytes``,
    ``response_bytes``, ``http_version``, and, when asked for, ``query``,
    ``headers`` and ``response_headers``. The correlation id, trace and
    span ids come from the context, as for every record of the request. A
    request that fails after its response started also gets ``error``, the
    exception's type name.

    The middleware reads these settings once, when it is built, and writes
    the record in native code; a subclass may override :meth:`skips` and
    :meth:`sampled_out`, which it calls (``sampled_out`` only when
    ``sample_rate`` is below 1).

    - ``level``: INFO below 400, WARN for 4xx, ERROR for 5xx.
    - ``query_string``: log the raw query string as ``query``. Default off:
      query strings often carry tokens.
    - ``headers``: request header names to log (any case), as the
      ``headers`` object. Default none. Names in :data:`ALWAYS_REDACTED`
      (``authorization``, ``cookie``, ``set-cookie``, ``x-api-key``...)
      and in ``redact`` are logged as ``"[REDACTED]"`` even when listed.
    - ``response_headers``: the same for response headers.
    - ``skip_paths``: path prefixes not logged (``"/health"`` skips
      ``/health`` and ``/healthz``); ``skip_patterns``: regular expressions
      matched against the whole path. Skipped requests still get their
      request id and context. Default none.
    - ``sample_rate``: the fraction of requests below ``always_log_status``
      that are logged, from 0 to 1. Default 1. Responses at or above
      ``always_log_status`` (default 400) and failed requests are always
      logged. Records left out are counted as filtered in
      ``asynclog.metrics()``.
    """

    def __init__(
        self,
        *,
        logger_name: str = "asynclog.access",
        message: str = "request handled",
        query_string: bool = False,
        headers: Iterable[str] = (),
        response_headers: Iterable[str] = (),
        redact: Iterable[str] = (),
        skip_paths: Iterable[str] = (),
        skip_patterns: Iterable[str | re.Pattern[str]] = (),
        sample_rate: float = 1.0,
        always_log_status: int = 400,
    ) -> None:
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError(f"sample_rate must be between 0 and 1, got {sample_rate}")
        self.logger_name = logger_name
        self.message = message
        self.query_string = query_string
        self.redacted = ALWAYS_REDACTED | {h.lower() for h in redact}
        self.headers = {h.lower().encode("latin-1") for h in headers}
        self.response_headers = {h.lower().encode("latin-1") for h in response_headers}
        self.skip_prefixes = tuple(skip_paths)
        self.skip_patterns = tuple(re.compile(p) for p in skip_patterns)
        self.sample_rate = sample_rate
        self.always_log_status = always_log_status

    def skips(self, path: str) -> bool:
        """True when requests to ``path`` are not logged."""
        if self.skip_prefixes and path.startswith(self.skip_prefixes):
            return True
        return any(p.fullmatch(path) for p in self.skip_patterns)

    def sampled_out(self, status: int) -> bool:
        """True when a response with ``status`` is left out by sampling."""
        if status >= self.always_log_status or self.sample_rate >= 1.0:
            return False
        return random.random() >= self.sample_rate
