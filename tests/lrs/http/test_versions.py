"""xAPI 1.0.3 and 2.0 from one endpoint: version negotiation and what differs per request version."""

from __future__ import annotations

import json
import uuid
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

import pytest
from dateutil.parser import isoparse

from lrs.http.versioning import LastVersions
from lrs.versions import XAPI_1_0_3, XAPI_2_0_0
from tests.conftest import ADMIN_AUTH, basic, make_statement
from tests.lrs.http.test_attachments import post_signed, rsa_key

VERSION = "X-Experience-API-Version"
MENTOR = {"objectType": "Agent", "mbox": "mailto:mentor@example.com", "name": "Mentor"}
PEER = {"objectType": "Agent", "mbox": "mailto:peer@example.com"}
TEAM = {"objectType": "Group", "name": "Team", "mbox": "mailto:team@example.com"}
CREW = {"objectType": "Group", "member": [PEER]}
MENTORING = "https://example.com/relevant-types/mentor"
CONTEXT_2_0 = {
    "contextAgents": [{"objectType": "contextAgent", "agent": MENTOR, "relevantTypes": [MENTORING]}],
    "contextGroups": [
        {"objectType": "contextGroup", "group": TEAM},
        {"objectType": "contextGroup", "group": CREW, "relevantTypes": [MENTORING]},
    ],
}


async def store(xapi, statement: dict) -> str:
    response = await xapi.post("/xapi/statements", json=statement)
    assert response.status == 200, await response.text()
    assert response.headers[VERSION] == ("2.0.0" if xapi.version.startswith("2") else "1.0.3")
    return (await response.json())[0]


async def read(xapi, statement_id: str, **params) -> dict:
    response = await xapi.get("/xapi/statements", params={"statementId": statement_id, **params})
    assert response.status == 200, await response.text()
    return await response.json()


# --- negotiation -----------------------------------------------------------------------------


async def test_about_lists_both_versions_without_credentials(client):
    response = await client.get("/xapi/about")
    assert (await response.json())["version"] == ["1.0.3", "2.0.0"]
    assert response.headers[VERSION] == "2.0.0"
    response = await client.get("/xapi/about", headers={VERSION: "1.0.3"})
    assert response.headers[VERSION] == "1.0.3"
    # 9274.1.1 4.1.6.7: About refuses no version header, even one served by nobody.
    response = await client.get("/xapi/about", headers={VERSION: "0.9"})
    assert response.status == 200 and response.headers[VERSION] == "2.0.0"


@pytest.mark.parametrize("sent, answered", [("1.0", "1.0.3"), ("1.0.1", "1.0.3"), ("2.0", "2.0.0"), ("2.0.1", "2.0.0")])
async def test_every_answer_carries_the_version_it_was_served_with(xapi, sent, answered):
    client = xapi.speaking(sent)
    for response in (
        await client.get("/xapi/statements"),
        await client.get("/xapi/statements?limit=bad"),  # an error
        await client.get("/xapi/statements?statementId=" + str(uuid.uuid4())),  # 404
        await client.get("/xapi/nothing-here"),  # no such route
        await client.as_(basic("nobody", "wrong")).get("/xapi/statements"),  # 401
    ):
        assert response.headers[VERSION] == answered, (sent, response.status)


async def test_a_request_naming_no_served_version_is_400_in_the_version_its_credential_last_used(xapi, xapi2):
    no_header = xapi.speaking(None)
    response = await no_header.post("/xapi/statements", json=make_statement())
    assert response.status == 400 and response.headers[VERSION] == "2.0.0"  # nothing known yet: the newest
    assert "1.0.3, 2.0.0" in (await response.json())["detail"]
    await xapi.get("/xapi/statements")
    for client in (no_header, xapi.speaking("2.1.0"), xapi.speaking("0.95")):
        response = await client.get("/xapi/statements")
        assert response.status == 400 and response.headers[VERSION] == "1.0.3"
    await xapi2.get("/xapi/statements")
    response = await no_header.put(f"/xapi/statements?statementId={uuid.uuid4()}", json=make_statement())
    assert response.status == 400 and response.headers[VERSION] == "2.0.0"
    assert await (await xapi.get("/xapi/statements")).json() == {"statements": []}


