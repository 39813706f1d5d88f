"""A real webhook receiver (an aiohttp server on a port of its own that can stop and start again),
and settings that retry failed deliveries quickly."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from datetime import UTC, datetime

import pytest
from aiohttp import web

from lrs.embedded import free_port
from lrs.forwarding.delivery import SIGNATURE_HEADER, verify_signature


class WebhookReceiver:
    def __init__(self, status: int = 204) -> None:
        self.port = free_port()
        self.status = status
        self.deliveries: list[tuple[dict, bytes]] = []
        self.runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()
            self.runner = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.deliveries.append((dict(request.headers), body))
        return web.Response(status=self.status)

    def batches(self) -> list[list[str]]:
        return [[s["id"] for s in json.loads(body)["statements"]] for _, body in self.deliveries]

    def ids(self) -> list[str]:
        """Delivered ids in order of first arrival (a repeated delivery is allowed: at least once)."""
        return list(dict.fromkeys(i for batch in self.batches() for i in batch))

    def all_signed_with(self, secret: str) -> bool:
        return all(verify_signature(secret, headers[SIGNATURE_HEADER], body) for headers, body in self.deliveries)


@pytest.fixture
async def receiver():
    hook = WebhookReceiver()
    await hook.start()
    yield hook
    await hook.stop()


@pytest.fixture
async def settings(settings):
    """Retries within a second, so a receiver that comes back is reached quickly."""
    return dataclasses.replace(settings, forward_max_backoff=0.5, forward_pause_after=1000, forward_timeout=5)


async def eventually(check, timeout: float = 30.0, interval: float = 0.1):
    """Poll `check` (sync or async) until it returns a true value; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


async def until_started(forward: dict) -> None:
    """A forward takes the statements stored from its `since` on."""
    since = datetime.fromisoformat(forward["since"].replace("Z", "+00:00"))
    await asyncio.sleep(max(0.0, (since - datetime.now(UTC)).total_seconds()) + 0.05)
