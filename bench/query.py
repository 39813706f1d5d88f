"""Query: GET /xapi/statements on a big store, per filter kind, for each way statements arrive.

    python -m bench.query [--statements 1000000] [--arrival burst|year|year-bursts]
                          [--data-dir .bench-data] [--repeat 20] [--clients 4] [--batch 100]
                          [--port P] [--no-load]

Arrivals:
  burst        (default) posted to `lrs serve` over HTTP in batches by concurrent clients, as
               clients do, as fast as it takes them: all stored within minutes (a million
               within well under an hour)
  year         `stored` spread evenly over the past year
  year-bursts  a year in which most of each day's statements (80%) arrive within five minutes
An LRS cannot be told when statements arrived, so the year patterns are written through the
storage layer, with numbers and `stored` taken from the same counter as the server's writes.

The store is kept in DATA_DIR/query-ARRIVAL-STATEMENTS and reused by later runs (a load that
was interrupted is finished first). Then `lrs serve` runs on it and each filter kind is timed
with limit 100 over `--repeat` different values: over HTTP, and in-process through the query
module (no HTTP, no JSON). Every query that in-process read sends is explained with
executionStats: the plan the database chose and the documents it examined.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from pymongo import AsyncMongoClient, monitoring

from bench.generator import make_population, statements
from bench.ingest import post_batches, split
from bench.server import AUTHORIZATION, LRSProcess, children, cpu_seconds, rss_mb
from bench.stats import percentile, print_table
from lrs.app import INDEXES
from lrs.auth.principal import Principal
from lrs.db import connect, ensure_indexes
from lrs.embedded import EmbeddedDatabase
from lrs.http.statements import list_query
from lrs.statements import service, store
from lrs.statements.query import find_statements
from lrs.statements.sequence import MARKS, find_sequence, update_sequence

DATABASE = "bench"
ARRIVALS = ("burst", "year", "year-bursts")
HEADERS = {
    "X-Experience-API-Version": "1.0.3",
    "Authorization": AUTHORIZATION,
}
LOADER = Principal(
    "bench-loader",
    "bench loader",
    frozenset({"all"}),
    {"objectType": "Agent", "account": {"homePage": "http://lrs.invalid", "name": "bench-loader"}},
)
CHUNK = 20_000  # statements generated and loaded at a time
MOST_PER_WRITE = 500  # statements sharing one `stored` in the year patterns


# --- loading ------------------------------------------------------------------------------


def arrival_times(arrival: str, total: int, end: datetime, seed: int) -> list[datetime]:
    """When each statement arrives, in order, over the year before `end`."""
    rng = random.Random(seed)
    start = end - timedelta(days=365)
    if arrival == "year":
        step = (end - start) / total
        return [start + step * number for number in range(total)]
    times = []
    per_day = total / 365
    for day in range(365):
        count = int(per_day * (day + 1)) - int(per_day * day)
        midnight = start + timedelta(days=day)
        burst = midnight + timedelta(seconds=rng.uniform(0, 86_400 - 300))
        in_burst = round(count * 0.8)
        times += [burst + timedelta(seconds=rng.uniform(0, 300)) for _ in range(in_burst)]
        times += [midnight + timedelta(seconds=rng.uniform(0, 86_400)) for _ in range(count - in_burst)]
    return sorted(times)


def write_groups(times: list[datetime]) -> list[tuple[int, int]]:
    """(first, end) index ranges of statements written together: same hour, at most MOST_PER_WRITE."""
    groups, first = [], 0
    for number in range(1, len(times) + 1):
        if (
            number == len(times)
            or number - first >= MOST_PER_WRITE
            or times[number].replace(minute=0, second=0, microsecond=0)
            != times[first].replace(minute=0, second=0, microsecond=0)
        ):
            groups.append((first, number))
            first = number
    return groups


async def load_in_time(database, total: int, loaded: int, seed: int, times: list[datetime]) -> None:
    """Write statements through the storage layer, each group stored at its last arrival time."""
    all_statements = statements(total, seed=seed)
    started, done = time.perf_counter(), loaded
    for first, end in write_groups(times):
        group = [next(all_statements) for _ in range(first, end)]
        if end <= loaded:
            continue
        group = group[max(loaded - first, 0) :]
        moment = times[end - 1].replace(microsecond=times[end - 1].microsecond // 1000 * 1000)
        allocation = await update_sequence(database, len(group), moment)
        documents = []
        for number, statement in enumerate(group):
            service.prepare_statement(statement, LOADER, allocation.stored)
            documents.append(store.to_document(statement, allocation.first + number, allocation.stored, LOADER.key, []))
        await store.insert_statements(database, documents)
        if done // 50_000 != end // 50_000:
            print(f"  loaded {end:,} ({(end - loaded) / (time.perf_counter() - started):,.0f}/s)", flush=True)
        done = end


async def load_over_http(url: str, total: int, loaded: int, seed: int, clients: int, batch: int) -> None:
    """POST the statements in batches with concurrent clients, CHUNK statements at a time."""
    all_statements = statements(total, seed=seed)
    started = time.perf_counter()
    for first in range(0, total, CHUNK):
        chunk = [next(all_statements) for _ in range(first, min(first + CHUNK, total))]
        chunk = chunk[max(loaded - first, 0) :]
        if chunk:
            await post_batches(url, split(chunk, batch), clients)
            done = min(first + CHUNK, total)
            print(f"  loaded {done:,} ({(done - loaded) / (time.perf_counter() - started):,.0f}/s)", flush=True)


async def load(database, server_url: str, args, state_file: Path) -> None:
    loaded, _ = await find_sequence(database)
    if loaded >= args.statements:
        print(f"{loaded:,} statements already loaded ({args.arrival})")
        return
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    end = datetime.fromisoformat(state.get("end") or datetime.now(UTC).isoformat())
    state_file.write_text(json.dumps({"end": end.isoformat(), "arrival": args.arrival}))
    started = time.perf_counter()
    print(f"loading {args.statements - loaded:,} statements ({args.arrival})", flush=True)
    if args.arrival == "burst":
        await load_over_http(server_url, args.statements, loaded, args.seed, args.clients, args.batch)
    else:
        # Written without the statement indexes, which are built afterwards: keeping a dozen
        # indexes up to date while a million documents go in costs the embedded database many
        # times more than building them once (the server's writes, above, keep them as they go).
        for index in await (await database[store.STATEMENTS].list_indexes()).to_list():
            if index["name"] != "_id_":
                await database[store.STATEMENTS].drop_index(index["name"])
        times = arrival_times(args.arrival, args.statements, end, args.seed)
        await load_in_time(database, args.statements, loaded, args.seed, times)
        print(f"loaded in {time.perf_counter() - started:,.0f} s; building the indexes", flush=True)
        await ensure_indexes(database, INDEXES)
    print(f"loaded in {time.perf_counter() - started:,.0f} s")


# --- the queries --------------------------------------------------------------------------


def query_kinds(seed: int, first: datetime, last: datetime) -> dict[str, Callable[[], dict]]:
    """For each filter kind, a maker of query parameters drawn from the generator's population
    and, for times, from the store's own span of `stored`."""
    population = make_population()
    rng = random.Random(seed)

    def moment() -> str:
        return (first + (last - first) * rng.random()).isoformat()

    def agent() -> str:
        return json.dumps(rng.choice(population.actors))

    return {
        "none": lambda: {},
        "agent": lambda: {"agent": agent()},
        "verb": lambda: {"verb": rng.choice(population.verbs)},
        "activity": lambda: {"activity": rng.choice(population.activities)[0]},
        "registration": lambda: {"registration": rng.choice(population.registrations)},
        "since": lambda: {"since": moment()},
        "until": lambda: {"until": moment()},
        "since, ascending": lambda: {"since": moment(), "ascending": "true"},
        "related_agents": lambda: {"agent": json.dumps(rng.choice(population.instructors)), "related_agents": "true"},
        "related_activities": lambda: {"activity": rng.choice(population.courses), "related_activities": "true"},
        "agent + verb + since": lambda: {
            "agent": agent(),
            "verb": rng.choice(population.verbs),
            "since": (first + (last - first) / 10).isoformat(),
        },
        "verb + related_activities": lambda: {
            "verb": rng.choice(population.verbs),
            "activity": rng.choice(population.courses),
            "related_activities": "true",
        },
    }


