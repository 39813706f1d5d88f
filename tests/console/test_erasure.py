"""Erasing a person also takes them out of the console: the Learners and Registrations lists keep
their name and identifier, in the database and in counts not written yet."""

from __future__ import annotations

import re

from bson import json_util

from tests.cmi5.conftest import au, course_xml
from tests.conftest import make_statement

# cmi5 learners are known by an account (cmi5 9.2).
ADA = {
    "objectType": "Agent",
    "name": "Ada Lovelace",
    "account": {"homePage": "https://lms.example.com", "name": "ada-7"},
}
BOB = {"objectType": "Agent", "name": "Bob", "mbox": "mailto:bob@example.com"}
REGISTRATION_LINK = re.compile(r'href="/console/registrations/([0-9a-f-]{36})"')


async def assert_nothing_of_ada(database) -> None:
    for collection in await database.list_collection_names():
        dump = json_util.dumps(await database[collection].find().to_list())
        assert "ada-7" not in dump and "Ada Lovelace" not in dump, collection


async def test_erased_learner_leaves_the_console_lists(admin_console, xapi, lms, database):
    course = await lms.import_course(course_xml(au("https://example.com/aus/a")))
    registration = await lms.register(course["id"], actor=ADA)
    await lms.launch(registration, "https://example.com/aus/a")
    await xapi.post(
        "/xapi/statements",
        json=[
            make_statement(actor=BOB),
            make_statement(
                actor={"objectType": "Group", "name": "Team", "mbox": "mailto:team@example.com", "member": [ADA, BOB]}
            ),
        ],
    )
    assert "Ada Lovelace" in await admin_console.page("/console/learners")
    assert REGISTRATION_LINK.findall(await admin_console.page("/console/registrations")) == [registration]
    await admin_console.page("/console/learner?key=account%3Ahttps%3A%2F%2Flms.example.com%20ada-7")

    response = await xapi.post("/admin/erasures", json={"agent": ADA, "dryRun": True})
    counts = (await response.json())["counts"]
    assert counts["consoleLearnersDeleted"] == 2 and counts["consoleRegistrationsDeleted"] == 1
    response = await xapi.post("/admin/erasures", json={"agent": ADA})
    assert response.status == 201

    learners = await admin_console.page("/console/learners")
    assert "Ada Lovelace" not in learners and "Bob" in learners
    assert REGISTRATION_LINK.findall(await admin_console.page("/console/registrations")) == []
    await admin_console.page("/console/learner?key=account%3Ahttps%3A%2F%2Flms.example.com%20ada-7", expect=404)
    await assert_nothing_of_ada(database)


async def test_counts_not_written_yet_are_dropped(admin_console, xapi, database):
    # Stored and counted in memory; the erasure comes before the next flush of the rollups.
    await xapi.post("/xapi/statements", json=[make_statement(actor=ADA), make_statement(actor=BOB)])
    assert (await xapi.post("/admin/erasures", json={"agent": ADA})).status == 201
    learners = await admin_console.page("/console/learners")  # flushes this process's counts first
    assert "Ada Lovelace" not in learners and "Bob" in learners
    await assert_nothing_of_ada(database)
