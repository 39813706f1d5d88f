"""Real `lrs serve` processes for deployment tests: start several, talk HTTP, signal them."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from lrs.embedded import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "LRS ready"
# The admin credential the servers are given, and the database name they share.
ADMIN = ("boss", "s3cret-value")
DATABASE = "lrs"


def server_env(data_dir: Path, **settings: str) -> dict:
    """The environment of a server process: no inherited LRS_*, this tree's code first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LRS_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["LRS_DATA_DIR"] = str(data_dir)
    env.update(settings)
    return env


def shared_database_env(data_dir: Path, uri: str, **settings: str) -> dict:
    """The environment of a server on the database at `uri`, with the ADMIN credential."""
    return server_env(
        data_dir,
        **{
            "LRS_MONGODB_URI": uri,
            "LRS_DATABASE": DATABASE,
            "LRS_ADMIN_KEY": ADMIN[0],
            "LRS_ADMIN_SECRET": ADMIN[1],
            **settings,
        },
    )


def basic_auth(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


class ServeProcess:
    """`python -m lrs serve` on a free port; its output is collected by a thread as it comes,
    so a chatty server never blocks on a full pipe."""

    def __init__(self, env: dict, port: int | None = None) -> None:
        self.port = port or free_port()
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lrs", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> ServeProcess:
        deadline = time.monotonic() + timeout
        while READY_LINE not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"server did not start:\n{self.output}")
            time.sleep(0.05)
        return self

    def signal(self, number: int = signal.SIGTERM) -> None:
        self.process.send_signal(number)

    def wait(self, timeout: float = 60) -> int:
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        self.process.stdout.close()
        return code

    def stop(self) -> int:
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
        try:
            return self.wait()
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.wait()


async def start_servers(env: dict, count: int) -> list[ServeProcess]:
    servers = [ServeProcess(env) for _ in range(count)]  # all launched before any is waited for
    try:
        await asyncio.gather(*(asyncio.to_thread(s.wait_ready) for s in servers))
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers
