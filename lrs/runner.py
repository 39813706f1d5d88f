"""Run an app until SIGTERM or SIGINT, then drain it (what `lrs serve` does).

Why not `aiohttp.web.run_app`: on a signal it closes every connection at once, and a closed
connection ignores the bytes still arriving, so a request whose body is being uploaded can
only wait for the shutdown timeout and be cancelled. Here the listening socket closes first,
requests in flight get `shutdown_timeout` seconds to finish (bodies still being read), and
only then does aiohttp's own shutdown close connections and tear the app's resources down:
writes, then the database client, then the embedded database (lrs.app orders them).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from lrs.http.connections import GuardedSite
from lrs.keys import connection_limits_key, drain_key, settings_key, stop_key

log = logging.getLogger(__name__)

# aiohttp's own wait for handlers once our drain is over: they have had their time.
FINAL_GRACE_SECONDS = 1.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def serve_until_stopped(
    app: web.Application,
    host: str,
    port: int,
    shutdown_timeout: float,
    on_ready: Callable[[], None],
) -> int:
    """Serve until a signal or the app asks to stop; return the exit code."""
    loop = asyncio.get_running_loop()
    stop = app[stop_key]
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, stop.request)
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=None,
        shutdown_timeout=FINAL_GRACE_SECONDS,
        keepalive_timeout=app[settings_key].keepalive_timeout,
    )
    try:
        await runner.setup()
        site = GuardedSite(runner, host, port, app[connection_limits_key])
        await site.start()
        on_ready()
        await stop.wait()
        # A second Ctrl-C stops at once (KeyboardInterrupt) instead of waiting for the drain.
        loop.remove_signal_handler(signal.SIGINT)
        if stop.exit_code:
            log.error("stopping with exit code %d: %s", stop.exit_code, stop.reason)
        log.info("stopping: no new connections; draining requests in flight")
        app[drain_key].start()
        await site.stop()
        await app[drain_key].wait_for_requests(shutdown_timeout)
    finally:
        await runner.cleanup()
        for number in STOP_SIGNALS:
            loop.remove_signal_handler(number)
    log.info("stopped")
    return stop.exit_code
