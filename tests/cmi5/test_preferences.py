"""Learner preferences (cmi5 11): read before initialized; written by the AU only well formed."""

from __future__ import annotations

import json

import pytest

from cmi5 import vocab
from tests.cmi5.conftest import AU, OTHER_LEARNER, au, course_xml

AU_ID = "https://example.com/aus/prefs"
GOOD = {"languagePreference": "fr-BE, en-US,zh-Hant-TW", "audioPreference": "off"}


@pytest.fixture
async def launched(lms):
    """An AU that fetched its token and read LMS.LaunchData, but not yet its learner's preferences."""
    course = await lms.import_course(course_xml(au(AU_ID)))
    registration = await lms.register(course["id"])
    session = AU(lms.client, await lms.launch(registration, AU_ID))
    session.token = (await session.fetch())["auth-token"]
    session.launch_data = await (await session.get_state(vocab.LAUNCH_DATA_STATE_ID)).json()
    return session


def preferences_path(session: AU, agent: dict | None = None) -> tuple[str, dict]:
    query = {"agent": json.dumps(agent or session.actor), "profileId": vocab.LEARNER_PREFERENCES_PROFILE_ID}
    return session.xapi_path("agents/profile"), query


async def test_initialized_is_refused_until_the_preferences_were_read(launched, lms):
    body = await launched.send(launched.initialized(), expect=403)
    assert body["detail"].startswith("cmi5 11.0: the AU must read the cmi5LearnerPreferences")
    status = await lms.status(launched.registration)
    assert status["aus"][0]["sessions"][0]["learnerPreferencesRead"] is False
    # There is no document yet: asking for it is what counts.
    assert (await launched.get_preferences()).status == 404
    await launched.send(launched.initialized())
    status = await lms.status(launched.registration)
    assert status["aus"][0]["sessions"][0]["learnerPreferencesRead"] is True


async def test_preferences_the_lms_wrote_are_what_the_au_reads(launched, xapi):
    path, query = preferences_path(launched)
    response = await xapi.put("/xapi/agents/profile", params=query, json=GOOD, headers={"If-None-Match": "*"})
    assert response.status == 204
    response = await launched.client.get(path, params=query, headers=launched.headers())
    assert await response.json() == GOOD


async def test_the_au_may_write_a_well_formed_preferences_document(launched):
    path, query = preferences_path(launched)
    response = await launched.client.put(
        path, params=query, json=GOOD, headers={**launched.headers(), "If-None-Match": "*"}
    )
    assert response.status == 204, await response.text()
    response = await launched.client.get(path, params=query, headers=launched.headers())
    assert await response.json() == GOOD


@pytest.mark.parametrize(
    "body, content_type, rule",
    [
        ("just some text", "text/plain", "11.0"),
        (json.dumps(GOOD), None, "11.0"),
        (json.dumps(["en-US", "on"]), "application/json", "11.0"),
        (json.dumps({"audioPreference": "on"}), "application/json", "needs languagePreference"),
        (json.dumps({"languagePreference": "en-US"}), "application/json", "needs audioPreference"),
        (json.dumps({**GOOD, "languagePreference": "not comma separated"}), "application/json", "11.1"),
        (json.dumps({**GOOD, "languagePreference": ""}), "application/json", "11.1"),
        (json.dumps({**GOOD, "audioPreference": "loud"}), "application/json", "11.2"),
    ],
    ids=[
        "not json",
        "no content type",
        "not an object",
        "no language",
        "no audio",
        "bad language",
        "empty language",
        "bad audio",
    ],
)
async def test_the_au_cannot_write_a_malformed_preferences_document(launched, xapi, body, content_type, rule):
    path, query = preferences_path(launched)
    headers = {**launched.headers(), "If-None-Match": "*"}
    if content_type:
        headers["Content-Type"] = content_type
    for method in ("PUT", "POST"):
        response = await launched.client.request(method, path, params=query, data=body.encode(), headers=headers)
        assert response.status == 403, await response.text()
        assert rule in (await response.json())["detail"]
    response = await xapi.get("/xapi/agents/profile", params=query)
    assert response.status == 404


async def test_the_au_cannot_delete_nor_use_another_learners_preferences(launched, xapi):
    path, query = preferences_path(launched)
    await xapi.put("/xapi/agents/profile", params=query, json=GOOD, headers={"If-None-Match": "*"})
    response = await launched.client.delete(path, params=query, headers=launched.headers())
    assert response.status == 403
    assert (await xapi.get("/xapi/agents/profile", params=query)).status == 200
    other_path, other_query = preferences_path(launched, OTHER_LEARNER)
    response = await launched.client.get(other_path, params=other_query, headers=launched.headers())
    assert response.status == 403
    # Without an agent it is not a cmi5 question but a bad xAPI request.
    response = await launched.client.get(path, params={"profileId": query["profileId"]}, headers=launched.headers())
    assert response.status == 400
