"""PUT and POST /xapi/statements: ids, conflicts, LRS-assigned properties, atomic batches."""

import asyncio
import io
import json
import uuid

import pytest

from tests.conftest import make_statement


async def count_statements(xapi) -> int:
    body = await (await xapi.get("/xapi/statements?limit=0")).json()
    return len(body["statements"])


async def test_post_single_statement_returns_its_new_id(xapi):
    response = await xapi.post("/xapi/statements", json=make_statement())
    assert response.status == 200
    ids = await response.json()
    assert len(ids) == 1 and uuid.UUID(ids[0])


async def test_post_batch_returns_ids_in_request_order(xapi):
    given = [str(uuid.uuid4()) for _ in range(3)]
    response = await xapi.post("/xapi/statements", json=[make_statement(id=i) for i in given])
    assert await response.json() == given


async def test_put_stores_under_statement_id_and_returns_204(xapi):
    statement_id = str(uuid.uuid4())
    response = await xapi.put(f"/xapi/statements?statementId={statement_id}", json=make_statement())
    assert response.status == 204
    stored = await (await xapi.get(f"/xapi/statements?statementId={statement_id}")).json()
    assert stored["id"] == statement_id


async def test_put_without_statement_id_is_400(xapi):
    response = await xapi.put("/xapi/statements", json=make_statement())
    assert response.status == 400
    assert "statementId" in (await response.json())["detail"]


async def test_put_with_different_id_in_body_is_400(xapi):
    response = await xapi.put(f"/xapi/statements?statementId={uuid.uuid4()}", json=make_statement(id=str(uuid.uuid4())))
    assert response.status == 400


async def test_lrs_sets_stored_authority_version_and_timestamp(xapi):
    [statement_id] = await (await xapi.post("/xapi/statements", json=make_statement())).json()
    stored = await (await xapi.get(f"/xapi/statements?statementId={statement_id}")).json()
    assert stored["version"] == "1.0.0"
    assert stored["timestamp"] == stored["stored"]
    assert stored["authority"] == {
        "objectType": "Agent",
        "name": "admin",
        "account": {"homePage": "http://lrs.invalid", "name": "test-admin"},
    }


async def test_supplied_authority_is_replaced_by_the_credentials(xapi):
    other = {"objectType": "Agent", "mbox": "mailto:someone@example.com"}
    [statement_id] = await (await xapi.post("/xapi/statements", json=make_statement(authority=other))).json()
    stored = await (await xapi.get(f"/xapi/statements?statementId={statement_id}")).json()
    assert stored["authority"]["account"]["name"] == "test-admin"


async def test_same_id_same_content_is_a_no_op(xapi):
    statement = make_statement(id=str(uuid.uuid4()))
    assert (await xapi.post("/xapi/statements", json=statement)).status == 200
    response = await xapi.put(f"/xapi/statements?statementId={statement['id']}", json=statement)
    assert response.status == 204
    assert await count_statements(xapi) == 1


async def test_same_id_with_reordered_group_members_is_the_same_statement(xapi):
    members = [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}]
    statement_id = str(uuid.uuid4())
    group = {"objectType": "Group", "member": members}
    await xapi.post("/xapi/statements", json=make_statement(id=statement_id, actor=group))
    reordered = {"objectType": "Group", "member": list(reversed(members))}
    response = await xapi.post("/xapi/statements", json=make_statement(id=statement_id, actor=reordered))
    assert response.status == 200


async def test_same_id_different_content_is_409_and_keeps_the_original(xapi):
    statement_id = str(uuid.uuid4())
    await xapi.put(f"/xapi/statements?statementId={statement_id}", json=make_statement())
    changed = make_statement(verb={"id": "http://adlnet.gov/expapi/verbs/failed"})
    response = await xapi.put(f"/xapi/statements?statementId={statement_id}", json=changed)
    assert response.status == 409
    stored = await (await xapi.get(f"/xapi/statements?statementId={statement_id}")).json()
    assert stored["verb"]["id"] == "http://adlnet.gov/expapi/verbs/experienced"


