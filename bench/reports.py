"""Reports: the cmi5 course, course list and learner reports on a store of ~1,000,000 statements.

    python -m bench.reports [--registrations 26200] [--data-dir .bench-reports] [--repeat 20]

Loads once (later runs reuse `--data-dir`): 10 courses of 5 AUs imported through cmi5's own
course import, and for each registration the statements of one session per AU (launched,
initialized, four progressed, completed, passed or failed with a score, terminated; 15% of AUs
are never launched: ~38 per registration, ~1,000,000 for 26,200 registrations) written through
the statement store, with the registration document holding what cmi5's tracking records for
them (outcome statement ids, latest score, time). Then starts `lrs serve` on it and times each report over HTTP, beside the
same call made in-process through cmi5.reports (no HTTP).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from bench.server import AUTHORIZATION, LRSProcess, rss_mb
from bench.stats import percentile, print_table
from cmi5 import reports, vocab
from cmi5 import store as cmi5_store
from cmi5.courses import import_course
from cmi5.moveon import AUFacts, evaluate
from lrs.app import INDEXES
from lrs.auth.principal import Principal
from lrs.db import connect, ensure_indexes
from lrs.embedded import EmbeddedDatabase
from lrs.ifi import ifi_key
from lrs.statements import service, store
from lrs.statements.sequence import update_sequence

DATABASE = "bench_reports"
COURSES, AUS_PER_COURSE = 10, 5
CHUNK = 200  # registrations written per round
MOVE_ON = ["Completed", "Passed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable"]
LMS = Principal(
    "bench-lms",
    "bench lms",
    frozenset({"all"}),
    {"objectType": "Agent", "account": {"homePage": "http://lrs.invalid", "name": "bench-lms"}},
)
NS = vocab.COURSE_NAMESPACE


def course_xml(number: int) -> bytes:
    aus = "".join(
        f'<au id="https://courses.example.com/c{number}/au{a}" moveOn="{MOVE_ON[a]}">'
        f'<title><langstring lang="en-US">AU {a}</langstring></title>'
        f'<description><langstring lang="en-US">AU {a}</langstring></description>'
        f"<url>https://content.example.com/c{number}/au{a}.html</url></au>"
        for a in range(AUS_PER_COURSE)
    )
    return (
        f'<courseStructure xmlns="{NS}"><course id="https://courses.example.com/c{number}">'
        f'<title><langstring lang="en-US">Course {number}</langstring></title>'
        f'<description><langstring lang="en-US">Course {number}</langstring></description>'
        f"</course>{aus}</courseStructure>"
    ).encode()


def learner(number: int) -> dict:
    return {
        "objectType": "Agent",
        "name": f"Learner {number}",
        "account": {"homePage": "https://lms.example.com", "name": f"learner-{number}"},
    }


def session_statements(actor: dict, au: dict, registration: str, rng: random.Random, at: datetime):
    """One AU session's statements, its outcome facts, score and seconds."""
    session = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    context = {
        "registration": registration,
        "contextActivities": {"grouping": [{"id": au["id"]}], "category": [{"id": vocab.CATEGORY_CMI5}]},
        "extensions": {vocab.EXT_SESSION_ID: session},
    }
    seconds = rng.randint(60, 3600)
    score = round(rng.random(), 2)
    passed = score >= 0.6

    def statement(verb: str, result: dict | None = None) -> dict:
        made = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": actor,
            "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[1]}},
            "object": {"objectType": "Activity", "id": au["activityId"]},
            "context": context,
            "timestamp": at.isoformat(),
        }
        if result:
            made["result"] = result
        return made

    made = [statement(vocab.LAUNCHED), statement(vocab.INITIALIZED)]
    made += [
        statement("http://adlnet.gov/expapi/verbs/progressed", {"extensions": {vocab.EXT_PROGRESS: p}})
        for p in (20, 40, 60, 80)
    ]
    completed = statement(vocab.COMPLETED, {"completion": True})
    outcome = statement(vocab.PASSED if passed else vocab.FAILED, {"success": passed, "score": {"scaled": score}})
    made += [completed, outcome, statement(vocab.TERMINATED, {"duration": f"PT{seconds}S"})]
    facts = {
        "completed": completed["id"],
        "passed" if passed else "failed": outcome["id"],
        "score": score,
        "seconds": float(seconds),
        "session": session,
    }
    return made, facts


