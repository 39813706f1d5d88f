"""Erasing a person: their statements go, others' records keep a pseudonym, documents, names and
attachments only they used go, a dry run counts first, and the audit holds no identifier."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from bson import json_util

from tests.conftest import make_statement
from tests.lrs.http.test_attachments import attachment, multipart, post_signed, rsa_key

ADA = {"objectType": "Agent", "name": "Ada Lovelace", "mbox": "mailto:ada@example.com"}
ADA_SHA1 = hashlib.sha1(b"mailto:ada@example.com").hexdigest()
BOB = {"objectType": "Agent", "name": "Bob", "mbox": "mailto:bob@example.com"}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


async def post(xapi, statement: dict, *bodies: tuple[bytes, str]) -> str:
    if bodies:
        body, headers = multipart(statement, *bodies)
        response = await xapi.post("/xapi/statements", data=body, headers=headers)
    else:
        response = await xapi.post("/xapi/statements", json=statement)
    assert response.status == 200, await response.text()
    return (await response.json())[0]


def voiding(target: str, actor: dict) -> dict:
    return make_statement(actor=actor, verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target})


async def get(xapi, path: str):
    response = await xapi.get(path)
    return response.status, (await response.json() if response.content_type == "application/json" else None)


@pytest.fixture
async def world(xapi):
    """Ada's own statements, others' statements that name her, and documents of both."""
    only_ada, shared = b"ada's own file", b"a file two statements use"
    ids = {
        "own": await post(
            xapi,
            make_statement(actor=ADA, attachments=[attachment(only_ada), attachment(shared)]),
            (only_ada, "text/plain"),
            (shared, "text/plain"),
        ),
        "own_sha1": await post(xapi, make_statement(actor={"mbox_sha1sum": ADA_SHA1})),
        "instructed": await post(xapi, make_statement(actor=BOB, context={"instructor": ADA})),
        "group": await post(xapi, make_statement(actor={"objectType": "Group", "member": [ADA, BOB]})),
        "sub": await post(
            xapi,
            make_statement(
                actor=BOB,
                attachments=[attachment(shared)],
                object={
                    "objectType": "SubStatement",
                    "actor": ADA,
                    "verb": {"id": "http://example.com/v"},
                    "object": {"id": "http://example.com/a"},
                },
            ),
            (shared, "text/plain"),
        ),
        "object": await post(xapi, make_statement(actor=BOB, object=ADA)),
        "unrelated": await post(xapi, make_statement(actor=BOB)),
        "bobs_voided_by_ada": await post(xapi, make_statement(actor=BOB, object={"id": "http://example.com/b"})),
    }
    ids["ref_to_own"] = await post(
        xapi, make_statement(actor=BOB, object={"objectType": "StatementRef", "id": ids["own"]})
    )
    ids["ada_voids_bob"] = await post(xapi, voiding(ids["bobs_voided_by_ada"], ADA))
    ids["own_voided_by_bob"] = await post(xapi, make_statement(actor=ADA))
    ids["bob_voids_ada"] = await post(xapi, voiding(ids["own_voided_by_bob"], BOB))
    signed = make_statement(id=str(uuid.uuid4()), actor=BOB, context={"instructor": ADA})
    assert (await post_signed(xapi, signed, signed, rsa_key())).status == 200
    ids["signed"] = signed["id"]
    agent = json.dumps(ADA)
    for path in (
        f"/xapi/activities/state?activityId=http://example.com/a&agent={agent}&stateId=s",
        f"/xapi/agents/profile?agent={agent}&profileId=p",
        f"/xapi/activities/state?activityId=http://example.com/a&agent={json.dumps(BOB)}&stateId=s",
    ):
        assert (
            await xapi.put(path, data=b"{}", headers={"Content-Type": "application/json", "If-None-Match": "*"})
        ).status == 204
    return ids


EXPECTED = {
    "statementsDeleted": 4,
    "statementsPseudonymised": 7,
    "attachmentsDeleted": 2,
    "documentsDeleted": 2,
    "agentNamesDeleted": 1,
}


async def test_dry_run_counts_and_changes_nothing(xapi, world):
    response = await xapi.post("/admin/erasures", json={"agent": ADA, "dryRun": True})
    assert response.status == 200
    assert await response.json() == {"dryRun": True, "counts": EXPECTED}
    assert (await get(xapi, f"/xapi/statements?statementId={world['own']}"))[0] == 200
    assert (await (await xapi.get("/admin/erasures")).json())["erasures"] == []


async def test_erasure_removes_the_person_and_keeps_others_records(xapi, world, database):
    response = await xapi.post("/admin/erasures", json={"agent": ADA})
    assert response.status == 201
    record = await response.json()
    assert record["counts"] == EXPECTED and record["by"] == "test-admin"

    for name in ("own", "own_sha1", "ada_voids_bob", "own_voided_by_bob"):
        assert (await get(xapi, f"/xapi/statements?statementId={world[name]}"))[0] == 404
        assert (await get(xapi, f"/xapi/statements?voidedStatementId={world[name]}"))[0] == 404
    agent = json.dumps(ADA)
    for query in (f"agent={agent}", f"agent={agent}&related_agents=true"):
        assert (await get(xapi, f"/xapi/statements?{query}"))[1]["statements"] == []

    _, instructed = await get(xapi, f"/xapi/statements?statementId={world['instructed']}")
    pseudonym = instructed["context"]["instructor"]
    assert pseudonym["account"]["homePage"] == "http://lrs.invalid/erased" and "name" not in pseudonym
    _, group = await get(xapi, f"/xapi/statements?statementId={world['group']}")
    assert group["actor"]["member"] == [pseudonym, BOB]
    _, sub = await get(xapi, f"/xapi/statements?statementId={world['sub']}")
    assert sub["object"]["actor"] == pseudonym
    _, obj = await get(xapi, f"/xapi/statements?statementId={world['object']}")
    assert obj["object"] == pseudonym
    # The pseudonym is an identity of its own: the records of others still filter by it.
    found = (await get(xapi, f"/xapi/statements?agent={json.dumps(pseudonym)}&related_agents=true"))[1]
    assert {world[n] for n in ("instructed", "group", "sub", "object", "ref_to_own", "signed")} <= {
        s["id"] for s in found["statements"]
    }
    # Others' statements pointing at erased ones stay; what Ada voided stays voided.
    _, ref = await get(xapi, f"/xapi/statements?statementId={world['ref_to_own']}")
    assert ref["object"] == {"objectType": "StatementRef", "id": world["own"]}
    assert (await get(xapi, f"/xapi/statements?statementId={world['bob_voids_ada']}"))[0] == 200
    assert (await get(xapi, f"/xapi/statements?voidedStatementId={world['bobs_voided_by_ada']}"))[0] == 200
    # A pseudonymised signed statement loses its signature: the JWS holds the original.
    _, signed = await get(xapi, f"/xapi/statements?statementId={world['signed']}")
    assert "attachments" not in signed and signed["context"]["instructor"] == pseudonym

    state = "/xapi/activities/state?activityId=http://example.com/a&stateId=s&agent="
    assert (await xapi.get(state + agent)).status == 404
    assert (await xapi.get(state + json.dumps(BOB))).status == 200
    assert (await xapi.get(f"/xapi/agents/profile?agent={agent}&profileId=p")).status == 404
    mbox_only = json.dumps({"mbox": ADA["mbox"]})
    assert (await get(xapi, f"/xapi/agents?agent={mbox_only}"))[1] == {"objectType": "Person", "mbox": [ADA["mbox"]]}
    _, sub_with_file = await get(xapi, f"/xapi/statements?statementId={world['sub']}&attachments=false")
    shared = sub_with_file["attachments"][0]["sha2"]
    files = {d["filename"] for d in await database["attachments.files"].find().to_list()}
    assert files == {shared}

    # Nothing of Ada is left anywhere in the database, the audit record included.
    for collection in await database.list_collection_names():
        dump = json_util.dumps(await database[collection].find().to_list())
        assert "ada@example.com" not in dump and "Ada Lovelace" not in dump and ADA_SHA1 not in dump, collection
    assert (await (await xapi.get("/admin/erasures")).json())["erasures"] == [record]


async def test_erasing_again_finds_nothing(xapi, world):
    await xapi.post("/admin/erasures", json={"agent": ADA})
    again = await (await xapi.post("/admin/erasures", json={"agent": ADA, "dryRun": True})).json()
    assert again["counts"]["statementsDeleted"] == 0 and again["counts"]["documentsDeleted"] == 0


@pytest.mark.parametrize(
    "body, detail",
    [
        ({"agent": {"name": "no identifier"}}, "agent"),
        ({"agent": {"objectType": "Group", "mbox": "mailto:g@example.com"}}, "agent.objectType"),
        ({"agent": ADA, "dryRun": "yes"}, "dryRun"),
        ({"agents": ADA}, "body"),
        ([ADA], "body"),
    ],
)
async def test_bad_requests_are_400_and_erase_nothing(xapi, world, body, detail):
    response = await xapi.post("/admin/erasures", json=body)
    assert response.status == 400 and detail in (await response.json())["detail"]
    assert (await get(xapi, f"/xapi/statements?statementId={world['own']}"))[0] == 200


async def test_erasure_needs_the_admin_scope(xapi, xapi_with):
    limited = await xapi_with("all/read")
    assert (await limited.post("/admin/erasures", json={"agent": ADA})).status == 403
    assert (await xapi.as_(None).get("/admin/erasures")).status == 401


async def test_xapi_2_context_agents_and_groups_are_pseudonymised(xapi2, database):
    """Where xAPI 2.0 names people in context (contextAgents, contextGroups), also in a SubStatement."""
    relevant = ["http://example.com/types/mentor"]
    context = {
        "contextAgents": [
            {"objectType": "contextAgent", "agent": ADA, "relevantTypes": relevant},
            {"objectType": "contextAgent", "agent": BOB},
        ],
        "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "member": [ADA, BOB]}}],
    }
    ids = [
        await post(xapi2, make_statement(actor=BOB, context=context)),
        await post(
            xapi2,
            make_statement(
                actor=BOB,
                object={
                    "objectType": "SubStatement",
                    "actor": BOB,
                    "verb": {"id": "http://example.com/v"},
                    "object": {"id": "http://example.com/a"},
                    "context": context,
                },
            ),
        ),
    ]
    response = await xapi2.post("/admin/erasures", json={"agent": ADA})
    assert (await response.json())["counts"]["statementsPseudonymised"] == 2

    for statement_id in ids:
        _, statement = await get(xapi2, f"/xapi/statements?statementId={statement_id}")
        erased = (
            statement["context"]
            if statement["object"].get("objectType") != "SubStatement"
            else statement["object"]["context"]
        )
        pseudonym = erased["contextAgents"][0]["agent"]
        assert pseudonym["account"]["homePage"] == "http://lrs.invalid/erased"
        assert erased["contextAgents"] == [
            {"objectType": "contextAgent", "agent": pseudonym, "relevantTypes": relevant},
            {"objectType": "contextAgent", "agent": BOB},
        ]
        assert erased["contextGroups"][0]["group"]["member"] == [pseudonym, BOB]
    for collection in await database.list_collection_names():
        dump = json_util.dumps(await database[collection].find().to_list())
        assert "ada@example.com" not in dump and "Ada Lovelace" not in dump, collection
