"""Erasing a learner also erases their cmi5 registrations, sessions and launch data."""

from __future__ import annotations

from cmi5 import store
from tests.cmi5.conftest import LEARNER, OTHER_LEARNER, au, au_ids, course_xml


async def test_erasure_takes_the_learners_registrations_and_sessions(lms, xapi, database):
    [au_id] = au_ids(1)
    course = await lms.import_course(course_xml(au(au_id)))
    mine = await lms.register(course["id"], LEARNER)
    other = await lms.register(course["id"], OTHER_LEARNER)
    session = await lms.start(mine, au_id)
    await session.send(session.initialized(), session.completed())
    await lms.start(other, au_id)

    dry = await (await xapi.post("/admin/erasures", json={"agent": LEARNER, "dryRun": True})).json()
    assert dry["counts"]["cmi5RegistrationsDeleted"] == 1 and dry["counts"]["cmi5SessionsDeleted"] == 1
    assert dry["counts"]["documentsDeleted"] == 1  # the session's LMS.LaunchData

    done = await (await xapi.post("/admin/erasures", json={"agent": LEARNER})).json()
    assert done["counts"]["cmi5RegistrationsDeleted"] == 1 and done["counts"]["statementsDeleted"] >= 3
    assert (await xapi.get(f"/cmi5/registrations/{mine}")).status == 404
    assert await database[store.SESSIONS].count_documents({"registration": mine}) == 0
    assert (await lms.status(other))["registration"] == other
    assert await lms.statements(registration=mine) == []
