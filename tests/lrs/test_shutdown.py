"""A write that has started finishes even if its request is cancelled, and shutdown waits for it."""

from __future__ import annotations

import asyncio

from lrs.shutdown import WriteGuard


async def test_a_cancelled_caller_does_not_cancel_its_write():
    guard = WriteGuard()
    steps: list[str] = []

    async def write():
        steps.append("first")
        await asyncio.sleep(0.05)
        steps.append("second")
        return "done"

    caller = asyncio.ensure_future(guard.run(write()))
    await asyncio.sleep(0.01)
    caller.cancel()
    await asyncio.gather(caller, return_exceptions=True)
    assert caller.cancelled()
    assert guard.running == 1
    await guard.wait(timeout=5)
    assert steps == ["first", "second"] and guard.running == 0


async def test_the_write_result_and_errors_reach_the_caller():
    guard = WriteGuard()

    async def fails():
        raise ValueError("rejected")

    async def succeeds():
        return 7

    assert await guard.run(succeeds()) == 7
    try:
        await guard.run(fails())
    except ValueError as error:
        assert str(error) == "rejected"
    else:
        raise AssertionError("the error was swallowed")
    assert guard.running == 0