async def test_batch_with_one_conflict_stores_nothing(xapi):
    taken = str(uuid.uuid4())
    await xapi.put(f"/xapi/statements?statementId={taken}", json=make_statement())
    batch = [
        make_statement(id=str(uuid.uuid4())),
        make_statement(id=taken, verb={"id": "http://adlnet.gov/expapi/verbs/failed"}),
    ]
    assert (await xapi.post("/xapi/statements", json=batch)).status == 409
    assert await count_statements(xapi) == 1


async def test_batch_with_one_invalid_statement_stores_nothing(xapi):
    batch = [make_statement(), {"actor": {"mbox": "mailto:x@example.com"}}]
    response = await xapi.post("/xapi/statements", json=batch)
    assert response.status == 400
    assert await count_statements(xapi) == 0


async def test_same_id_twice_in_one_batch_is_400(xapi):
    statement_id = str(uuid.uuid4())
    response = await xapi.post("/xapi/statements", json=[make_statement(id=statement_id)] * 2)
    assert response.status == 400
    assert await count_statements(xapi) == 0


async def test_concurrent_puts_of_one_id_store_one_statement(xapi):
    statement_id = str(uuid.uuid4())
    responses = await asyncio.gather(
        *(xapi.put(f"/xapi/statements?statementId={statement_id}", json=make_statement()) for _ in range(10))
    )
    assert {r.status for r in responses} == {204}
    assert await count_statements(xapi) == 1


async def test_concurrent_conflicting_puts_store_exactly_one_version(xapi):
    statement_id = str(uuid.uuid4())
    verbs = [f"http://example.com/verbs/v{i}" for i in range(8)]
    responses = await asyncio.gather(
        *(xapi.put(f"/xapi/statements?statementId={statement_id}", json=make_statement(verb={"id": v})) for v in verbs)
    )
    assert sorted(r.status for r in responses).count(204) == 1
    assert {r.status for r in responses} == {204, 409}
    assert await count_statements(xapi) == 1


