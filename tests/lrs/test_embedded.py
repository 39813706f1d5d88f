"""The embedded database process: it never outlives its owner, a locked folder is explained, and a
database that dies is restarted (or, when it keeps dying, the server is asked to exit non-zero)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import pytest
from pymongo import AsyncMongoClient

from lrs import embedded, embedded_recovery
from lrs.embedded import EmbeddedDatabase, EmbeddedDatabaseError
from lrs.embedded_recovery import EmbeddedStatus, keep_running
from lrs.shutdown import StopRequest
from tests.lrs.processes import alive, children, state, wait_until_gone
from tests.lrs.serve_process import REPO_ROOT

# A program that owns an embedded database, as `lrs serve` does, and prints its pids.
OWNER = textwrap.dedent("""
    import asyncio, sys
    from lrs.embedded import EmbeddedDatabase

    async def main():
        database = EmbeddedDatabase(sys.argv[1], "64M")
        await database.start()
        print(database.process.pid, database.port, flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())
""")


def start_owner(storage) -> tuple[subprocess.Popen, int, int]:
    """(owner process, its guard's pid, the database's port)"""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(storage)], stdout=subprocess.PIPE, text=True, env=env)
    guard, port = (int(value) for value in owner.stdout.readline().split())
    return owner, guard, port


def kill_owner(owner: subprocess.Popen) -> None:
    owner.kill()  # SIGKILL: no cleanup code of the owner runs
    owner.wait()
    owner.stdout.close()


async def answers(port: int) -> bool:
    client = AsyncMongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=1000)
    try:
        await client.admin.command("ping")
        return True
    except Exception:
        return False
    finally:
        await client.close()


async def test_the_database_stops_when_its_owner_is_killed_with_sigkill(tmp_path):
    owner, guard, port = start_owner(tmp_path / "db")
    [database] = children(guard)
    assert await answers(port)

    kill_owner(owner)
    assert await asyncio.to_thread(wait_until_gone, database), "the database outlived its owner"
    assert await asyncio.to_thread(wait_until_gone, guard)
    # The folder is free again: a new database opens it at once.
    again = EmbeddedDatabase(tmp_path / "db", "64M")
    await again.start()
    await again.stop()


async def test_the_database_stops_when_its_guard_is_killed(tmp_path):
    owner, guard, _ = start_owner(tmp_path / "db")
    try:
        [database] = children(guard)
        os.kill(guard, signal.SIGKILL)
        assert await asyncio.to_thread(wait_until_gone, database, 10)
    finally:
        kill_owner(owner)


async def test_a_start_on_a_folder_in_use_names_the_process_and_what_to_do(tmp_path, monkeypatch):
    owner, guard, _ = start_owner(tmp_path / "db")
    try:
        [database] = children(guard)
        monkeypatch.setattr(embedded, "LOCK_WAIT_SECONDS", 0.5)
        with pytest.raises(EmbeddedDatabaseError) as refused:
            await EmbeddedDatabase(tmp_path / "db", "64M").start()
        message = str(refused.value)
        assert f"in use by process {database} (" in message and "secantusd" in message
        assert f"the embedded database of process {owner.pid}" in message
        assert f"kill {owner.pid}" in message and "LRS_DATA_DIR" in message
        assert "Device or resource busy" not in message
    finally:
        kill_owner(owner)


async def test_a_start_waits_for_a_database_that_is_stopping(tmp_path):
    owner, guard, _ = start_owner(tmp_path / "db")
    [database] = children(guard)
    kill_owner(owner)  # its guard now stops the database; a new start must wait for the folder, not fail
    again = EmbeddedDatabase(tmp_path / "db", "64M")
    await again.start()
    try:
        assert not alive(database)
        assert await answers(again.port)
    finally:
        await again.stop()


@pytest.fixture
async def kept_database(tmp_path, monkeypatch):
    """A database on a folder, watched by keep_running with short delays."""
    monkeypatch.setattr(embedded_recovery, "RESTART_DELAYS", (0.1, 0.2))
    database = EmbeddedDatabase(tmp_path / "db", "64M")
    await database.start()
    status, stop = EmbeddedStatus(), StopRequest()
    keeper = asyncio.create_task(keep_running(database, status, stop))
    yield database, status, stop, keeper
    keeper.cancel()
    await asyncio.gather(keeper, return_exceptions=True)
    await database.stop()


async def wait_for(condition, timeout: float = 30) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_a_killed_database_is_restarted_with_its_data_and_reaped(kept_database):
    database, status, stop, _ = kept_database
    client = AsyncMongoClient(database.uri, journal=True)
    try:
        await client.lrs.things.insert_one({"_id": 1})
        old_guard = database.process.pid
        [old_database] = children(old_guard)
        os.kill(old_database, signal.SIGKILL)

        await wait_for(lambda: not status.running)
        assert "exited" in status.problem
        await wait_for(lambda: status.running)
        assert status.restarts == 1 and not stop.requested
        assert database.process.pid != old_guard
        assert state(old_guard) is None, "the dead guard was not reaped (a zombie)"
        assert await client.lrs.things.find_one({"_id": 1}) == {"_id": 1}  # same port, same data
    finally:
        await client.close()


async def test_a_database_that_cannot_be_restarted_asks_the_server_to_exit_non_zero(kept_database, monkeypatch):
    database, status, stop, keeper = kept_database
    # From now on the database program fails at start-up, as a broken installation would.
    monkeypatch.setattr(embedded, "find_executable", lambda: shutil.which("false"))
    [old_database] = children(database.process.pid)
    os.kill(old_database, signal.SIGKILL)
    await asyncio.wait_for(stop.wait(), 60)
    assert stop.exit_code == embedded_recovery.GAVE_UP_EXIT_CODE
    assert "could not be kept running" in stop.reason and "exited at start-up" in stop.reason
    assert not status.running and keeper.done()