def test_the_last_versions_kept_are_those_of_the_most_recently_seen_credentials():
    last = LastVersions(size=2)
    last.remember("a", XAPI_1_0_3)
    last.remember("b", XAPI_2_0_0)
    last.remember("a", XAPI_2_0_0)  # seen again: now the most recent
    last.remember("c", XAPI_1_0_3)  # one too many: the least recently seen goes
    assert last.recall("b") is None
    assert last.recall("a") is XAPI_2_0_0 and last.recall("c") is XAPI_1_0_3


async def test_a_request_without_version_and_with_bad_credentials_is_401(xapi):
    response = await xapi.as_(basic("nobody", "wrong")).speaking(None).get("/xapi/statements")
    assert response.status == 401


async def test_alternate_request_syntax_is_1_0_3_only(client, xapi):
    def form(version: str) -> str:
        return urlencode(
            {
                "Authorization": ADMIN_AUTH,
                VERSION: version,
                "Content-Type": "application/json",
                "statementId": str(uuid.uuid4()),
                "content": json.dumps(make_statement()),
            }
        )

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = await client.post("/xapi/statements?method=PUT", data=form("2.0.0"), headers=headers)
    assert response.status == 400 and response.headers[VERSION] == "2.0.0"
    assert "alternate request syntax" in (await response.json())["detail"]
    assert await (await xapi.get("/xapi/statements")).json() == {"statements": []}
    response = await client.post("/xapi/statements?method=PUT", data=form("1.0.3"), headers=headers)
    assert response.status == 204 and response.headers[VERSION] == "1.0.3"


# --- statements -----------------------------------------------------------------------------


async def test_statements_get_the_version_of_the_request_that_stores_them(xapi, xapi2):
    assert (await read(xapi, await store(xapi, make_statement())))["version"] == "1.0.0"
    assert (await read(xapi2, await store(xapi2, make_statement())))["version"] == "2.0.0"
    assert (await read(xapi2, await store(xapi2, make_statement(version="1.0.9"))))["version"] == "1.0.9"


async def test_statement_versions_a_request_version_does_not_know_are_400(xapi, xapi2):
    for client, version in ((xapi, "2.0.0"), (xapi2, "1.1.0")):
        response = await client.post("/xapi/statements", json=make_statement(version=version))
        assert response.status == 400 and "version" in (await response.json())["detail"]


async def test_context_agents_and_groups_are_stored_and_returned_under_2_0(xapi2):
    statement_id = await store(xapi2, make_statement(context=CONTEXT_2_0))
    assert (await read(xapi2, statement_id))["context"] == CONTEXT_2_0


async def test_context_agents_are_refused_under_1_0_3_and_nothing_is_stored(xapi):
    response = await xapi.post("/xapi/statements", json=[make_statement(), make_statement(context=CONTEXT_2_0)])
    assert response.status == 400
    assert (await response.json())["detail"].startswith("[1].context.contextAgents: is not part of xAPI 1.0.3")
    assert await (await xapi.get("/xapi/statements")).json() == {"statements": []}


async def test_malformed_context_agent_under_2_0_is_400_naming_it(xapi2):
    context = {"contextAgents": [{"objectType": "contextAgent", "agent": MENTOR, "relevantTypes": []}]}
    response = await xapi2.post("/xapi/statements", json=make_statement(context=context))
    assert response.status == 400
    assert (await response.json())["detail"].startswith("context.contextAgents[0].relevantTypes:")


async def test_a_2_0_statement_read_under_1_0_3_is_a_valid_1_0_3_statement(xapi, xapi2):
    sub = {
        "objectType": "SubStatement",
        "actor": PEER,
        "verb": {"id": "http://example.com/v"},
        "object": {"id": "http://example.com/a"},
        "context": CONTEXT_2_0,
    }
    registration = str(uuid.uuid4())
    statement_id = await store(xapi2, make_statement(context={**CONTEXT_2_0, "registration": registration}, object=sub))
    old = await read(xapi, statement_id)
    assert old["context"] == {"registration": registration}
    assert "context" not in old["object"] or old["object"]["context"] == {}
    assert old["version"] == "1.0.3"
    # The statement read back by 1.0.3 is one a 1.0.3 client can store again.
    copy_id = await store(xapi, {k: v for k, v in old.items() if k not in ("id", "stored", "authority")})
    assert (await read(xapi, copy_id))["context"] == {"registration": registration}
    # Nothing was lost: 2.0 still reads what was stored.
    assert (await read(xapi2, statement_id))["context"]["contextAgents"] == CONTEXT_2_0["contextAgents"]
    listed = await (
        await xapi.get("/xapi/statements", params={"verb": "http://adlnet.gov/expapi/verbs/experienced"})
    ).json()
    assert all("contextAgents" not in s.get("context", {}) for s in listed["statements"])