async def test_malformed_json_is_400(xapi):
    response = await xapi.post("/xapi/statements", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "JSON" in (await response.json())["detail"]


async def test_wrong_content_type_is_400(xapi):
    response = await xapi.post("/xapi/statements", data=b"<xml/>", headers={"Content-Type": "text/xml"})
    assert response.status == 400


async def test_a_key_twice_in_one_object_is_400_and_stores_nothing(xapi):
    # RFC 8259 4: with repeated names the meaning is "unpredictable"; a reader taking the first
    # and one taking the last would each see another statement.
    body = (
        b'{"actor":{"mbox":"mailto:a@b.example"},"verb":{"id":"http://example.com/v"},'
        b'"object":{"id":"http://example.com/o"},"object":{"id":"http://example.com/other"}}'
    )
    response = await xapi.post("/xapi/statements", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "'object' appears twice" in (await response.json())["detail"]
    assert await count_statements(xapi) == 0


@pytest.mark.parametrize(
    "content_type, problem",
    [
        ("", "Content-Type header is empty"),
        ("  ", "Content-Type header is empty"),
        ("application/json; charset=iso-8859-1", "is not UTF-8"),
        ("application/json; charset=utf-16", "is not UTF-8"),
        ("application/json; charset=no-such-charset", "is unknown"),
        ("application/json; charset=", "is unknown"),
    ],
)
async def test_an_empty_content_type_or_a_charset_other_than_utf8_is_400(xapi, content_type, problem):
    # Strings "MUST be encoded and interpreted as UTF-8" (Communication 1.4): content announced
    # in another charset would be misread, so it is refused rather than guessed at.
    body = json.dumps(make_statement()).encode()
    response = await xapi.post("/xapi/statements", data=body, headers={"Content-Type": content_type})
    assert response.status == 400
    assert problem in (await response.json())["detail"]
    assert await count_statements(xapi) == 0


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=UTF-8", "application/json;charset=utf8", 'application/json; charset="us-ascii"'],
)
async def test_utf8_and_its_ascii_subset_are_accepted(xapi, content_type):
    body = json.dumps(make_statement()).encode()
    assert (await xapi.post("/xapi/statements", data=body, headers={"Content-Type": content_type})).status == 200


async def test_json_without_any_content_type_is_still_accepted(xapi, client):
    # Kept on purpose: without a Content-Type HTTP lets the recipient examine the content (RFC 9110
    # 8.3), and an alternate-syntax request only SHOULD* name its content's type (Communication
    # 1.3.s3.b10), which xAPI asks LRSs to keep accepting (About 2.1).
    body = json.dumps(make_statement()).encode()
    response = await client.post(
        "/xapi/statements", data=body, headers=xapi.headers(), skip_auto_headers=["Content-Type"]
    )
    assert response.status == 200, await response.text()
    form = {"content": body.decode(), "Authorization": xapi.auth, "X-Experience-API-Version": "1.0.3"}
    alternate = await client.post("/xapi/statements?method=POST", data=form)
    assert alternate.status == 200, await alternate.text()
    assert await count_statements(xapi) == 2


async def test_unknown_query_parameter_is_400(xapi):
    response = await xapi.post("/xapi/statements?foo=bar", json=make_statement())
    assert response.status == 400
    assert "foo" in (await response.json())["detail"]


async def test_extension_keys_with_dots_and_dollars_round_trip(xapi):
    extensions = {
        "http://example.com/ext.v1": {"$where": 1, "a.b": [{"%2E": True}], "big": 2**70},
        "http://example.com/%24": "percent",
    }
    statement = make_statement(
        result={"extensions": extensions},
        context={
            "extensions": extensions,
            "contextActivities": {"parent": [{"id": "http://example.com/p", "definition": {"extensions": extensions}}]},
        },
    )
    [statement_id] = await (await xapi.post("/xapi/statements", json=statement)).json()
    stored = await (await xapi.get(f"/xapi/statements?statementId={statement_id}")).json()
    assert stored["result"]["extensions"] == extensions
    assert stored["context"]["extensions"] == extensions
    assert stored["context"]["contextActivities"]["parent"][0]["definition"]["extensions"] == extensions


async def test_resending_without_a_timestamp_is_the_same_statement(xapi):
    statement = make_statement(id=str(uuid.uuid4()))
    assert (await xapi.post("/xapi/statements", json=statement)).status == 200
    assert (await xapi.post("/xapi/statements", json=statement)).status == 200
    assert await count_statements(xapi) == 1


async def test_statement_too_large_to_store_is_413_and_its_batch_is_not_stored(xapi):
    huge = make_statement(context={"extensions": {"http://example.com/blob": "x" * (17 * 1024 * 1024)}})
    body = io.BytesIO(json.dumps([make_statement(), huge]).encode())
    response = await xapi.post("/xapi/statements", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert "16 MB" in (await response.json())["detail"]
    assert await count_statements(xapi) == 0


async def test_lone_surrogate_escape_is_400_and_a_pair_is_a_character(xapi):
    lone = (
        b'{"actor":{"mbox":"mailto:a@b.example","name":"\\ud800"},"verb":{"id":"http://example.com/v"},'
        b'"object":{"id":"http://example.com/o"}}'
    )
    response = await xapi.post("/xapi/statements", data=lone, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "surrogate" in (await response.json())["detail"]
    pair = lone.replace(b"\\ud800", b"\\ud83d\\ude00")
    [statement_id] = await (
        await xapi.post("/xapi/statements", data=pair, headers={"Content-Type": "application/json"})
    ).json()
    stored = await (await xapi.get(f"/xapi/statements?statementId={statement_id}")).json()
    assert stored["actor"]["name"] == "\N{GRINNING FACE}"


async def test_put_with_a_statement_id_that_is_not_a_uuid_is_400_and_stores_nothing(xapi):
    response = await xapi.put("/xapi/statements?statementId=not-a-uuid", json=make_statement())
    assert response.status == 400
    assert "statementId" in (await response.json())["detail"]
    assert await count_statements(xapi) == 0
