"""A first program: configure, log with fields, bind, context, exceptions.

    python examples/basic.py
"""

from __future__ import annotations

import asynclog

asynclog.configure({"level": "debug", "sinks": [{"type": "stdout"}]})

log = asynclog.get_logger("example")


def main() -> None:
    log.info("request handled", user_id=7, path="/api/v1/items", latency_ms=12.5)

    billing = log.bind(component="billing")
    with asynclog.context(correlation_id="req-42", tenant_id="acme"):
        billing.debug("charging", amount_cents=1999)
        try:
            raise TimeoutError("payment provider timed out")
        except TimeoutError:
            billing.exception("charge failed", retry=True)

    pending = asynclog.flush(timeout=5.0)
    assert pending == 0


if __name__ == "__main__":
    main()
