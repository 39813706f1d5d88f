"""Ingest: POST /xapi/statements in batches against `lrs serve`, beside the database's own limit.

    python -m bench.ingest [--statements 20000] [--clients 4] [--batches 1,10,100,1000]
                           [--unsafe-fast-writes] [--forward none|paused|webhook] [--port P]

Starts `lrs serve` on a fresh embedded database, posts seeded statements with concurrent
clients for each batch size, then inserts the same stored documents with PyMongo's
`insert_many` straight into a database with the same indexes on the same server. Prints
statements per second, request latency percentiles, server RSS and CPU per 1000 statements.
Writes are journaled before they are acknowledged, as `lrs serve` does by default; with
`--unsafe-fast-writes` neither the LRS (LRS_UNSAFE_FAST_WRITES) nor the direct insert waits for
the journal: the difference is the cost of durability.

With `--forward webhook`, a forward to a webhook receiver in this process is created first,
so every batch also writes its outbox entry and the server delivers while it ingests; the
time the last statement took to reach the receiver is printed too. With `--forward paused`
the forward is paused at once: each batch writes its outbox entry and nothing is delivered,
which isolates what the outbox costs the write path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.generator import make_population, statements
from bench.server import AUTHORIZATION, LRSProcess, cpu_seconds, rss_mb
from bench.stats import percentile, print_table
from lrs.app import INDEXES
from lrs.auth.principal import Principal
from lrs.db import connect, ensure_indexes
from lrs.statements import service, store

HEADERS = {
    "X-Experience-API-Version": "1.0.3",
    "Content-Type": "application/json",
    "Authorization": AUTHORIZATION,
}


async def post_batches(url: str, batches: list[list[dict]], clients: int) -> tuple[float, list[float]]:
    """Post every batch with `clients` concurrent senders; return (seconds, latencies in ms)."""
    queue: asyncio.Queue = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(json.dumps(batch).encode())
    latencies: list[float] = []

    async def sender(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            async with session.post(f"{url}/xapi/statements", data=body, headers=HEADERS) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"POST answered {response.status}: {await response.text()}")
            latencies.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(sender(session) for _ in range(clients)))
        return time.perf_counter() - started, latencies


def stored_documents(batch: list[dict], first_number: int) -> list[dict]:
    """The documents the LRS would store for these statements, built by the same code."""
    principal = Principal(
        "bench",
        "bench",
        frozenset({"all"}),
        {"objectType": "Agent", "account": {"homePage": "http://lrs.invalid", "name": "bench"}},
    )
    stored = service.clock.now()
    documents = []
    for number, statement in enumerate(batch, start=first_number):
        service.prepare_statement(statement, principal, stored)
        documents.append(store.to_document(statement, number, stored, "bench", []))
    return documents


async def insert_directly(uri: str, batches: list[list[dict]], clients: int, journal: bool) -> float:
    """Seconds to insert the batches' documents with insert_many, `clients` at a time."""
    client = connect(uri, journal=journal)
    database = client["bench_direct"]
    await client.drop_database("bench_direct")
    await ensure_indexes(database, INDEXES)
    numbers = [1 + sum(len(b) for b in batches[:index]) for index in range(len(batches))]
    prepared = [stored_documents(batch, number) for batch, number in zip(batches, numbers, strict=True)]
    queue: asyncio.Queue = asyncio.Queue()
    for documents in prepared:
        queue.put_nowait(documents)

    async def inserter() -> None:
        while not queue.empty():
            await database[store.STATEMENTS].insert_many(queue.get_nowait(), ordered=False)

    started = time.perf_counter()
    await asyncio.gather(*(inserter() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    await client.drop_database("bench_direct")
    await client.close()
    return elapsed


class Receiver:
    """A webhook receiver that counts the statements delivered to it."""

    def __init__(self) -> None:
        self.statements = 0
        self.last_at = 0.0
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.statements += len(json.loads(await request.read())["statements"])
        self.last_at = time.perf_counter()
        return web.Response(status=204)

    async def start(self) -> str:
        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{self.port}/hook"


async def create_forward(url: str, receiver: Receiver, paused: bool) -> None:
    hook = await receiver.start()
    headers = {"Authorization": AUTHORIZATION}
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/admin/forwards", headers=headers, json={"name": "bench", "type": "webhook", "url": hook}
        ) as response:
            if response.status != 201:
                raise RuntimeError(f"creating the forward answered {response.status}")
            forward = await response.json()
        if paused:
            async with session.post(f"{url}/admin/forwards/{forward['id']}/pause", headers=headers) as response:
                if response.status != 200:
                    raise RuntimeError(f"pausing the forward answered {response.status}")
    await asyncio.sleep(2.5)  # a forward takes the statements stored from 2 s after its creation


async def wait_delivered(receiver: Receiver, expected: int, posted_at: float) -> float:
    """Seconds from the end of posting until the receiver has every statement."""
    while receiver.statements < expected:
        await asyncio.sleep(0.05)
    return max(0.0, receiver.last_at - posted_at)


def split(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def run(
    count: int, clients: int, sizes: list[int], seed: int, unsafe: bool, forward: str, port: int | None = None
) -> None:
    population = make_population()
    direct_size = 100 if 100 in sizes else sizes[-1]
    # The size compared with the direct insert goes first, so both start on an empty database.
    sizes = sorted(sizes, key=lambda size: size != direct_size)
    with tempfile.TemporaryDirectory(prefix="lrs-bench-") as folder:
        server = LRSProcess(Path(folder), port=port, **({"LRS_UNSAFE_FAST_WRITES": "true"} if unsafe else {}))
        receiver = Receiver() if forward != "none" else None
        try:
            if receiver:
                await create_forward(server.url, receiver, paused=forward == "paused")
            rows = []
            rates = {}
            lags = []
            posted = 0
            for number, size in enumerate(sizes):
                # Size 1 is slow by nature: fewer statements keep the run short.
                total = min(count, 2000) if size == 1 else count
                batch_list = split(list(statements(total, seed=seed + number, population=population)), size)
                cpu_before = cpu_seconds(server.pid)
                seconds, latencies = await post_batches(server.url, batch_list, clients)
                posted += total
                if forward == "webhook":  # delivery is part of the work the server does for these statements
                    lags.append((size, await wait_delivered(receiver, posted, time.perf_counter())))
                cpu = cpu_seconds(server.pid) - cpu_before
                rates[size] = total / seconds
                rows.append(
                    [
                        size,
                        total,
                        clients,
                        rates[size],
                        percentile(latencies, 0.5),
                        percentile(latencies, 0.95),
                        percentile(latencies, 0.99),
                        cpu / total * 1000 * 1000,
                        server.peak_rss,
                    ]
                )
            durability = "UNSAFE: acknowledged before journaled" if unsafe else "journaled before acknowledged"
            forwards = {
                "none": "no forward",
                "paused": "one paused forward (outbox written, nothing sent)",
                "webhook": "one webhook forward",
            }[forward]
            print(
                f"\nIngest through `lrs serve` (embedded database, {durability}), {clients} concurrent clients, "
                f"{forwards}"
            )
            print_table(
                [
                    "batch",
                    "statements",
                    "clients",
                    "stmts/s",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "server CPU ms/1000",
                    "server peak RSS MB",
                ],
                rows,
            )
            # The same statements the LRS stored at that size, as the documents it stored.
            number = sizes.index(direct_size)
            direct_batches = split(list(statements(count, seed=seed + number, population=population)), direct_size)
            seconds = await insert_directly(server.embedded_uri, direct_batches, clients, journal=not unsafe)
            direct_rate = count / seconds
            print(
                f"\nDirect insert_many of the same stored documents, batches of {direct_size}, "
                f"{clients} concurrent: {direct_rate:,.0f} documents/s"
            )
            if direct_size in rates:
                print(f"LRS / direct at batch {direct_size}: {rates[direct_size] / direct_rate:.0%}")
            for size, lag in lags:
                print(
                    f"Forward: the last statement of batch size {size} reached the webhook {lag:.1f} s after the last POST"
                )
            print(
                f"Server peak RSS over the run: {server.peak_rss:,.0f} MB; embedded database RSS at the end: "
                f"{rss_mb(server.database_pid):,.0f} MB"
            )
        finally:
            server.stop()
            if receiver and receiver.runner:
                await receiver.runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batches", default="1,10,100,1000")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--unsafe-fast-writes",
        action="store_true",
        help="acknowledge writes before they are journaled (LRS_UNSAFE_FAST_WRITES)",
    )
    parser.add_argument(
        "--forward",
        choices=("none", "paused", "webhook"),
        default="none",
        help="measure with one forward to a webhook receiver in this process (paused: outbox only)",
    )
    parser.add_argument("--port", type=int, help="port for `lrs serve` (default: a free one)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.batches.split(",")]
    asyncio.run(run(args.statements, args.clients, sizes, args.seed, args.unsafe_fast_writes, args.forward, args.port))


if __name__ == "__main__":
    main()