class FindRecorder(monitoring.CommandListener):
    """Keeps the `find` commands a client sends, to explain them afterwards."""

    def __init__(self) -> None:
        self.finds: list[dict] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find" and event.command.get("find") == store.STATEMENTS:
            self.finds.append(
                {k: event.command[k] for k in ("filter", "sort", "projection", "limit") if k in event.command}
            )

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


async def explain(database, find: dict) -> tuple[str, int]:
    """The plan of one find (index name, or COLLSCAN) and the documents the database examined."""
    result = await database.command({"explain": {"find": store.STATEMENTS, **find}, "verbosity": "executionStats"})
    text = json.dumps(result.get("queryPlanner", {}).get("winningPlan", {}), default=str)
    plan = (
        "COLLSCAN"
        if "COLLSCAN" in text
        else (text.split('"indexName": "', 1)[1].split('"', 1)[0] if '"indexName"' in text else "?")
    )
    return plan, result.get("executionStats", {}).get("totalDocsExamined", 0)


class CpuMeter:
    """CPU seconds used by `lrs serve` and its database together (from /proc). On a machine
    shared with other work a request's wall time swings with the load; what it costs the two
    processes moves far less."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.used: list[float] = []

    def now(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)


async def timed_get(session: aiohttp.ClientSession, url: str, meter: CpuMeter | None = None) -> tuple[float, dict]:
    started, cpu = time.perf_counter(), meter.now() if meter else 0.0
    async with session.get(url, headers=HEADERS) as response:
        body = await response.json()
        if response.status != 200:
            raise RuntimeError(f"GET {url} answered {response.status}: {body}")
    if meter:
        meter.used.append(meter.now() - cpu)
    return (time.perf_counter() - started) * 1000, body


def cpu_per_request(meter: CpuMeter) -> float:
    """Mean CPU ms per request (/proc counts in ticks of 10 ms: only a mean over many is exact)."""
    used, meter.used = meter.used, []
    return sum(used) / max(len(used), 1) * 1000


async def time_kind(
    session, server_url: str, database, recorder: FindRecorder, make, repeat: int, meter: CpuMeter
) -> list:
    http_ms, direct_ms, returned, queries, examined, plans = [], [], [], [], [], set()
    for _ in range(repeat):
        params = {**make(), "limit": "100"}
        elapsed, body = await timed_get(session, f"{server_url}/xapi/statements?{urlencode(params)}", meter)
        http_ms.append(elapsed)
        returned.append(len(body["statements"]))
        recorder.finds.clear()
        started = time.perf_counter()
        await find_statements(database, list_query(params), 100)  # as GET /statements parses it
        direct_ms.append((time.perf_counter() - started) * 1000)
        finds = list(recorder.finds)
        queries.append(len(finds))
        total = 0
        for find in finds:
            plan, docs = await explain(database, find)
            plans.add(plan)
            total += docs
        examined.append(total)
    return [
        percentile(http_ms, 0.5),
        percentile(http_ms, 0.95),
        cpu_per_request(meter),
        percentile(direct_ms, 0.5),
        percentile(direct_ms, 0.95),
        round(sum(returned) / repeat),
        round(sum(queries) / repeat, 1),
        round(sum(examined) / repeat),
        ", ".join(sorted(plans)),
    ]


async def time_more_pages(session, server_url: str, params: dict, repeat: int, meter: CpuMeter) -> list:
    """Follow `more` from the first page to the tenth; time pages 2 to 10."""
    pages = []
    for _ in range(max(3, repeat // 4)):
        _, body = await timed_get(session, f"{server_url}/xapi/statements?{urlencode({**params, 'limit': '100'})}")
        for _ in range(9):
            if "more" not in body:
                break
            elapsed, body = await timed_get(session, server_url + body["more"], meter)
            pages.append(elapsed)
    return [percentile(pages, 0.5), percentile(pages, 0.95), cpu_per_request(meter), "", "", 100, "", "", ""]


async def store_span(database) -> tuple[datetime, datetime]:
    """The first and last `stored` of the store (the first from the marks of its numbers)."""
    _, last = await find_sequence(database)
    first_mark = await database[MARKS].find({"_id": {"$in": [0, 1]}}).to_list()
    first = min((m["stored"] for m in first_mark), default=last)
    return first.astimezone(UTC), last


def database_pid(server: EmbeddedDatabase) -> int:
    """The database process itself, not the guard it runs under (lrs.child_guard)."""
    return (children(server.process.pid) or [server.process.pid])[0]


async def run(args) -> None:
    folder = args.data_dir.resolve() / f"query-{args.arrival}-{args.statements}"
    folder.mkdir(parents=True, exist_ok=True)
    database_server = EmbeddedDatabase(folder / "db", "512M", folder / "secantusd.log")
    uri = await database_server.start()
    recorder = FindRecorder()
    # Loading writes unjournaled, and so does the server (LRS_UNSAFE_FAST_WRITES): durability is
    # not what this measures, and the embedded database would sync per document. A clean stop
    # checkpoints; an interrupted load loses at most its last second, which the next run redoes.
    client = connect(uri, journal=False)
    client_recorded = AsyncMongoClient(uri, tz_aware=True, event_listeners=[recorder])
    server = None
    try:
        database = client[DATABASE]
        if (await find_sequence(database))[0] >= args.statements:
            # A year load stopped while it built the indexes leaves some missing: build them here,
            # or `lrs serve` would, at its start, for longer than the start may take.
            await ensure_indexes(database, INDEXES)
        server = LRSProcess(
            folder / "lrs", mongodb_uri=uri, database=DATABASE, port=args.port, LRS_UNSAFE_FAST_WRITES="true"
        )
        if not args.no_load:
            await load(database, server.url, args, folder / "load.json")
        first, last = await store_span(database)
        server.peak_rss = 0.0
        rows = []
        recorded = client_recorded[DATABASE]
        meter = CpuMeter([server.pid, database_pid(database_server)])
        async with aiohttp.ClientSession() as session:
            for kind, make in query_kinds(args.seed, first, last).items():
                rows.append([kind, *await time_kind(session, server.url, recorded, recorder, make, args.repeat, meter)])
            rows.append(["more, pages 2-10", *await time_more_pages(session, server.url, {}, args.repeat, meter)])
            verb = {"verb": make_population().verbs[3]}
            more_verb = await time_more_pages(session, server.url, verb, args.repeat, meter)
            rows.append(["more (verb), pages 2-10", *more_verb])
        count, _ = await find_sequence(database)
        print(
            f"\nGET /xapi/statements?limit=100 on {count:,} statements (embedded database), arrival "
            f"{args.arrival}: stored from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M}; "
            f"{args.repeat} different values per kind"
        )
        print_table(
            [
                "filter",
                "HTTP p50 ms",
                "HTTP p95 ms",
                "CPU ms",
                "direct p50 ms",
                "direct p95 ms",
                "returned",
                "queries",
                "docs examined",
                "plan (explain)",
            ],
            rows,
        )
        print(
            f"\nServer peak RSS during the reads: {server.peak_rss:,.0f} MB; embedded database RSS: "
            f"{rss_mb(database_pid(database_server)):,.0f} MB"
        )
    finally:
        if server:
            server.stop()
        await client.close()
        await client_recorded.close()
        await database_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--arrival", choices=ARRIVALS, default="burst")
    parser.add_argument("--data-dir", type=Path, default=Path(".bench-data"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients loading (burst)")
    parser.add_argument("--batch", type=int, default=100, help="statements per POST (burst)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--port", type=int, help="port of `lrs serve` (default: a free one)")
    parser.add_argument("--no-load", action="store_true", help="read the store as it is, even if partly loaded")
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
