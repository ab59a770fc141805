import asyncio
import concurrent.futures
import threading

from asynclog.pytest_plugin import Capture

import asynclog

log = asynclog.get_logger("ctx")


def work(label: str) -> str:
    log.info("in worker", label=label)
    return threading.current_thread().name


def test_run_in_executor_helper_carries_the_context(asynclog_capture: Capture) -> None:
    async def main() -> None:
        asynclog.bind_context(correlation_id="exec-1")
        loop = asyncio.get_running_loop()
        await asynclog.run_in_executor(None, work, "helper")
        # The plain loop method does not copy the context; the helper does.
        await loop.run_in_executor(None, work, "plain")
        await asyncio.to_thread(work, "to_thread")

    asyncio.run(main())
    assert asynclog_capture.one(label="helper")["correlation_id"] == "exec-1"
    assert "correlation_id" not in asynclog_capture.one(label="plain")
    assert asynclog_capture.one(label="to_thread")["correlation_id"] == "exec-1"


def test_submit_and_wrap_carry_the_context_into_a_thread_pool(asynclog_capture: Capture) -> None:
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        with asynclog.context(correlation_id="pool"):
            futures = [asynclog.submit(pool, work, f"submit-{i}") for i in range(20)]
            wrapped = asynclog.wrap(work)
        concurrent.futures.wait(futures)
        # Called later, outside the block, on a pool thread: still the
        # context of where it was wrapped.
        pool.submit(wrapped, "wrapped").result()
        pool.submit(work, "bare").result()
    records = asynclog_capture.records()
    assert all(r["correlation_id"] == "pool" for r in records if r["label"] != "bare")
    assert "correlation_id" not in asynclog_capture.one(label="bare")
    assert len(records) == 22


def test_a_wrapped_function_may_run_on_many_threads_at_once(asynclog_capture: Capture) -> None:
    barrier = threading.Barrier(8)

    def together(i: int) -> None:
        barrier.wait(5)
        log.info("together", i=i)

    with asynclog.context(correlation_id="shared"):
        wrapped = asynclog.wrap(together)
    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = asynclog_capture.find("together")
    assert len(records) == 8 and all(r["correlation_id"] == "shared" for r in records)


def test_context_thread_pool_executor_copies_context_per_submit(asynclog_capture: Capture) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        pool = asynclog.ContextThreadPoolExecutor(2)
        loop.set_default_executor(pool)
        for n in range(10):
            with asynclog.context(correlation_id=f"r{n}"):
                await loop.run_in_executor(None, work, f"n{n}")
        pool.shutdown()

    asyncio.run(main())
    for n in range(10):
        assert asynclog_capture.one(label=f"n{n}")["correlation_id"] == f"r{n}"


def test_threads_do_not_see_each_others_context(asynclog_capture: Capture) -> None:
    def thread_body(n: int) -> None:
        asynclog.bind_context(correlation_id=f"t{n}")
        for step in range(100):
            log.info("thread step", n=n, step=step)

    threads = [threading.Thread(target=thread_body, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = asynclog_capture.find("thread step")
    assert len(records) == 800
    assert all(r["correlation_id"] == f"t{r['n']}" for r in records)
