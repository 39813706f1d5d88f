"""Run `lrs serve` as a user would, and watch its processes from /proc (CPU seconds, RSS)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from lrs.embedded import free_port

ADMIN_KEY, ADMIN_SECRET = "bench", "bench-secret"
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


class LRSProcess:
    """`lrs serve` on a free port; with no `mongodb_uri`, on its own embedded database."""

    def __init__(self, data_dir: Path, mongodb_uri: str = "", database: str = "lrs"):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LRS_")}
        env.update(
            LRS_PORT=str(self.port), LRS_DATA_DIR=str(data_dir), LRS_DATABASE=database,
            LRS_ADMIN_KEY=ADMIN_KEY, LRS_ADMIN_SECRET=ADMIN_SECRET, LRS_LOG_LEVEL="WARNING",
            LRS_STATEMENT_LIMIT="1000",
        )
        if mongodb_uri:
            env["LRS_MONGODB_URI"] = mongodb_uri
        self.data_dir = data_dir
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lrs", "serve"], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )
        output = ""
        deadline = time.monotonic() + 120
        while "LRS ready" not in output:
            line = self.process.stdout.readline()
            if (not line and self.process.poll() is not None) or time.monotonic() > deadline:
                raise RuntimeError(f"lrs serve did not start:\n{output}")
            output += line
        # Keep draining its output so it never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        self.peak_rss = 0.0
        self._sampling = True
        threading.Thread(target=self._sample_rss, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def database_pid(self) -> int | None:
        kids = children(self.pid)
        return kids[0] if kids else None

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

    def stop(self) -> None:
        self._sampling = False
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
