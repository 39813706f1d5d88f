"""kill -9 in the middle of an ingest, on the embedded database: of the server, then of the
database. Every statement the LRS acknowledged must be there afterwards; the server must start
again on the same folder, restart a database that died, and leave no orphan and no zombie.
Each test prints its figures (run with -s to see them)."""

from __future__ import annotations

import asyncio
import os
import signal

import aiohttp
from pymongo import AsyncMongoClient

from tests.lrs.ingest_client import Ingest
from tests.lrs.processes import children, embedded_database_pid, state, wait_until_gone
from tests.lrs.serve_process import ADMIN, DATABASE, ServeProcess, server_env

# Enough acknowledged batches before the kill that writes are in full flow.
BEFORE_KILL = 300


def embedded_env(data_dir):
    return server_env(data_dir, LRS_DATABASE=DATABASE, LRS_ADMIN_KEY=ADMIN[0], LRS_ADMIN_SECRET=ADMIN[1])


async def start(env) -> ServeProcess:
    server = ServeProcess(env)
    await asyncio.to_thread(server.wait_ready)
    return server


async def missing(data_dir, ids: list[str]) -> list[str]:
    """The ids not in the running server's embedded database."""
    uri = (data_dir / "embedded.uri").read_text().strip()
    client = AsyncMongoClient(uri)
    try:
        found = {d["id"] async for d in client[DATABASE]["statements"].find({"id": {"$in": ids}}, {"id": 1})}
    finally:
        await client.close()
    return [i for i in ids if i not in found]


async def test_kill_9_of_the_server_mid_ingest_loses_nothing_acknowledged_and_it_starts_again(tmp_path):
    data_dir = tmp_path / "data"
    server = await start(embedded_env(data_dir))
    database = embedded_database_pid(server.process.pid)
    ingest = Ingest(server.url, clients=6).start()
    try:
        await ingest.wait_for_acknowledged(BEFORE_KILL)
        server.signal(signal.SIGKILL)
        assert await asyncio.to_thread(server.wait) == -signal.SIGKILL
    finally:
        await ingest.stop()
    # Its database does not outlive it, so a new server can open the same folder.
    assert await asyncio.to_thread(wait_until_gone, database), "the database outlived its server"
    restarted = await start(embedded_env(data_dir))
    try:
        lost = await missing(data_dir, ingest.acknowledged)
        print(f"\nkill -9 of lrs serve: {ingest.summary} lost={len(lost)}")
        assert lost == []
    finally:
        assert await asyncio.to_thread(restarted.stop) == 0, restarted.output


async def test_kill_9_of_the_database_mid_ingest_loses_nothing_acknowledged_and_it_is_restarted(tmp_path):
    data_dir = tmp_path / "data"
    server = await start(embedded_env(data_dir))
    try:
        [old_guard] = children(server.process.pid)
        database = embedded_database_pid(server.process.pid)
        ingest = Ingest(server.url, clients=6).start()
        try:
            await ingest.wait_for_acknowledged(BEFORE_KILL)
            killed_after = len(ingest.acknowledged)
            os.kill(database, signal.SIGKILL)
            async with aiohttp.ClientSession() as http:
                health = await wait_for_health(http, server.url, 503)
                assert "the embedded database exited" in health["detail"]
                await wait_for_health(http, server.url, 200)
            # The server goes on acknowledging on the restarted database.
            await ingest.wait_for_acknowledged(killed_after + BEFORE_KILL)
        finally:
            await ingest.stop()
        lost = await missing(data_dir, ingest.acknowledged)
        print(f"\nkill -9 of the embedded database: {ingest.summary} lost={len(lost)}")
        assert lost == []
        assert "embedded database restarted" in server.output
        assert state(old_guard) is None, "the dead database's guard was left a zombie"
        assert [state(pid) for pid in children(server.process.pid)] != ["Z"]
    finally:
        assert await asyncio.to_thread(server.stop) == 0, server.output


async def wait_for_health(http: aiohttp.ClientSession, url: str, status: int) -> dict:
    for _ in range(1200):
        async with http.get(f"{url}/health") as response:
            if response.status == status:
                return await response.json()
        await asyncio.sleep(0.05)
    raise AssertionError(f"/health never answered {status}")
