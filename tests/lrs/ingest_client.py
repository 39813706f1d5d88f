"""A client that posts statements without pause and remembers exactly what was acknowledged, for
tests that kill processes under it: an id counts as acknowledged only once its POST answered 200."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import aiohttp

from tests.conftest import make_statement
from tests.lrs.serve_process import ADMIN, basic_auth

HEADERS = {"X-Experience-API-Version": "1.0.3", "Authorization": basic_auth(*ADMIN)}
# Bounds every request: one that takes longer counts as "hanging".
REQUEST_SECONDS = 60


class Ingest:
    def __init__(self, url: str, clients: int = 3, batch: int = 20) -> None:
        self.url, self.clients, self.batch = url, clients, batch
        self.acknowledged: list[str] = []
        self.outcomes: Counter[str] = Counter()  # "200", "503", "ClientConnectorError", "hanging", ...
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    def start(self) -> Ingest:
        self._tasks = [asyncio.create_task(self._post_forever()) for _ in range(self.clients)]
        return self

    async def wait_for_acknowledged(self, count: int, timeout: float = 120) -> None:
        for _ in range(int(timeout / 0.05)):
            if len(self.acknowledged) >= count:
                return
            if any(task.done() for task in self._tasks):
                await asyncio.gather(*self._tasks)  # raises what stopped a client
            await asyncio.sleep(0.05)
        raise AssertionError(f"only {len(self.acknowledged)} statements acknowledged; outcomes {dict(self.outcomes)}")

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _post_forever(self) -> None:
        timeout = aiohttp.ClientTimeout(total=REQUEST_SECONDS)
        async with aiohttp.ClientSession(headers=HEADERS, timeout=timeout) as http:
            while not self._stop.is_set():
                batch = [make_statement(id=str(uuid.uuid4())) for _ in range(self.batch)]
                try:
                    async with http.post(f"{self.url}/xapi/statements", json=batch) as response:
                        body = await response.json() if response.status == 200 else None
                        self.outcomes[str(response.status)] += 1
                except TimeoutError:
                    self.outcomes["hanging"] += 1
                    continue
                except aiohttp.ClientError as error:  # the server went away mid-request: not acknowledged
                    self.outcomes[error.__class__.__name__] += 1
                    await asyncio.sleep(0.05)
                    continue
                if body is not None:
                    assert sorted(body) == sorted(s["id"] for s in batch)
                    self.acknowledged += body
                else:
                    await asyncio.sleep(0.05)

    @property
    def summary(self) -> str:
        return f"acknowledged={len(self.acknowledged)} outcomes={dict(sorted(self.outcomes.items()))}"
