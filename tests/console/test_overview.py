"""The Overview's figures, kept at write time by the console's statement hook (console.rollups)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient

from console import rollups, store
from lrs.statements.service import format_timestamp
from tests.cmi5.conftest import au, course_xml
from tests.conftest import make_statement

NOW = datetime.now(UTC)


def at(**delta) -> str:
    return format_timestamp(NOW - timedelta(**delta))


def chart(page: str, name: str) -> dict:
    data = re.search(rf'<script type="application/json" id="chart-{name}-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(data)


def test_statements_count_under_their_timestamp_and_ingest_under_stored():
    pending = rollups.Pending()
    stored = "2024-05-02T10:30:15.000Z"
    rollups.add_statement(pending, {**make_statement(timestamp="2024-05-01T23:59:00Z"), "stored": stored})
    rollups.add_statement(pending, {**make_statement(timestamp="2030-01-01T00:00:00Z"), "stored": stored})  # future
    rollups.add_statement(pending, {**make_statement(timestamp="2024-05-02T01:00:00+02:00"), "stored": stored})
    assert pending.counts["day|2024-05-01"] == 2
    assert pending.counts["hour|2024-05-01T23"] == 2  # 01:00 at +02:00 is 23:00 UTC the day before
    assert pending.counts["hour|2024-05-02T10"] == 1  # a timestamp after stored counts at stored
    assert pending.counts["minute|2024-05-02T10:30"] == 3
    assert rollups.fields_of("verb|2024-05-01|http://x.example/v?a|b") == {
        "kind": "verb",
        "at": datetime(2024, 5, 1, tzinfo=UTC),
        "key": "http://x.example/v?a|b",
    }


async def test_the_overview_counts_by_hour_day_learner_verb_and_activity(admin_console, xapi):
    statements = [
        make_statement(timestamp=at(minutes=5)),
        make_statement(timestamp=at(minutes=6), actor={"mbox": "mailto:grace@example.com", "name": "Grace"}),
        make_statement(
            timestamp=at(days=3),
            verb={"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
            object={"id": "http://example.com/quiz", "definition": {"name": {"en-US": "The quiz"}}},
        ),
        make_statement(timestamp=at(days=40), actor={"mbox": "mailto:old@example.com"}),
    ]
    response = await xapi.post("/xapi/statements", json=statements)
    assert response.status == 200
    page = await admin_console.page("/console/")
    hours, days = chart(page, "hours"), chart(page, "days")
    assert len(hours["counts"]) == 48 and len(days["counts"]) == 30
    assert hours["counts"][-1] + hours["counts"][-2] == 2  # the last 5-6 minutes: this hour or the one before
    assert sum(days["counts"]) == 3 and days["counts"][-4] == 1  # three days ago; 40 days ago is left out
    assert days["labels"][-1] == NOW.strftime("%d %b")
    active = dict(re.findall(r"<h2>Active learners, ([^<]+)</h2><p class=\"figure\">(\d+)</p>", page))
    assert active == {"24 hours": "2", "7 days": "2", "30 days": "2"}
    assert re.search(r'title="http://adlnet.gov/expapi/verbs/experienced">experienced</span> <span class="n">2<', page)
    assert '>The quiz</a> <span class="n">1<' in page
    assert '<span id="ingest-rate">' in page and "4 stored this minute" in page


async def test_completions_and_passes_are_counted_per_course(admin_console, lms):
    course = await lms.import_course(course_xml(au("https://example.com/aus/a", moveOn="CompletedAndPassed")))
    for learner in ("one", "two"):
        registration = await lms.register(
            course["id"], {"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": learner}}
        )
        session = await lms.start(registration, "https://example.com/aus/a")
        await session.send(session.initialized(), session.completed())
        if learner == "one":
            await session.send(session.passed(0.9))
        else:
            await session.send(session.failed(0.2))
    page = await admin_console.page("/console/")
    row = re.search(rf'<td><a href="/console/courses/{course["id"]}">Geology</a></td>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["2", "1", "1"]  # completed, passed, failed
    registrations = await admin_console.page("/console/registrations")
    assert registrations.count('href="/console/registrations/') == 2


async def test_counts_still_waiting_are_written_when_the_server_stops(client, xapi, settings):
    await xapi.post("/xapi/statements", json=[make_statement(timestamp=at(minutes=1))] * 1)
    await client.close()  # the cleanup flushes what the background task had not written yet
    database = AsyncMongoClient(settings.mongodb_uri, tz_aware=True)[settings.database]
    days = await database[store.COUNTS].find({"kind": store.DAY}).to_list()
    await database.client.close()
    assert sum(d["n"] for d in days) == 1


def test_backfilled_statements_cost_no_counters_and_last_activity_is_written_seldom():
    pending = rollups.Pending()
    stored = "2024-05-02T10:30:15.000Z"
    rollups.add_statement(pending, {**make_statement(timestamp="2023-01-01T00:00:00Z"), "stored": stored})
    assert set(pending.counts) == {"minute|2024-05-02T10:30"}  # only ingest: older than every chart
    assert pending.learners["mbox:mailto:learner@example.com"][1] == "2023-01-01T00:00:00Z"
    keeper = rollups.Rollups()
    assert keeper.due("learner|a", "2024-05-02T10:00:00.000Z")
    assert not keeper.due("learner|a", "2024-05-02T10:04:00.000Z")
    assert keeper.due("learner|a", "2024-05-02T10:05:00.000Z")


async def test_only_launched_cmi5_registrations_are_listed(admin_console, xapi, lms):
    course = await lms.import_course(course_xml(au("https://example.com/aus/a")))
    registration = await lms.register(course["id"])
    await lms.launch(registration, "https://example.com/aus/a")
    # Any client may name any registration, even in cmi5-looking statements; the console lists
    # those that cmi5 launched.
    await xapi.post(
        "/xapi/statements",
        json=[
            make_statement(
                context={
                    "registration": "5e0c2bb5-4f3c-4e5f-9a4d-1c8b9f7e6d5a",
                    "contextActivities": {"category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}]},
                }
            )
        ],
    )
    page = await admin_console.page("/console/registrations")
    assert re.findall(r'href="/console/registrations/([0-9a-f-]{36})"', page) == [registration]
