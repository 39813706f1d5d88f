"""What the admin console's write-time rollups cost the write path: CPU per statement stored,
with and without the console plug-in, in one process (the LRS app and its client), on the
embedded database.

    python -m bench.console_overhead [--statements 2000] [--batches 100,1] [--repeat 2]

Both runs post the same generated statements through real HTTP (aiohttp's test server) with cmi5
and the bridge plugged in; the console run includes its background flushes and the last flush at
shutdown. Prints process CPU (LRS and client together, so only the difference is the console's).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import time

from aiohttp.test_utils import TestClient, TestServer

import bridge
import cmi5
import console
from bench.generator import statements
from lrs.app import create_app
from lrs.embedded import EmbeddedDatabase
from lrs.settings import Settings

AUTHORIZATION = "Basic " + base64.b64encode(b"bench:bench-secret").decode()


async def cpu_per_statement(uri: str, database: str, with_console: bool, batch: int, count: int) -> float:
    plugins = [cmi5.plugin(), bridge.setup] + ([console.plugin()] if with_console else [])
    app = create_app(
        Settings(mongodb_uri=uri, database=database, admin_key="bench", admin_secret="bench-secret"), plugins
    )
    client = TestClient(TestServer(app))
    await client.start_server()
    generated = list(statements(count, seed=5))
    headers = {"Authorization": AUTHORIZATION, "X-Experience-API-Version": "1.0.3"}
    started = time.process_time()
    for start in range(0, count, batch):
        response = await client.post("/xapi/statements", json=generated[start : start + batch], headers=headers)
        assert response.status == 200, await response.text()
    await client.close()  # the console's last flush happens here
    return (time.process_time() - started) / count * 1e6


async def main(count: int, batches: list[int], repeat: int) -> None:
    server = EmbeddedDatabase(":memory:")
    uri = await server.start()
    print("batch  run  without console µs/stmt  with console µs/stmt  difference")
    try:
        for batch in batches:
            for run in range(repeat):
                without = await cpu_per_statement(uri, f"without_{batch}_{run}", False, batch, count)
                with_console = await cpu_per_statement(uri, f"with_{batch}_{run}", True, batch, count)
                print(
                    f"{batch:>5}  {run + 1:>3}  {without:>23.0f}  {with_console:>20.0f}  {with_console - without:>+10.0f}"
                )
    finally:
        await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--batches", default="100,1")
    parser.add_argument("--repeat", type=int, default=2)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.statements, [int(b) for b in arguments.batches.split(",")], arguments.repeat))