async def test_2_0_converts_timestamps_to_utc_and_1_0_3_keeps_them_as_sent(xapi, xapi2):
    sent = "2023-05-04T12:00:00-05:00"
    new = await store(xapi2, make_statement(timestamp=sent))
    old = await store(xapi, make_statement(timestamp=sent))
    assert (await read(xapi2, new))["timestamp"] == "2023-05-04T17:00:00.000Z"
    assert (await read(xapi, new))["timestamp"] == "2023-05-04T17:00:00.000Z"
    assert (await read(xapi, old))["timestamp"] == sent
    assert (await read(xapi2, old))["timestamp"] == "2023-05-04T17:00:00.000Z"


async def test_resending_a_2_0_statement_with_its_offset_timestamp_is_a_no_op(xapi2):
    statement = make_statement(id=str(uuid.uuid4()), timestamp="2023-05-04T12:00:00-05:00", context=CONTEXT_2_0)
    await store(xapi2, statement)
    response = await xapi2.post("/xapi/statements", json=statement)
    assert response.status == 200
    changed = {**statement, "context": {"contextAgents": CONTEXT_2_0["contextAgents"][:0]}}
    assert (await xapi2.post("/xapi/statements", json=changed)).status == 409


async def test_related_agents_match_context_agents_groups_and_group_members(xapi, xapi2):
    statement_id = await store(xapi2, make_statement(context=CONTEXT_2_0))
    other_id = await store(xapi2, make_statement())
    for agent in (MENTOR, TEAM, PEER):
        query = {"agent": json.dumps(agent)}
        assert await ids(xapi2, {**query, "related_agents": "true"}) == [statement_id], agent
        assert await ids(xapi2, query) == [], agent
    assert set(await ids(xapi2, {"agent": json.dumps({"mbox": "mailto:learner@example.com"})})) == {
        statement_id,
        other_id,
    }


async def ids(xapi, params: dict) -> list[str]:
    response = await xapi.get("/xapi/statements", params=params)
    assert response.status == 200, await response.text()
    return [s["id"] for s in (await response.json())["statements"]]


async def test_ids_format_reduces_context_agents_and_groups_to_identifiers(xapi2):
    statement_id = await store(xapi2, make_statement(context=CONTEXT_2_0))
    context = (await read(xapi2, statement_id, format="ids"))["context"]
    assert context["contextAgents"] == [
        {
            "objectType": "contextAgent",
            "agent": {"objectType": "Agent", "mbox": MENTOR["mbox"]},
            "relevantTypes": [MENTORING],
        }
    ]
    assert context["contextGroups"][0]["group"] == {"objectType": "Group", "mbox": TEAM["mbox"]}
    assert context["contextGroups"][1]["group"] == {"objectType": "Group", "member": [PEER]}


async def test_agents_resource_knows_names_seen_in_context_agents(xapi2):
    await store(xapi2, make_statement(context=CONTEXT_2_0))
    response = await xapi2.get("/xapi/agents", params={"agent": json.dumps({"mbox": MENTOR["mbox"]})})
    assert (await response.json())["name"] == ["Mentor"]


@pytest.mark.parametrize("speaking", ["1.0.3", "2.0.0"])
async def test_statement_lists_carry_the_latest_stored_as_last_modified(xapi, speaking):
    client = xapi.speaking(speaking)
    empty = await client.get("/xapi/statements")
    assert "Last-Modified" not in empty.headers
    await store(client, make_statement())
    await store(client, make_statement())
    response = await client.get("/xapi/statements", params={"ascending": "true"})
    statements = (await response.json())["statements"]
    newest = max(s["stored"] for s in statements)
    assert parsedate_to_datetime(response.headers["Last-Modified"]) == isoparse(newest).replace(microsecond=0)


# --- documents ------------------------------------------------------------------------------

STATE = "/xapi/activities/state"
STATE_PARAMS = {"activityId": "http://example.com/a", "agent": json.dumps(PEER), "stateId": "s"}
PROFILE = "/xapi/activities/profile"
PROFILE_PARAMS = {"activityId": "http://example.com/a", "profileId": "p"}


