"""A whole AU lifecycle over HTTP: import, register, launch, fetch, statements, satisfied; relaunch."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

from cmi5 import vocab
from cmi5.sessions import MAX_TEXT_LENGTH
from tests.cmi5.conftest import AU, LEARNER, au, course_xml

AU_ID = "https://example.com/aus/intro"


async def one_au_course(lms, **attributes) -> dict:
    attributes.setdefault("moveOn", "CompletedAndPassed")
    return await lms.import_course(
        course_xml(au(AU_ID, url="https://content.example.com/intro.html?lang=en", **attributes))
    )


async def test_full_lifecycle_ends_with_course_satisfied(lms):
    course = await one_au_course(lms, masteryScore="0.8")
    registration = await lms.register(course["id"])
    session = await lms.start(registration, AU_ID)
    await session.send(session.initialized())
    await session.send(session.completed())
    await session.send(session.passed(scaled=0.9))
    await session.send(session.terminated())

    assert await lms.verbs(registration) == [
        "launched",
        "initialized",
        "completed",
        "passed",
        "satisfied",
        "terminated",
    ]
    statements = await lms.statements(registration=registration)
    satisfied = statements[4]
    assert satisfied["object"]["id"] == course["activityId"]
    assert satisfied["object"]["definition"]["type"] == vocab.TYPE_COURSE
    assert satisfied["context"]["extensions"][vocab.EXT_SESSION_ID] == session.session
    assert satisfied["context"]["contextActivities"]["grouping"][0]["id"] == course["publisherId"]
    status = await lms.status(registration)
    assert status["satisfied"] is True
    [au_status] = status["aus"]
    assert (au_status["completed"], au_status["passed"], au_status["satisfied"]) == (True, True, True)
    assert [s["status"] for s in au_status["sessions"]] == ["terminated"]


async def test_launch_url_has_cmi5_parameters_merged_with_the_au_query(lms):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    launch = await lms.launch(registration, AU_ID)
    parts = urlsplit(launch["url"])
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://content.example.com/intro.html"
    query = parse_qs(parts.query)
    assert query["lang"] == ["en"]
    assert query["registration"] == [registration]
    assert query["activityId"] == [course["aus"][0]["activityId"]]
    assert query["activityId"] != [AU_ID]
    # No trailing slash: AU libraries append "/statements" (and those that add a missing "/" first
    # are served too; a doubled slash would be, see tests/lrs/http/test_protocol.py).
    assert query["endpoint"] == [str(lms.client.make_url("/xapi"))]
    assert "/cmi5/fetch/" in query["fetch"][0]
    assert json.loads(query["actor"][0]) == LEARNER


async def test_activity_id_is_stable_across_launches(lms):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    first = AU(lms.client, await lms.launch(registration, AU_ID))
    second = AU(lms.client, await lms.launch(registration, AU_ID))
    assert first.activity_id == second.activity_id
    assert first.session != second.session


async def test_launched_statement_carries_the_launch_context(lms):
    course = await one_au_course(lms, masteryScore="0.75")
    registration = await lms.register(course["id"])
    session = await lms.start(registration, AU_ID, launchMode="Browse", returnURL="https://lms.example.com/back")
    [launched] = await lms.statements(registration=registration)
    extensions = launched["context"]["extensions"]
    assert launched["verb"]["id"] == vocab.LAUNCHED
    assert extensions[vocab.EXT_SESSION_ID] == session.session
    assert extensions[vocab.EXT_LAUNCH_MODE] == "Browse"
    assert extensions[vocab.EXT_MOVE_ON] == "CompletedAndPassed"
    assert extensions[vocab.EXT_MASTERY_SCORE] == 0.75
    assert extensions[vocab.EXT_LAUNCH_URL] == "https://content.example.com/intro.html?lang=en"
    assert [a["id"] for a in launched["context"]["contextActivities"]["category"]] == [vocab.CATEGORY_CMI5]
    assert [a["id"] for a in launched["context"]["contextActivities"]["grouping"]] == [AU_ID]


async def test_launch_data_document_is_written_before_launch(lms):
    course = await one_au_course(lms, masteryScore="0.75", launchMethod="OwnWindow")
    registration = await lms.register(course["id"])
    session = await lms.start(registration, AU_ID, returnURL="https://lms.example.com/back")
    data = session.launch_data
    assert data["launchMode"] == "Normal"
    assert data["moveOn"] == "CompletedAndPassed"
    assert data["masteryScore"] == 0.75
    assert data["returnURL"] == "https://lms.example.com/back"
    assert data["contextTemplate"]["extensions"][vocab.EXT_SESSION_ID] == session.session
    assert data["contextTemplate"]["contextActivities"]["grouping"][0]["id"] == AU_ID
    assert session.launch["launchMethod"] == "OwnWindow"


async def test_relaunch_abandons_the_open_session_with_its_duration(lms):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    first = await lms.start(registration, AU_ID)
    await first.send(first.initialized())
    second = await lms.start(registration, AU_ID)
    verbs = await lms.verbs(registration)
    assert verbs == ["launched", "initialized", "abandoned", "launched"]
    abandoned = (await lms.statements(registration=registration))[2]
    assert abandoned["context"]["extensions"][vocab.EXT_SESSION_ID] == first.session
    assert abandoned["result"]["duration"].startswith("PT")
    body = await first.send(first.statement(vocab.COMPLETED, {"completion": True, "duration": "PT1S"}), expect=403)
    assert "abandoned" in body["detail"]
    await second.send(second.initialized())
    status = await lms.status(registration)
    assert [s["status"] for s in status["aus"][0]["sessions"]] == ["abandoned", "initialized"]


async def test_relaunch_after_terminated_does_not_abandon(lms):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    first = await lms.start(registration, AU_ID)
    await first.send(first.initialized())
    await first.send(first.terminated())
    await lms.start(registration, AU_ID)
    assert "abandoned" not in await lms.verbs(registration)


async def test_abandon_action_abandons_the_open_session_once(lms, xapi):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    session = await lms.start(registration, AU_ID)
    response = await xapi.post(f"/cmi5/registrations/{registration}/abandon", json={"au": AU_ID})
    assert response.status == 200, await response.text()
    assert (await response.json())["session"] == session.session
    response = await xapi.post(f"/cmi5/registrations/{registration}/abandon", json={"au": AU_ID})
    assert response.status == 409
    assert (await lms.verbs(registration)).count("abandoned") == 1


async def test_second_fetch_gets_error_code_1(lms):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    session = AU(lms.client, await lms.launch(registration, AU_ID))
    first = await session.fetch()
    assert set(first) == {"auth-token"}
    second = await session.fetch()
    assert second["error-code"] == "1"
    assert second["error-text"]


async def test_unknown_fetch_url_gets_error_code_2(lms):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    session = AU(lms.client, await lms.launch(registration, AU_ID))
    session.fetch_url = session.fetch_url[:-4] + "AAAA"
    assert (await session.fetch())["error-code"] == "2"
    response = await lms.client.post("/cmi5/fetch/00000000-0000-0000-0000-000000000000/nothing")
    assert response.status == 200
    assert (await response.json())["error-code"] == "2"


async def test_fetch_is_post_only_and_answers_any_origin(lms):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    session = AU(lms.client, await lms.launch(registration, AU_ID))
    response = await lms.client.get(session.path(session.fetch_url))
    assert response.status == 405
    response = await lms.client.options(
        session.path(session.fetch_url),
        headers={
            "Origin": "null",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    response = await lms.client.post(session.path(session.fetch_url), headers={"Origin": "null"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "auth-token" in await response.json()


async def test_concurrent_fetches_give_one_token(lms):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    session = AU(lms.client, await lms.launch(registration, AU_ID))
    answers = await asyncio.gather(*(session.fetch() for _ in range(8)))
    assert sum("auth-token" in a for a in answers) == 1
    assert all(a.get("error-code") == "1" for a in answers if "auth-token" not in a)


async def test_fetch_after_session_ended_gets_error_code_1(lms):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    session = AU(lms.client, await lms.launch(registration, AU_ID))
    await lms.launch(registration, AU_ID)  # abandons the first, never fetched
    assert (await session.fetch())["error-code"] == "1"


async def test_launch_of_unknown_au_or_registration_is_404(lms):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    await lms.launch(registration, "https://example.com/aus/nope", expect=404)
    await lms.launch("0d6a5c2e-9d6e-4a4e-8f4e-3b1c2a9e7f10", AU_ID, expect=404)
    await lms.launch(registration, AU_ID, expect=400, launchMode="Fast")


async def test_overlong_return_url_and_waiver_reason_are_400s_that_change_nothing(lms):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    too_long = "https://lms.example.com/" + "a" * MAX_TEXT_LENGTH
    body = await lms.launch(registration, AU_ID, expect=400, returnURL=too_long)
    assert body["detail"].startswith("returnURL:")
    body = await lms.waive(registration, AU_ID, reason="x" * (MAX_TEXT_LENGTH + 1), expect=400)
    assert body["detail"].startswith("reason:")
    assert await lms.verbs(registration) == []
    [status] = (await lms.status(registration))["aus"]
    assert (status["sessions"], status["waived"]) == ([], False)


async def test_lms_api_bodies_are_checked_field_by_field(lms, xapi):
    course = await one_au_course(lms)
    registration = await lms.register(course["id"])
    for path, body, problem in [
        ("/cmi5/registrations", [course["id"]], "the body must be a JSON object"),
        ("/cmi5/registrations", {"course": course["id"], "actor": LEARNER, "au": AU_ID}, "unknown field 'au'"),
        ("/cmi5/registrations", {"course": [course["id"]], "actor": LEARNER}, "course: must be a course id"),
        (f"/cmi5/registrations/{registration}/launch", {"launchMode": "Normal"}, "field 'au' is required"),
        (f"/cmi5/registrations/{registration}/launch", {"au": AU_ID, "returnURL": 5}, "returnURL: must be a URL"),
        (f"/cmi5/registrations/{registration}/launch", {"au": AU_ID, "returnURL": " "}, "returnURL: must be a URL"),
        (
            f"/cmi5/registrations/{registration}/waive",
            {"au": AU_ID, "reason": " "},
            "reason: must be a non-empty string",
        ),
        (f"/cmi5/registrations/{registration}/waive", {"au": AU_ID}, "field 'reason' is required"),
        (f"/cmi5/registrations/{registration}/abandon", {"au": AU_ID, "reason": "x"}, "unknown field 'reason'"),
    ]:
        response = await xapi.post(path, json=body)
        assert response.status == 400, (path, body)
        assert (await response.json())["detail"].startswith(problem), (path, body)
    response = await xapi.post("/cmi5/registrations", data=b'{"course": ', headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert await lms.verbs(registration) == []


async def test_launch_parameters_and_entitlement_key_reach_the_au(lms):
    inner = "<launchParameters>level=2</launchParameters><entitlementKey>key-7</entitlementKey>"
    course = await one_au_course(lms, inner=inner)
    registration = await lms.register(course["id"])
    session = await lms.start(registration, AU_ID)
    assert session.launch_data["launchParameters"] == "level=2"
    assert session.launch_data["entitlementKey"] == {"courseStructure": "key-7"}
    [launched] = await lms.statements(registration=registration)
    assert launched["context"]["extensions"][vocab.EXT_LAUNCH_PARAMETERS] == "level=2"
