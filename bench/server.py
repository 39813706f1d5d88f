"""Run `lrs serve` as a user would (the tests' ServeProcess), and watch its processes from /proc
(CPU seconds, RSS)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from tests.lrs.serve_process import ServeProcess, basic_auth, server_env

ADMIN_KEY, ADMIN_SECRET = "bench", "bench-secret"
AUTHORIZATION = basic_auth(ADMIN_KEY, ADMIN_SECRET)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        path = task / "children"
        if path.exists():
            found += [int(c) for c in path.read_text().split()]
    return found


class LRSProcess(ServeProcess):
    """`lrs serve` on a free port; with no `mongodb_uri`, on its own embedded database."""

    def __init__(
        self, data_dir: Path, mongodb_uri: str = "", database: str = "lrs", port: int | None = None, **extra: str
    ):
        settings = dict(
            LRS_DATABASE=database,
            LRS_ADMIN_KEY=ADMIN_KEY,
            LRS_ADMIN_SECRET=ADMIN_SECRET,
            LRS_LOG_LEVEL="WARNING",
            LRS_STATEMENT_LIMIT="1000",
            **extra,
        )
        if mongodb_uri:
            settings["LRS_MONGODB_URI"] = mongodb_uri
        super().__init__(server_env(data_dir, **settings), port)
        self.data_dir = data_dir
        self.wait_ready(timeout=120)
        self.peak_rss = 0.0
        self._sampling = True
        threading.Thread(target=self._sample_rss, daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def database_pid(self) -> int | None:
        # lrs serve -> its guard (lrs.child_guard) -> the database
        guards = children(self.pid)
        databases = children(guards[0]) if guards else []
        return databases[0] if databases else None

    @property
    def embedded_uri(self) -> str:
        return (self.data_dir / "embedded.uri").read_text().strip()

    def _sample_rss(self) -> None:
        while self._sampling and self.process.poll() is None:
            try:
                self.peak_rss = max(self.peak_rss, rss_mb(self.pid))
            except OSError:
                return
            time.sleep(0.2)

    def stop(self) -> int:
        self._sampling = False
        return super().stop()
