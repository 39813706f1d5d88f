"""Run a program that must not outlive the process that started us: `python -I child_guard.py PROGRAM ARG...`.

The embedded database has to stop with `lrs serve`, even when `lrs serve` is killed with SIGKILL
and cannot stop it. Left running, it keeps the data folder locked and the next start fails. The
guard stands between the two processes and is small enough to have nothing else to do:

- Its stdin is a pipe whose other end only its parent holds. The kernel closes that end when the
  parent dies, however it dies; the guard then reads end-of-file and stops the program (SIGTERM,
  then SIGKILL after `STOP_SECONDS`).
- The program is started with PR_SET_PDEATHSIG (Linux): should the guard itself be killed, the
  kernel kills the program too. (Set here and not in `lrs serve`, because the kernel sends it when
  the *thread* that started the program ends, and because `preexec_fn` is only safe in a
  single-threaded process, which the guard is and a server is not.)
- SIGTERM to the guard is passed on: that is how its parent stops the program normally.
- It exits when the program does, with the program's exit code (128 + N after signal N), so the
  parent sees the database's own end. It uses nothing but the standard library.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import subprocess
import sys

STOP_SECONDS = 20.0
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1


def _kill_with_guard() -> None:
    """Between fork and exec, in the program's process."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pipe still covers our parent's death
        return
    if os.getppid() != GUARD_PID:  # the guard died before prctl took effect
        os._exit(1)


def exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def stop(program: subprocess.Popen[bytes]) -> int:
    if program.poll() is None:
        program.terminate()
        try:
            program.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            program.kill()
    return exit_code(program.wait())


def main(command: list[str]) -> int:
    if not command:
        print("usage: python -I child_guard.py PROGRAM [ARG...]", file=sys.stderr)
        return 2
    stop_requested = []
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.append(True))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # our parent decides when we stop
    program = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=_kill_with_guard)
    parent_pipe = sys.stdin.fileno()
    while program.poll() is None:
        if stop_requested:
            return stop(program)
        readable, _, _ = select.select([parent_pipe], [], [], POLL_SECONDS)
        if readable and not os.read(parent_pipe, 4096):  # end-of-file: our parent is gone
            return stop(program)
    return exit_code(program.returncode)


GUARD_PID = os.getpid()

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
