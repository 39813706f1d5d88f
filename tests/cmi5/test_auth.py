"""What a launch token may do: its own actor, registration and AU only; it ends with its session."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from cmi5 import store, vocab
from lrs.keys import database_key
from tests.cmi5.conftest import OTHER_LEARNER, au, course_xml
from tests.conftest import make_statement

AU_ID = "https://example.com/aus/one"
OTHER_AU_ID = "https://example.com/aus/two"


@pytest.fixture
async def two(lms):
    """Two started sessions: the learner's on AU one, another learner's on the same AU."""
    course = await lms.import_course(course_xml(au(AU_ID), au(OTHER_AU_ID)))
    mine = await lms.start(await lms.register(course["id"]), AU_ID)
    theirs = await lms.start(await lms.register(course["id"], OTHER_LEARNER), AU_ID)
    await mine.send(mine.initialized())
    await theirs.send(theirs.initialized())
    return mine, theirs


def statement_for(session, registration: str) -> dict:
    statement = session.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False)
    statement["context"]["registration"] = registration
    return statement


async def test_token_cannot_write_another_registrations_statements(two, lms):
    mine, theirs = two
    body = await mine.send(statement_for(mine, theirs.registration), expect=403)
    assert "registration" in body["detail"]
    foreign = mine.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False, actor=theirs.actor)
    assert "actor" in (await mine.send(foreign, expect=403))["detail"]
    assert (
        await lms.statements(registration=theirs.registration, verb="http://adlnet.gov/expapi/verbs/experienced") == []
    )


async def test_token_sends_cmi5_allowed_statements_about_any_activity_with_its_context_template(two, lms):
    # As the ADL/Rustici sample courses (CATAPULT's course_examples) do: slides and questions under
    # the AU's id, a video by an id of its own; cmi5 7.1.3 limits the verb and context, not the object.
    mine, _ = two
    objects = [
        {"objectType": "Activity", "id": mine.activity_id + "/slide/0"},
        {"objectType": "Activity", "id": "https://example.com/vid/id1924"},
    ]
    sent = [mine.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False, object=o) for o in objects]
    await mine.send(*sent)
    stored = await lms.statements(registration=mine.registration, verb="http://adlnet.gov/expapi/verbs/experienced")
    assert [s["object"]["id"] for s in stored] == [o["id"] for o in objects]
    without_template = mine.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False, object=objects[1])
    del without_template["context"]["contextActivities"]["grouping"]
    assert (await mine.send(without_template, expect=403))["detail"].startswith("cmi5 9.6.2")


async def test_token_cannot_void(two):
    mine, _ = two
    [first] = await mine.send(mine.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False))
    voiding = mine.statement(vocab.VOIDED, defined=False, object={"objectType": "StatementRef", "id": first})
    voiding["verb"] = {"id": vocab.VOIDED, "display": {"en-US": "voided"}}
    assert "void" in (await mine.send(voiding, expect=403))["detail"]


async def test_token_reads_only_its_own_statements(two):
    mine, theirs = two
    response = await mine.client.get(mine.xapi_path("statements"), headers=mine.headers())
    body = await response.json()
    assert response.status == 200
    assert {s["context"]["registration"] for s in body["statements"]} == {mine.registration}
    response = await mine.client.get(
        mine.xapi_path("statements"), params={"registration": theirs.registration}, headers=mine.headers()
    )
    assert (await response.json())["statements"] == []


async def test_launch_data_is_readable_but_never_writable(two):
    mine, _ = two
    response = await mine.get_state(vocab.LAUNCH_DATA_STATE_ID)
    assert response.status == 200
    for method in ("PUT", "POST", "DELETE"):
        response = await mine.client.request(
            method,
            mine.xapi_path("activities/state"),
            headers=mine.headers(),
            params=state_params(mine, stateId=vocab.LAUNCH_DATA_STATE_ID),
            json={"launchMode": "Browse"},
        )
        assert response.status == 403, method
        assert vocab.LAUNCH_DATA_STATE_ID in (await response.json())["detail"]
    response = await mine.client.delete(
        mine.xapi_path("activities/state"), headers=mine.headers(), params=state_params(mine)
    )
    assert response.status == 403
    assert (await (await mine.get_state(vocab.LAUNCH_DATA_STATE_ID)).json())["launchMode"] == "Normal"


def state_params(session, **overrides) -> dict:
    return {
        "activityId": session.activity_id,
        "agent": json.dumps(session.actor),
        "registration": session.registration,
        **overrides,
    }


async def test_token_uses_its_own_state_and_no_one_elses(two):
    mine, theirs = two
    response = await mine.client.put(
        mine.xapi_path("activities/state"),
        headers=mine.headers(),
        params=state_params(mine, stateId="bookmark"),
        json={"page": 3},
    )
    assert response.status == 204
    assert (await (await mine.get_state("bookmark")).json()) == {"page": 3}
    for params in (
        state_params(theirs, stateId="bookmark"),
        state_params(mine, stateId="bookmark", registration=theirs.registration),
        state_params(mine, stateId="bookmark", agent=json.dumps(theirs.actor)),
    ):
        response = await mine.client.put(
            mine.xapi_path("activities/state"), headers=mine.headers(), params=params, json={"page": 1}
        )
        assert response.status == 403, params
    response = await mine.client.get(
        mine.xapi_path("activities/state"),
        headers=mine.headers(),
        params=state_params(theirs, stateId=vocab.LAUNCH_DATA_STATE_ID),
    )
    assert response.status == 403


async def test_token_uses_the_learner_preferences_profile_only(two):
    mine, theirs = two
    path = mine.xapi_path("agents/profile")
    preferences = {"languagePreference": "fr-FR,en-US", "audioPreference": "off"}
    response = await mine.client.put(
        path,
        headers={**mine.headers(), "If-None-Match": "*"},
        json=preferences,
        params={"agent": json.dumps(mine.actor), "profileId": vocab.LEARNER_PREFERENCES_PROFILE_ID},
    )
    assert response.status == 204, await response.text()
    response = await mine.client.get(
        path,
        headers=mine.headers(),
        params={"agent": json.dumps(mine.actor), "profileId": vocab.LEARNER_PREFERENCES_PROFILE_ID},
    )
    assert await response.json() == preferences
    for params in (
        {"agent": json.dumps(mine.actor), "profileId": "secrets"},
        {"agent": json.dumps(theirs.actor), "profileId": vocab.LEARNER_PREFERENCES_PROFILE_ID},
    ):
        response = await mine.client.get(path, headers=mine.headers(), params=params)
        assert response.status == 403, params


async def test_token_cannot_use_the_lms_api(two):
    mine, _ = two
    response = await mine.client.get("/cmi5/courses", headers=mine.headers())
    assert response.status == 401
    response = await mine.client.post(
        f"/cmi5/registrations/{mine.registration}/waive",
        headers=mine.headers(),
        json={"au": AU_ID, "reason": "Administrative"},
    )
    assert response.status == 401


async def test_token_is_refused_once_its_session_ended(two, client):
    mine, _ = two
    await mine.send(mine.terminated())
    # Within the grace after "terminated" the AU hears which rule it broke...
    late = mine.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False)
    late["timestamp"] = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    assert "9.3.8" in (await mine.send(late, expect=403))["detail"]
    # ...after it, the token no longer authenticates.
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    await client.app[database_key][store.SESSIONS].update_one(
        {"_id": mine.session}, {"$set": {f"{store.STATE}.terminated_received": long_ago}}
    )
    response = await mine.client.get(mine.xapi_path("statements"), headers=mine.headers())
    assert response.status == 401
    response = await mine.get_state(vocab.LAUNCH_DATA_STATE_ID)
    assert response.status == 401


async def test_admin_credentials_are_not_judged_by_session_rules(two, xapi):
    mine, _ = two
    statement = make_statement()
    statement["context"] = {"registration": mine.registration}
    response = await xapi.post("/xapi/statements", json=statement)
    assert response.status == 200


async def test_token_uses_the_activity_profile_of_its_own_au_only(two):
    mine, _ = two
    path = mine.xapi_path("activities/profile")
    own = {"activityId": mine.activity_id, "profileId": "glossary"}
    response = await mine.client.put(
        path, headers={**mine.headers(), "If-None-Match": "*"}, params=own, json={"terms": 12}
    )
    assert response.status == 204, await response.text()
    assert await (await mine.client.get(path, headers=mine.headers(), params=own)).json() == {"terms": 12}
    response = await mine.client.get(
        path, headers=mine.headers(), params={"activityId": mine.activity_id + "/page-2", "profileId": "glossary"}
    )
    assert response.status == 403


async def test_token_stops_authenticating_a_day_after_launch(two, client):
    mine, _ = two
    launched_long_ago = datetime.now(UTC) - timedelta(hours=25)
    await client.app[database_key][store.SESSIONS].update_one(
        {"_id": mine.session}, {"$set": {"launched_at": launched_long_ago}}
    )
    response = await mine.client.get(mine.xapi_path("statements"), headers=mine.headers())
    assert response.status == 401
