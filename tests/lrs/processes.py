"""Looking at real processes from /proc: children, liveness, zombies (Linux)."""

from __future__ import annotations

import time
from pathlib import Path


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:  # the thread ended meanwhile
            continue
    return found


def state(pid: int) -> str | None:
    """The process state letter (R, S, Z, ...), or None when there is no such process."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next(line.split()[1] for line in status.splitlines() if line.startswith("State:"))


def alive(pid: int) -> bool:
    return state(pid) not in (None, "Z", "X")


def wait_until_gone(pid: int, timeout: float = 30) -> bool:
    """True once `pid` has stopped running (a zombie has stopped running too)."""
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def embedded_database_pid(server_pid: int) -> int:
    """The database process of an `lrs serve` (or any EmbeddedDatabase owner): its guard's child."""
    [guard] = children(server_pid)
    [database] = children(guard)
    return database