async def test_2_0_state_put_without_precondition_creates_but_never_replaces(xapi2):
    response = await xapi2.put(STATE, params=STATE_PARAMS, json={"a": 1})
    assert response.status == 204
    response = await xapi2.put(STATE, params=STATE_PARAMS, json={"b": 2})
    assert response.status == 409 and "If-Match" in (await response.json())["detail"]
    current = await xapi2.get(STATE, params=STATE_PARAMS)
    assert await current.json() == {"a": 1}
    response = await xapi2.put(STATE, params=STATE_PARAMS, json={"b": 2}, headers={"If-Match": current.headers["ETag"]})
    assert response.status == 204


async def test_1_0_3_state_put_without_precondition_replaces(xapi):
    assert (await xapi.put(STATE, params=STATE_PARAMS, json={"a": 1})).status == 204
    assert (await xapi.put(STATE, params=STATE_PARAMS, json={"b": 2})).status == 204
    assert await (await xapi.get(STATE, params=STATE_PARAMS)).json() == {"b": 2}


async def test_profile_put_without_precondition_creates_under_2_0_and_is_400_under_1_0_3(xapi, xapi2):
    response = await xapi.put(PROFILE, params=PROFILE_PARAMS, json={"a": 1})
    assert response.status == 400
    assert (await xapi.get(PROFILE, params=PROFILE_PARAMS)).status == 404
    assert (await xapi2.put(PROFILE, params=PROFILE_PARAMS, json={"a": 1})).status == 204
    for client in (xapi, xapi2):
        assert (await client.put(PROFILE, params=PROFILE_PARAMS, json={"b": 2})).status == 409
    assert await (await xapi.get(PROFILE, params=PROFILE_PARAMS)).json() == {"a": 1}


async def test_2_0_post_and_delete_honour_if_match(xapi2):
    await xapi2.put(STATE, params=STATE_PARAMS, json={"a": 1})
    etag = (await xapi2.get(STATE, params=STATE_PARAMS)).headers["ETag"]
    stale = {"If-Match": '"1234"'}
    assert (await xapi2.post(STATE, params=STATE_PARAMS, json={"b": 2}, headers=stale)).status == 412
    assert (await xapi2.delete(STATE, params=STATE_PARAMS, headers=stale)).status == 412
    assert await (await xapi2.get(STATE, params=STATE_PARAMS)).json() == {"a": 1}
    assert (await xapi2.post(STATE, params=STATE_PARAMS, json={"b": 2}, headers={"If-Match": etag})).status == 204
    newer = await xapi2.get(STATE, params=STATE_PARAMS)
    assert await newer.json() == {"a": 1, "b": 2} and "Last-Modified" in newer.headers
    assert (await xapi2.delete(STATE, params=STATE_PARAMS, headers={"If-Match": newer.headers["ETag"]})).status == 204
    assert (await xapi2.get(STATE, params=STATE_PARAMS)).status == 404


@pytest.mark.parametrize("speaking", ["1.0.3", "2.0.0"])
async def test_since_with_a_document_id_is_400(xapi, speaking):
    # 9274.1.1 4.1.6.2: since is "Not Allowed" with stateId; in 1.0.3 single-document GETs have no since.
    client = xapi.speaking(speaking)
    for url, query in ((STATE, STATE_PARAMS), (PROFILE, PROFILE_PARAMS)):
        response = await client.get(url, params={**query, "since": "2020-01-01T00:00:00Z"})
        assert response.status == 400 and "since" in (await response.json())["detail"], url


async def test_signed_2_0_statements_are_checked_with_their_context_agents(xapi2):
    key = rsa_key()
    statement = make_statement(
        id=str(uuid.uuid4()),
        context=CONTEXT_2_0,
        timestamp="2023-05-04T12:00:00-05:00",
        result={"duration": "PT1.23S"},
    )
    # Signed with the duration to the hundredth, sent more precise: the same statement (4.2.7).
    sent = {**statement, "result": {"duration": "PT1.2345S"}}
    response = await post_signed(xapi2, sent, statement, key)
    assert response.status == 200, await response.text()
    assert (await read(xapi2, statement["id"]))["timestamp"] == "2023-05-04T17:00:00.000Z"
    other = {**statement, "id": str(uuid.uuid4())}
    tampered = {
        **other,
        "context": {
            **CONTEXT_2_0,
            "contextAgents": [{"objectType": "contextAgent", "agent": PEER, "relevantTypes": [MENTORING]}],
        },
    }
    response = await post_signed(xapi2, tampered, other, key)
    assert response.status == 400 and "signed statement" in (await response.json())["detail"]