async def load(database, registrations: int, seed: int) -> list[dict]:
    """The courses, and the registrations with their statements; an interrupted load goes on
    (each registration is drawn from a generator seeded with its own number)."""
    await ensure_indexes(database, [*INDEXES, *cmi5_store.INDEXES])
    courses = sorted(await cmi5_store.find_courses(database), key=lambda c: c["title"]["en-US"])
    if not courses:
        courses = [await import_course(database, course_xml(n), "application/xml") for n in range(COURSES)]
    courses = [await cmi5_store.find_course(database, c["_id"]) for c in courses]
    loaded = await database[cmi5_store.REGISTRATIONS].count_documents({})
    if loaded >= registrations:
        print(f"{loaded:,} registrations already loaded")
        return courses
    # Registrations are written after their statements, each chunk whole: a chunk cut short by an
    # interruption is loaded again (its statements are skipped as duplicates).
    loaded -= loaded % CHUNK
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    step = timedelta(days=365) / registrations
    started = time.perf_counter()
    for first in range(loaded, registrations, CHUNK):
        pending, documents = [], []
        for number in range(first, min(first + CHUNK, registrations)):
            rng = random.Random(seed * 1_000_003 + number)
            course = courses[number % COURSES]
            actor = learner(number // 2)  # most learners have two registrations
            registration = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            stored = end - step * (registrations - number)
            stored = stored.replace(microsecond=stored.microsecond // 1000 * 1000)
            aus = {}
            for au in course["structure"]["aus"]:
                if rng.random() < 0.15:
                    continue  # never launched
                made, facts = session_statements(actor, au, registration, rng, stored)
                # Numbers and `stored` from the counter, as the LRS's own writes take them.
                allocation = await update_sequence(database, len(made), stored)
                for number, statement in enumerate(made, start=allocation.first):
                    service.prepare_statement(statement, LMS, allocation.stored)
                    pending.append(store.to_document(statement, number, allocation.stored, LMS.key, []))
                aus[str(au["index"])] = facts
            satisfied = evaluate(
                course["structure"],
                {int(i): AUFacts(bool(f.get("completed")), bool(f.get("passed"))) for i, f in aus.items()},
            )
            documents.append(
                {
                    "_id": registration,
                    "course": course["_id"],
                    "actor": actor,
                    "actor_key": ifi_key(actor),
                    "created": stored,
                    cmi5_store.AUS: aus,
                    cmi5_store.SATISFIED_BLOCKS: [],
                    cmi5_store.COURSE_SATISFIED: satisfied.course,
                }
            )
        await store.insert_statements(database, pending)
        await database[cmi5_store.REGISTRATIONS].delete_many({"_id": {"$in": [d["_id"] for d in documents]}})
        await database[cmi5_store.REGISTRATIONS].insert_many(documents)
        done = first + len(documents)
        rate = (done - loaded) * 38 / (time.perf_counter() - started)
        print(f"  {done:,} registrations (~{rate:,.0f} statements/s)", flush=True)
    print(f"loaded in {time.perf_counter() - started:,.0f} s")
    return courses


async def timed(session: aiohttp.ClientSession, url: str) -> float:
    started = time.perf_counter()
    async with session.get(url, headers={"Authorization": AUTHORIZATION}) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {url} answered {response.status}")
    return (time.perf_counter() - started) * 1000


async def run(registrations: int, data_dir: Path, repeat: int, seed: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    database_server = EmbeddedDatabase(data_dir / "db", "512M", data_dir / "secantusd.log")
    uri = await database_server.start()
    client = connect(uri)
    server = None
    try:
        database = client[DATABASE]
        courses = await load(database, registrations, seed)
        statements = await database[store.STATEMENTS].estimated_document_count()
        server = LRSProcess(data_dir / "lrs", mongodb_uri=uri, database=DATABASE)
        rng = random.Random(seed)
        kinds = {
            "course (one, 5 AUs)": lambda: (
                lambda course: (
                    f"/cmi5/reports/courses/{course}",
                    lambda db: reports.course_report(db, course),
                )
            )(rng.choice(courses)["_id"]),
            "courses (all 10)": lambda: ("/cmi5/reports/courses", reports.courses_report),
            "learner": lambda: (
                lambda agent: (
                    f"/cmi5/reports/learners?{urlencode({'agent': json.dumps(agent)})}",
                    lambda db: reports.learner_report(db, agent),
                )
            )(learner(rng.randrange(registrations // 2))),
        }
        rows = []
        async with aiohttp.ClientSession() as session:
            for kind, make in kinds.items():
                http_ms, direct_ms = [], []
                for _ in range(repeat):
                    path, call = make()
                    http_ms.append(await timed(session, server.url + path))
                    started = time.perf_counter()
                    await call(database)
                    direct_ms.append((time.perf_counter() - started) * 1000)
                rows.append(
                    [
                        kind,
                        percentile(http_ms, 0.5),
                        percentile(http_ms, 0.95),
                        percentile(direct_ms, 0.5),
                        percentile(direct_ms, 0.95),
                    ]
                )
        registered = await database[cmi5_store.REGISTRATIONS].count_documents({})
        print(
            f"\ncmi5 reports on {statements:,} statements, {registered:,} registrations in {len(courses)} courses "
            f"(embedded database), {repeat} calls per kind"
        )
        print_table(["report", "HTTP p50 ms", "HTTP p95 ms", "direct p50 ms", "direct p95 ms"], rows)
        print(
            f"\nServer peak RSS: {server.peak_rss:,.0f} MB; embedded database RSS: "
            f"{rss_mb(database_server.process.pid):,.0f} MB"
        )
    finally:
        if server:
            server.stop()
        await client.close()
        await database_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registrations", type=int, default=26_200)
    parser.add_argument("--data-dir", type=Path, default=Path(".bench-reports"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.registrations, args.data_dir, args.repeat, args.seed))


if __name__ == "__main__":
    main()
