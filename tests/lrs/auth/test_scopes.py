"""Credentials and scopes over HTTP: 401 for bad credentials, 403 for scopes that do not allow."""

import uuid

import pytest

from lrs.keys import credential_store_key
from tests.conftest import XAPI, basic, make_statement


async def test_missing_credentials_are_401(xapi):
    response = await xapi.as_(None).get("/xapi/statements")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "auth", [basic("test-admin", "wrong"), basic("nobody", "x"), "Basic !!!", "Bearer abc", "Basic \u00e9t\u00e9"]
)
async def test_wrong_credentials_are_401(xapi, auth):
    assert (await xapi.as_(auth).get("/xapi/statements")).status == 401


async def test_about_needs_no_credentials(xapi):
    response = await xapi.as_(None).get("/xapi/about")
    assert response.status == 200
    assert (await response.json())["version"] == ["1.0.3", "2.0.0"]


async def test_write_only_credential_cannot_read(xapi_with):
    writer = await xapi_with("statements/write")
    assert (await writer.post("/xapi/statements", json=make_statement())).status == 200
    assert (await writer.get("/xapi/statements")).status == 403


async def test_read_only_credential_cannot_write(xapi_with):
    reader = await xapi_with("statements/read")
    assert (await reader.get("/xapi/statements")).status == 200
    assert (await reader.post("/xapi/statements", json=make_statement())).status == 403


async def test_read_mine_sees_only_statements_it_stored(xapi, xapi_with):
    mine = await xapi_with("statements/write", "statements/read/mine")
    [own] = await (await mine.post("/xapi/statements", json=make_statement())).json()
    [other] = await (await xapi.post("/xapi/statements", json=make_statement())).json()
    body = await (await mine.get("/xapi/statements")).json()
    assert [s["id"] for s in body["statements"]] == [own]
    assert (await mine.get(f"/xapi/statements?statementId={other}")).status == 404


async def test_revoked_credential_is_401(app, client):
    created = await app[credential_store_key].insert_credential("gone", ["all"])
    caller = XAPI(client, basic(created.key, created.secret))
    assert (await caller.get("/xapi/statements")).status == 200
    await app[credential_store_key].update_revoked(created.key)
    assert (await caller.get("/xapi/statements")).status == 401


async def test_secrets_are_stored_hashed(app, client):
    created = await app[credential_store_key].insert_credential("hashed", ["all"])
    document = await app[credential_store_key].collection.find_one({"_id": created.key})
    assert created.secret not in str(document)
    assert document["secret_hash"].startswith("scrypt$")


def voiding(target_id: str) -> dict:
    return make_statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
        object={"objectType": "StatementRef", "id": target_id},
    )


async def test_read_mine_cannot_void_a_statement_another_credential_stored(xapi, xapi_with):
    mine = await xapi_with("statements/write", "statements/read/mine")
    [other] = await (await xapi.post("/xapi/statements", json=make_statement())).json()
    refused = await mine.post("/xapi/statements", json=voiding(other))
    assert refused.status == 403
    assert "may only void its own" in (await refused.json())["detail"]
    found = await xapi.get(f"/xapi/statements?statementId={other}")
    assert found.status == 200  # still there for its owner, not voided
    assert (await xapi.get(f"/xapi/statements?voidedStatementId={other}")).status == 404


async def test_read_mine_voids_its_own_statements(xapi_with):
    mine = await xapi_with("statements/write", "statements/read/mine")
    [own] = await (await mine.post("/xapi/statements", json=make_statement())).json()
    assert (await mine.post("/xapi/statements", json=voiding(own))).status == 200
    assert (await mine.get(f"/xapi/statements?statementId={own}")).status == 404
    assert (await mine.get(f"/xapi/statements?voidedStatementId={own}")).status == 200


async def test_a_read_mine_voiding_sent_first_only_voids_a_target_of_its_own(xapi, xapi_with):
    # The target may arrive after the voiding statement (Data 2.3.2: no rejection for its absence);
    # it is voided when it arrives only if this credential could read it.
    mine = await xapi_with("statements/write", "statements/read/mine")
    others, own = str(uuid.uuid4()), str(uuid.uuid4())
    assert (await mine.post("/xapi/statements", json=[voiding(others), voiding(own)])).status == 200
    assert (await xapi.put(f"/xapi/statements?statementId={others}", json=make_statement(id=others))).status == 204
    assert (await mine.put(f"/xapi/statements?statementId={own}", json=make_statement(id=own))).status == 204
    assert (await xapi.get(f"/xapi/statements?statementId={others}")).status == 200
    assert (await xapi.get(f"/xapi/statements?voidedStatementId={own}")).status == 200


async def test_a_full_reader_may_void_any_statement(xapi, xapi_with):
    reader = await xapi_with("statements/write", "statements/read")
    [other] = await (await xapi.post("/xapi/statements", json=make_statement())).json()
    assert (await reader.post("/xapi/statements", json=voiding(other))).status == 200
    assert (await xapi.get(f"/xapi/statements?voidedStatementId={other}")).status == 200
