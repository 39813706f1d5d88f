"""What an LMS integrator does beyond import and launch: its own registration ids, sessions by
id, reports, and deleting courses and registrations (statements stay)."""

from __future__ import annotations

import uuid

from cmi5 import vocab
from tests.cmi5.conftest import AU, LEARNER, OTHER_LEARNER, au, course_xml, make_zip

AU_ID = "https://example.com/aus/api"
COURSE = course_xml(au(AU_ID, moveOn="Completed"))


async def test_lms_supplies_its_own_registration_id(lms, xapi):
    course = await lms.import_course(COURSE)
    other_course = await lms.import_course(COURSE)
    mine = str(uuid.uuid4())
    response = await xapi.post(
        "/cmi5/registrations", json={"course": course["id"], "actor": LEARNER, "registration": mine.upper()}
    )
    assert response.status == 201
    assert (await response.json())["registration"] == mine
    # The same again (an LMS retrying) is the same registration, answered 200.
    response = await xapi.post(
        "/cmi5/registrations", json={"course": course["id"], "actor": LEARNER, "registration": mine}
    )
    assert response.status == 200
    assert (await response.json())["registration"] == mine
    for body in ({"course": other_course["id"], "actor": LEARNER}, {"course": course["id"], "actor": OTHER_LEARNER}):
        response = await xapi.post("/cmi5/registrations", json={**body, "registration": mine})
        assert response.status == 409, body
        assert "another course or learner" in (await response.json())["detail"]
    for bad in ("not-a-uuid", 12, f"{{{mine}}}", mine.replace("-", "")):
        response = await xapi.post(
            "/cmi5/registrations", json={"course": course["id"], "actor": LEARNER, "registration": bad}
        )
        assert response.status == 400, bad
    session = await lms.start(mine, AU_ID)
    assert session.registration == mine
    await session.send(session.initialized())
    assert await lms.verbs(mine) == ["launched", "initialized"]


async def test_session_is_abandoned_by_the_id_its_launch_returned(lms, xapi):
    course = await lms.import_course(COURSE)
    registration = await lms.register(course["id"])
    session = await lms.start(registration, AU_ID)
    await session.send(session.initialized())
    response = await xapi.post(f"/cmi5/sessions/{session.session}/abandon")
    assert response.status == 200
    assert await response.json() == {
        "session": session.session,
        "status": "abandoned",
        "registration": registration,
        "au": AU_ID,
    }
    abandoned = (await lms.statements(registration=registration, verb=vocab.ABANDONED))[0]
    assert abandoned["context"]["extensions"][vocab.EXT_SESSION_ID] == session.session
    # Once only; then the AU's statements are refused.
    assert (await xapi.post(f"/cmi5/sessions/{session.session}/abandon", json={})).status == 409
    body = await session.send(session.completed(), expect=403)
    assert "9.3.6" in body["detail"]
    assert (await xapi.post(f"/cmi5/sessions/{uuid.uuid4()}/abandon")).status == 404
    assert (await xapi.post("/cmi5/sessions/nonsense/abandon")).status == 404
    response = await xapi.post(f"/cmi5/sessions/{session.session}/abandon", json={"au": AU_ID})
    assert response.status == 400


async def test_sessions_report_whether_the_token_was_fetched(lms, xapi):
    course = await lms.import_course(COURSE)
    registration = await lms.register(course["id"])
    launch = await lms.launch(registration, AU_ID)

    async def reported() -> tuple[dict, dict]:
        listed = (await lms.status(registration))["aus"][0]["sessions"][0]
        one = await (await xapi.get(f"/cmi5/sessions/{launch['session']}")).json()
        return listed, one

    listed, one = await reported()
    assert listed["tokenFetched"] is False and one["tokenFetched"] is False and one["fetchedAt"] is None
    await AU(lms.client, launch).start()
    listed, one = await reported()
    assert listed["tokenFetched"] is True and one["tokenFetched"] is True and one["fetchedAt"]
    assert one["learnerPreferencesRead"] is True
    assert (one["registration"], one["au"], one["course"], one["status"]) == (
        registration,
        AU_ID,
        course["id"],
        "launched",
    )
    assert (await xapi.get(f"/cmi5/sessions/{uuid.uuid4()}")).status == 404


async def test_deleting_a_registration_abandons_its_open_session_and_keeps_its_statements(lms, xapi):
    course = await lms.import_course(COURSE)
    registration = await lms.register(course["id"])
    kept = await lms.register(course["id"], OTHER_LEARNER)
    session = await lms.start(registration, AU_ID)
    await session.send(session.initialized())
    response = await xapi.delete(f"/cmi5/registrations/{registration}")
    assert response.status == 200
    assert await response.json() == {
        "registration": registration,
        "abandonedSessions": 1,
        "deletedSessions": 1,
        "statementsKept": True,
    }
    assert await lms.verbs(registration) == ["launched", "initialized", "abandoned"]
    assert (await xapi.get(f"/cmi5/registrations/{registration}")).status == 404
    assert (await xapi.delete(f"/cmi5/registrations/{registration}")).status == 404
    # The launch token died with its session.
    response = await session.client.get(session.xapi_path("statements"), headers=session.headers())
    assert response.status == 401
    assert (await xapi.get(f"/cmi5/registrations/{kept}")).status == 200


async def test_deleting_a_course_removes_its_records_and_content_but_no_statement(lms, xapi, database):
    package = make_zip(
        {
            "cmi5.xml": course_xml(au(AU_ID, url="au/index.html", moveOn="Completed")),
            "au/index.html": b"<!doctype html><title>AU</title>",
        }
    )
    course = await lms.import_course(package, "application/zip")
    other = await lms.import_course(package, "application/zip")
    first = await lms.register(course["id"])
    second = await lms.register(course["id"], OTHER_LEARNER)
    elsewhere = await lms.register(other["id"])
    session = await lms.start(first, AU_ID)
    await session.send(session.initialized(), session.completed(), session.terminated())
    await lms.start(second, AU_ID)
    await lms.launch(elsewhere, AU_ID)
    response = await xapi.delete(f"/cmi5/courses/{course['id']}")
    assert response.status == 200
    assert await response.json() == {
        "course": course["id"],
        "deletedRegistrations": 2,
        "abandonedSessions": 1,
        "deletedSessions": 2,
        "deletedFiles": 2,
        "statementsKept": True,
    }
    assert (await xapi.get(f"/cmi5/courses/{course['id']}")).status == 404
    assert (await lms.client.get(f"/cmi5/content/{course['id']}/au/index.html")).status == 404
    for registration in (first, second):
        assert (await xapi.get(f"/cmi5/registrations/{registration}")).status == 404
    assert await lms.verbs(first) == ["launched", "initialized", "completed", "terminated", "satisfied"]
    assert await lms.verbs(second) == ["launched", "abandoned"]
    # The files' chunks went with them; the other course's content is untouched.
    assert await database["cmi5_content.files"].count_documents({}) == 2
    assert await database["cmi5_content.chunks"].count_documents({}) == 2
    assert (await lms.client.get(f"/cmi5/content/{other['id']}/au/index.html")).status == 200
    assert (await lms.status(elsewhere))["aus"][0]["sessions"][0]["status"] == "launched"
    assert (await xapi.delete(f"/cmi5/courses/{course['id']}")).status == 404
