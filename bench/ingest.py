"""Ingest: POST /xapi/statements in batches against `lrs serve`, beside the database's own limit.

    python -m bench.ingest [--statements 20000] [--clients 4] [--batches 1,10,100,1000]

Starts `lrs serve` on a fresh embedded database, posts seeded statements with concurrent
clients for each batch size, then inserts the same stored documents with PyMongo's
`insert_many` straight into a database with the same indexes on the same server. Prints
statements per second, request latency percentiles, server RSS and CPU per 1000 statements.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import aiohttp

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
    principal = Principal("bench", "bench", frozenset({"all"}), {"objectType": "Agent",
                          "account": {"homePage": "http://lrs.invalid", "name": "bench"}})
    stored = service.clock.now()
    documents = []
    for number, statement in enumerate(batch, start=first_number):
        service.prepare_statement(statement, principal, stored)
        documents.append(store.to_document(statement, number, stored, "bench", []))
    return documents


async def insert_directly(uri: str, batches: list[list[dict]], clients: int) -> float:
    """Seconds to insert the batches' documents with insert_many, `clients` at a time."""
    client = connect(uri)
    database = client["bench_direct"]
    await client.drop_database("bench_direct")
    await ensure_indexes(database, INDEXES)
    numbers = [1 + sum(len(b) for b in batches[:index]) for index in range(len(batches))]
    prepared = [stored_documents(batch, number) for batch, number in zip(batches, numbers)]
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


def split(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


async def run(count: int, clients: int, sizes: list[int], seed: int) -> None:
    population = make_population()
    direct_size = 100 if 100 in sizes else sizes[-1]
    # The size compared with the direct insert goes first, so both start on an empty database.
    sizes = sorted(sizes, key=lambda size: size != direct_size)
    with tempfile.TemporaryDirectory(prefix="lrs-bench-") as folder:
        server = LRSProcess(Path(folder))
        try:
            rows = []
            rates = {}
            for number, size in enumerate(sizes):
                # Size 1 is slow by nature: fewer statements keep the run short.
                total = min(count, 2000) if size == 1 else count
                batch_list = split(list(statements(total, seed=seed + number, population=population)), size)
                cpu_before = cpu_seconds(server.pid)
                seconds, latencies = await post_batches(server.url, batch_list, clients)
                cpu = cpu_seconds(server.pid) - cpu_before
                rates[size] = total / seconds
                rows.append([
                    size, total, clients, rates[size], percentile(latencies, 0.5), percentile(latencies, 0.95),
                    percentile(latencies, 0.99), cpu / total * 1000 * 1000, server.peak_rss,
                ])
            print(f"\nIngest through `lrs serve` (embedded database), {clients} concurrent clients")
            print_table(
                ["batch", "statements", "clients", "stmts/s", "p50 ms", "p95 ms", "p99 ms",
                 "server CPU ms/1000", "server peak RSS MB"],
                rows,
            )
            # The same statements the LRS stored at that size, as the documents it stored.
            number = sizes.index(direct_size)
            direct_batches = split(list(statements(count, seed=seed + number, population=population)), direct_size)
            seconds = await insert_directly(server.embedded_uri, direct_batches, clients)
            direct_rate = count / seconds
            print(f"\nDirect insert_many of the same stored documents, batches of {direct_size}, "
                  f"{clients} concurrent: {direct_rate:,.0f} documents/s")
            if direct_size in rates:
                print(f"LRS / direct at batch {direct_size}: {rates[direct_size] / direct_rate:.0%}")
            print(f"Server peak RSS over the run: {server.peak_rss:,.0f} MB; embedded database RSS at the end: "
                  f"{rss_mb(server.database_pid):,.0f} MB")
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batches", default="1,10,100,1000")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    sizes = [int(s) for s in args.batches.split(",")]
    asyncio.run(run(args.statements, args.clients, sizes, args.seed))


if __name__ == "__main__":
    main()
