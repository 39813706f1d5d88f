"""/xapi/agents: Person objects combining what the LRS has seen (Communication 2.4)."""

from __future__ import annotations

import json

import pytest

from lrs.agents.store import agents_of
from tests.conftest import make_statement

URL = "/xapi/agents"


async def person(xapi, agent: dict) -> dict:
    response = await xapi.get(URL, params={"agent": json.dumps(agent)})
    assert response.status == 200, await response.text()
    return await response.json()


async def test_unknown_agent_gives_a_person_with_its_own_data(xapi):
    agent = {"objectType": "Agent", "name": "Zed", "account": {"homePage": "http://example.com", "name": "zed"}}
    assert await person(xapi, agent) == {
        "objectType": "Person",
        "name": ["Zed"],
        "account": [{"homePage": "http://example.com", "name": "zed"}],
    }


async def test_person_combines_names_stored_with_statements(xapi):
    statements = [
        make_statement(actor={"mbox": "mailto:ann@example.com", "name": "Ann"}),
        make_statement(actor={"mbox": "mailto:ANN@example.com", "name": "Ann Smith"}),
        make_statement(actor={"mbox": "mailto:bob@example.com", "name": "Bob"}),
    ]
    response = await xapi.post("/xapi/statements", json=statements)
    assert response.status == 200, await response.text()
    found = await person(xapi, {"mbox": "mailto:ann@example.com"})
    assert found == {"objectType": "Person", "name": ["Ann", "Ann Smith"], "mbox": ["mailto:ann@example.com"]}
    found = await person(xapi, {"mbox": "mailto:ann@example.com", "name": "A."})
    assert found["name"] == ["A.", "Ann", "Ann Smith"]


async def test_names_of_object_agents_and_group_members_are_recorded(xapi):
    member = {"mbox_sha1sum": "a" * 40, "name": "Member"}
    team = {"objectType": "Group", "name": "Team", "member": [member]}
    statement = make_statement(
        object={"objectType": "Agent", "openid": "http://example.com/openid/obj", "name": "Object"},
        context={"team": team},
    )
    assert (await xapi.post("/xapi/statements", json=statement)).status == 200
    assert (await person(xapi, {"openid": "http://example.com/openid/obj"}))["name"] == ["Object"]
    assert (await person(xapi, {"mbox_sha1sum": "a" * 40}))["name"] == ["Member"]


def test_agents_of_walks_sub_statements():
    inner = {"mbox": "mailto:inner@example.com", "name": "Inner"}
    statement = make_statement(
        object={
            "objectType": "SubStatement",
            "actor": inner,
            "verb": {"id": "http://example.com/v"},
            "object": {"id": "http://example.com/a"},
        }
    )
    assert inner in agents_of(statement)


@pytest.mark.parametrize(
    "agent",
    [
        "not JSON",
        json.dumps({"objectType": "Group", "mbox": "mailto:team@example.com"}),
        json.dumps({"objectType": "Agent", "name": "no identifier"}),
    ],
)
async def test_agent_parameter_must_be_an_identified_agent(xapi, agent):
    response = await xapi.get(URL, params={"agent": agent})
    assert response.status == 400
    assert "agent" in (await response.json())["detail"]


async def test_missing_or_unknown_parameter_is_400(xapi):
    assert (await xapi.get(URL)).status == 400
    response = await xapi.get(URL, params={"agent": json.dumps({"mbox": "mailto:a@example.com"}), "x": "1"})
    assert response.status == 400


async def test_head_has_no_body(xapi):
    response = await xapi.head(URL, params={"agent": json.dumps({"mbox": "mailto:a@example.com"})})
    assert response.status == 200
    assert await response.read() == b""
