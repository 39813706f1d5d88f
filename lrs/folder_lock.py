"""Which process holds a file lock, so a start that finds the data folder in use can say so.

The embedded database (WiredTiger) takes a POSIX lock on `WiredTiger.lock` in its folder; a second
database on the same folder fails with a bare "Device or resource busy". Linux lists every POSIX
lock with its owner in /proc/locks; elsewhere the holder is unknown (None).
"""

from __future__ import annotations

import os
from pathlib import Path

PROC_LOCKS = Path("/proc/locks")


def lock_holder(path: Path) -> int | None:
    """The process id holding a lock on `path`, or None when nobody does (or it cannot be known)."""
    try:
        info = path.stat()
        locks = PROC_LOCKS.read_text()
    except OSError:
        return None
    file_id = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    for line in locks.splitlines():
        # "1: POSIX  ADVISORY  WRITE 26532 fe:00:2212811 0 0"; a waiter's line has "->" second.
        fields = line.split()
        if len(fields) >= 6 and fields[1] != "->" and fields[5] == file_id and fields[4].isdigit():
            return int(fields[4])
    return None


def describe_process(pid: int, width: int = 160) -> str:
    """`pid` with its command line, shortened, for a message."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return f"process {pid}"
    if len(command) > width:
        command = command[: width - 3] + "..."
    return f"process {pid} ({command})" if command else f"process {pid}"


def parent_of(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    return None
