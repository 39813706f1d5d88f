"""Query: GET /xapi/statements on a big store, per filter kind, beside the database itself.

    python -m bench.query [--statements 1000000] [--data-dir .bench-data] [--repeat 20]

Loads the statements once through the storage layer into an embedded database kept in
`--data-dir` (later runs reuse it), with `stored` spread over the past year as if the LRS had
run that long. Then starts `lrs serve` on that database and times each filter kind with limit
100: p50/p95 over `--repeat` different values, and beside it the same read made directly in
Python through the query module (no HTTP). Checks each kind's query plan with explain.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from bench.generator import make_population, statements
from bench.server import AUTHORIZATION, LRSProcess, rss_mb
from bench.stats import percentile, print_table
from lrs.app import INDEXES
from lrs.auth.principal import Principal
from lrs.datatypes import parse_timestamp
from lrs.db import connect, ensure_indexes
from lrs.embedded import EmbeddedDatabase
from lrs.statements import service, store
from lrs.statements.density import HOURS, hour_of
from lrs.statements.query import StatementQuery, build_filter, find_statements

DATABASE = "bench"
HEADERS = {
    "X-Experience-API-Version": "1.0.3",
    "Authorization": AUTHORIZATION,
}
LOADER = Principal("bench-loader", "bench loader", frozenset({"all"}),
                   {"objectType": "Agent", "account": {"homePage": "http://lrs.invalid", "name": "bench-loader"}})


async def count_loaded(database) -> int:
    documents = await database[HOURS].find({}, {"n": 1}).to_list()
    return sum(d["n"] for d in documents)


async def load(database, total: int, seed: int) -> None:
    """Write `total` statements through store.insert_statements, one hour of `stored` per call."""
    loaded = await count_loaded(database)
    if loaded >= total:
        print(f"{loaded:,} statements already loaded")
        return
    await ensure_indexes(database, INDEXES)
    end = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)
    step = timedelta(days=365) / total
    started, pending, pending_hour = time.perf_counter(), [], None
    for number, statement in enumerate(statements(total, seed=seed)):
        if number < loaded:
            continue
        stored = end - step * (total - number)
        stored = stored.replace(microsecond=stored.microsecond // 1000 * 1000)
        if pending and hour_of(stored) != pending_hour:
            await store.insert_statements(database, pending)
            pending = []
        pending_hour = hour_of(stored)
        service.prepare_statement(statement, LOADER, stored)
        pending.append(store.to_document(statement, stored, LOADER.key, []))
        if number % 50_000 == 0 and number > loaded:
            rate = (number - loaded) / (time.perf_counter() - started)
            print(f"  loaded {number:,} ({rate:,.0f}/s)", flush=True)
    if pending:
        await store.insert_statements(database, pending)
    print(f"loaded {total - loaded:,} statements in {time.perf_counter() - started:,.0f} s")


def query_kinds(seed: int) -> dict[str, Callable[[], dict]]:
    """For each filter kind, a maker of query parameters drawn from the generator's population."""
    population = make_population()
    rng = random.Random(seed)
    since = datetime.now(timezone.utc) - timedelta(days=30)

    def agent():
        return json.dumps(rng.choice(population.actors))

    def activity():
        return rng.choice(population.activities)[0]

    return {
        "none": lambda: {},
        "agent": lambda: {"agent": agent()},
        "verb": lambda: {"verb": rng.choice(population.verbs)},
        "activity": lambda: {"activity": activity()},
        "registration": lambda: {"registration": rng.choice(population.registrations)},
        "since": lambda: {"since": (since + timedelta(days=rng.randrange(29))).isoformat()},
        "related_agents": lambda: {"agent": json.dumps(rng.choice(population.instructors)), "related_agents": "true"},
        "related_activities": lambda: {"activity": rng.choice(population.courses), "related_activities": "true"},
        "agent+verb+since": lambda: {"agent": agent(), "verb": rng.choice(population.verbs),
                                     "since": (since - timedelta(days=300)).isoformat()},
        "verb+related_activities": lambda: {"verb": rng.choice(population.verbs),
                                            "activity": rng.choice(population.courses), "related_activities": "true"},
    }


