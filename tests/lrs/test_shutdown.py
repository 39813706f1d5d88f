"""A write that has started finishes even if its request is cancelled; the drain waits for both."""

from __future__ import annotations

import asyncio

import pytest

from lrs.app import create_app
from lrs.embedded import free_port
from lrs.keys import stop_key
from lrs.runner import serve_until_stopped
from lrs.shutdown import Drain, StopRequest


async def test_a_cancelled_caller_does_not_cancel_its_write():
    drain = Drain()
    steps: list[str] = []

    async def write():
        steps.append("first")
        await asyncio.sleep(0.05)
        steps.append("second")
        return "done"

    caller = asyncio.ensure_future(drain.run_write(write()))
    await asyncio.sleep(0.01)
    caller.cancel()
    await asyncio.gather(caller, return_exceptions=True)
    assert caller.cancelled()
    assert drain.writes == 1
    await drain.wait_for_writes(timeout=5)
    assert steps == ["first", "second"] and drain.writes == 0


async def test_the_write_result_and_errors_reach_the_caller():
    drain = Drain()

    async def fails():
        raise ValueError("rejected")

    async def succeeds():
        return 7

    assert await drain.run_write(succeeds()) == 7
    with pytest.raises(ValueError, match="^rejected$"):
        await drain.run_write(fails())
    assert drain.writes == 0


async def test_waiting_for_requests_ends_when_the_last_one_finishes():
    drain = Drain()
    assert await drain.wait_for_requests(timeout=0.01)  # nothing in flight

    async def request(seconds: float):
        with drain.request():
            await asyncio.sleep(seconds)

    running = [asyncio.ensure_future(request(0.05)), asyncio.ensure_future(request(0.1))]
    await asyncio.sleep(0)
    assert drain.requests == 2
    assert await drain.wait_for_requests(timeout=5)
    assert drain.requests == 0
    await asyncio.gather(*running)


async def test_waiting_for_requests_gives_up_after_the_timeout():
    drain = Drain()
    release = asyncio.Event()

    async def stuck():
        with drain.request():
            await release.wait()

    task = asyncio.ensure_future(stuck())
    await asyncio.sleep(0)
    assert not await drain.wait_for_requests(timeout=0.05)
    release.set()
    await task


async def test_serve_returns_the_exit_code_the_app_asks_to_stop_with(settings):
    # What the embedded database's keeper does when it gives up (lrs.embedded_recovery).
    app = create_app(settings)
    ready = asyncio.Event()
    serving = asyncio.create_task(serve_until_stopped(app, "127.0.0.1", free_port(), 1, ready.set))
    await asyncio.wait_for(ready.wait(), 60)
    app[stop_key].request(3, "the embedded database could not be kept running")
    assert await asyncio.wait_for(serving, 60) == 3


async def test_a_stop_request_keeps_its_first_exit_code():
    stop = StopRequest()
    stop.request(3, "gave up")
    stop.request()  # a SIGTERM arriving afterwards
    assert stop.requested and (stop.exit_code, stop.reason) == (3, "gave up")
