"""/xapi/activities: the canonical Activity object (Communication 2.5)."""

from __future__ import annotations

import copy

from tests.conftest import make_statement

URL = "/xapi/activities"
MEETING = {
    "objectType": "Activity",
    "id": "http://example.com/meetings/1",
    "definition": {
        "type": "http://adlnet.gov/expapi/activities/meeting",
        "name": {"en-US": "example meeting"},
        "description": {"en-US": "A meeting"},
        "moreInfo": "http://example.com/more",
        "extensions": {"http://example.com/ext/location": "X:\\minutes.one"},
    },
}


async def test_get_returns_the_complete_activity_object(xapi):
    assert (await xapi.post("/xapi/statements", json=make_statement(object=MEETING))).status == 200
    response = await xapi.get(URL, params={"activityId": MEETING["id"]})
    assert response.status == 200
    assert await response.json() == MEETING


async def test_definitions_of_several_statements_are_merged_by_language(xapi):
    french = copy.deepcopy(MEETING)
    french["definition"]["name"] = {"fr-FR": "réunion"}
    statements = [make_statement(object=MEETING), make_statement(object=french)]
    assert (await xapi.post("/xapi/statements", json=statements)).status == 200
    activity = await (await xapi.get(URL, params={"activityId": MEETING["id"]})).json()
    assert activity["definition"]["name"] == {"en-US": "example meeting", "fr-FR": "réunion"}


async def test_unknown_activity_still_gives_an_activity_object(xapi):
    response = await xapi.get(URL, params={"activityId": "http://example.com/unknown"})
    assert await response.json() == {"objectType": "Activity", "id": "http://example.com/unknown"}


async def test_missing_or_invalid_activity_id_is_400(xapi):
    assert (await xapi.get(URL)).status == 400
    assert (await xapi.get(URL, params={"activityId": "not an iri"})).status == 400


async def test_head_has_no_body(xapi):
    response = await xapi.head(URL, params={"activityId": "http://example.com/unknown"})
    assert response.status == 200
    assert await response.read() == b""