def as_query(params: dict) -> StatementQuery:
    return StatementQuery(
        agent=json.loads(params["agent"]) if "agent" in params else None,
        verb=params.get("verb"), activity=params.get("activity"), registration=params.get("registration"),
        related_agents=params.get("related_agents") == "true",
        related_activities=params.get("related_activities") == "true",
        since=parse_timestamp(params["since"]) if "since" in params else None,
    )


async def timed_get(session: aiohttp.ClientSession, url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    async with session.get(url, headers=HEADERS) as response:
        body = await response.json()
        if response.status != 200:
            raise RuntimeError(f"GET {url} answered {response.status}: {body}")
    return (time.perf_counter() - started) * 1000, body


async def explain_kind(database, params: dict) -> str:
    """The winning plan of the query one window of this read sends (IXSCAN index or COLLSCAN)."""
    condition = build_filter(as_query(params))
    window = {store.STORED: {"$gt": datetime.now(timezone.utc) - timedelta(days=1)}}
    plan = await database[store.STATEMENTS].find({**condition.indexed, **window}).sort(
        [(store.STORED, -1), ("_id", -1)]).explain()
    text = json.dumps(plan.get("queryPlanner", {}).get("winningPlan", {}), default=str)
    if "COLLSCAN" in text:
        return "COLLSCAN"
    name = text.split('"indexName": "', 1)[1].split('"', 1)[0] if '"indexName"' in text else "?"
    return f"IXSCAN {name}"


async def run(total: int, data_dir: Path, repeat: int, seed: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    database_server = EmbeddedDatabase(data_dir / "db", "512M", data_dir / "secantusd.log")
    uri = await database_server.start()
    client = connect(uri)
    server = None
    try:
        database = client[DATABASE]
        await load(database, total, seed)
        server = LRSProcess(data_dir / "lrs", mongodb_uri=uri, database=DATABASE)
        rows = []
        async with aiohttp.ClientSession() as session:
            for kind, make in query_kinds(seed).items():
                http_ms, direct_ms, sizes = [], [], []
                for _ in range(repeat):
                    params = {**make(), "limit": "100"}
                    elapsed, body = await timed_get(session, f"{server.url}/xapi/statements?{urlencode(params)}")
                    http_ms.append(elapsed)
                    sizes.append(len(body["statements"]))
                    started = time.perf_counter()
                    await find_statements(database, as_query(params), 100)
                    direct_ms.append((time.perf_counter() - started) * 1000)
                rows.append([kind, percentile(http_ms, 0.5), percentile(http_ms, 0.95),
                             percentile(direct_ms, 0.5), percentile(direct_ms, 0.95),
                             round(sum(sizes) / len(sizes)), await explain_kind(database, make())])
            rows.append(["more, page 10", *await more_pages(session, server.url, repeat), "", "", 100, ""])
        print(f"\nGET /xapi/statements?limit=100 on {total:,} statements (embedded database), "
              f"{repeat} different values per kind")
        print_table(["filter", "HTTP p50 ms", "HTTP p95 ms", "direct p50 ms", "direct p95 ms",
                     "avg returned", "plan of a window query"], rows)
        print(f"\nServer peak RSS: {server.peak_rss:,.0f} MB; embedded database RSS: "
              f"{rss_mb(database_server.process.pid):,.0f} MB")
    finally:
        if server:
            server.stop()
        await client.close()
        await database_server.stop()


async def more_pages(session, url: str, repeat: int) -> tuple[float, float]:
    """Time the 10th page of an unfiltered read followed through `more`."""
    tenth = []
    for _ in range(max(3, repeat // 4)):
        _, body = await timed_get(session, f"{url}/xapi/statements?limit=100")
        for _ in range(9):
            elapsed, body = await timed_get(session, url + body["more"])
        tenth.append(elapsed)
    return percentile(tenth, 0.5), percentile(tenth, 0.95)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=Path(".bench-data"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    asyncio.run(run(args.statements, args.data_dir, args.repeat, args.seed))


if __name__ == "__main__":
    main()
