import asyncio

from asynclog.pytest_plugin import Capture

import asynclog

log = asynclog.get_logger("ctx")


def test_context_set_before_an_await_is_there_after_it(asynclog_capture: Capture) -> None:
    async def handler() -> None:
        asynclog.set_request_context(
            correlation_id="req-1", trace_id="t" * 32, span_id="s" * 16, user_id=7, tenant_id="acme"
        )
        await asyncio.sleep(0.001)
        log.info("after await")

    asyncio.run(handler())
    r = asynclog_capture.one("after await")
    assert (r["correlation_id"], r["trace_id"], r["span_id"]) == ("req-1", "t" * 32, "s" * 16)
    assert (r["user_id"], r["tenant_id"]) == (7, "acme")


def test_each_task_keeps_its_own_context_while_they_interleave(asynclog_capture: Capture) -> None:
    async def request(n: int) -> None:
        asynclog.bind_context(correlation_id=f"req-{n}")
        for step in range(3):
            await asyncio.sleep(0.001 * (n % 3))
            log.info("step", n=n, step=step)

    async def main() -> None:
        await asyncio.gather(*(request(n) for n in range(50)))

    asyncio.run(main())
    records = asynclog_capture.find("step")
    assert len(records) == 150
    assert all(r["correlation_id"] == f"req-{r['n']}" for r in records)


def test_a_task_created_inside_a_context_inherits_it_and_cannot_change_the_parent(
    asynclog_capture: Capture,
) -> None:
    async def child() -> None:
        log.info("child sees parent")
        asynclog.bind_context(child_only=True)
        log.info("child adds")

    async def main() -> None:
        with asynclog.context(correlation_id="parent"):
            await asyncio.create_task(child())
            log.info("parent after child")
        log.info("outside")

    asyncio.run(main())
    assert asynclog_capture.one("child sees parent")["correlation_id"] == "parent"
    assert asynclog_capture.one("child adds")["child_only"] is True
    after = asynclog_capture.one("parent after child")
    assert after["correlation_id"] == "parent" and "child_only" not in after
    assert "correlation_id" not in asynclog_capture.one("outside")


def test_inner_context_keys_win_and_reset_restores_the_outer(asynclog_capture: Capture) -> None:
    token = asynclog.bind_context(user_id=1, tenant_id="a")
    inner = asynclog.bind_context(user_id=2)
    assert asynclog.current_context() == {"user_id": 2, "tenant_id": "a"}
    log.info("inner")
    asynclog.reset_context(inner)
    log.info("outer")
    asynclog.reset_context(token)
    log.info("none")
    assert asynclog_capture.one("inner")["user_id"] == 2
    assert asynclog_capture.one("outer")["user_id"] == 1
    assert "user_id" not in asynclog_capture.one("none")
    assert asynclog.get_context_value("user_id", "absent") == "absent"


def test_call_fields_come_after_context_fields(asynclog_capture: Capture) -> None:
    with asynclog.context(correlation_id="c"):
        log.bind(bound=1).info("order", call=2)
    text = asynclog_capture.text()
    assert text.index('"correlation_id"') < text.index('"bound"') < text.index('"call"')
