"""/admin/forwards: definitions checked, secrets never shown again, admin credentials only."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from lrs.forwarding import store, worker
from tests.conftest import make_statement
from tests.lrs.forwarding.conftest import eventually
from tests.lrs.forwarding.test_webhook import create_forward, post

LRS_FORWARD = {"name": "warehouse", "type": "lrs", "url": "http://127.0.0.1:9/xapi/", "key": "k", "secret": "s3"}


async def test_lrs_forward_is_listed_without_its_secret(xapi):
    response = await xapi.post("/admin/forwards", json=LRS_FORWARD)
    assert response.status == 201
    created = await response.json()
    assert response.headers["Location"] == f"/admin/forwards/{created['id']}"
    assert created["url"] == "http://127.0.0.1:9/xapi" and created["key"] == "k" and "secret" not in created
    listed = await (await xapi.get("/admin/forwards")).json()
    assert [f["id"] for f in listed["forwards"]] == [created["id"]]
    assert "s3" not in await (await xapi.get(f"/admin/forwards/{created['id']}")).text()


@pytest.mark.parametrize(
    "definition, detail",
    [
        ({**LRS_FORWARD, "type": "ftp"}, "type"),
        ({k: v for k, v in LRS_FORWARD.items() if k != "secret"}, "secret: is required"),
        ({**LRS_FORWARD, "url": "file:///etc/passwd"}, "url"),
        ({**LRS_FORWARD, "url": "http://user:pw@example.com/xapi"}, "url: give credentials"),
        ({**LRS_FORWARD, "filter": {"verb": "completed"}}, "filter.verb"),
        ({**LRS_FORWARD, "filter": {"agent": {"name": "no identifier"}}}, "filter.agent"),
        ({**LRS_FORWARD, "filter": {"registration": ["nope"]}}, "filter.registration"),
        ({**LRS_FORWARD, "filter": {"colour": "red"}}, "filter.colour"),
        ({**LRS_FORWARD, "extra": 1}, "extra"),
        ({"name": "w", "type": "webhook", "url": "http://127.0.0.1:9/", "key": "k"}, "key"),
        ({**LRS_FORWARD, "url": "http://[::1/xapi"}, "url: not a valid URL"),
        ({**LRS_FORWARD, "url": "http://example.com:99999/xapi"}, "url: not a valid URL"),
        ({**LRS_FORWARD, "url": "http://example.com/" + "x" * 3000}, "url: at most"),
        ({**LRS_FORWARD, "name": "x" * 201}, "name: at most 200 characters"),
        ({**LRS_FORWARD, "name": "x" * 3000}, "name: at most 200 characters"),
        ({**LRS_FORWARD, "secret": "x" * 3000}, "secret: at most 2000 characters"),
        # Cloud metadata services (AWS, GCP, Azure) and the rest of the link-local nets.
        ({**LRS_FORWARD, "url": "http://169.254.169.254/latest/meta-data"}, "url: 169.254.169.254 is a link-local"),
        ({**LRS_FORWARD, "url": "http://[fe80::1]/xapi"}, "link-local"),
        ({**LRS_FORWARD, "url": "http://[::ffff:169.254.169.254]/xapi"}, "link-local"),
        ({**LRS_FORWARD, "url": "http://[fd00:ec2::254]/xapi"}, "metadata"),
        ({**LRS_FORWARD, "url": "http://0.0.0.0:8080/xapi"}, "unspecified"),
    ],
)
async def test_bad_definitions_are_400_naming_the_field(xapi, definition, detail):
    response = await xapi.post("/admin/forwards", json=definition)
    assert response.status == 400
    assert detail in (await response.json())["detail"]
    assert (await (await xapi.get("/admin/forwards")).json())["forwards"] == []


async def test_patch_changes_only_what_it_names_and_keeps_the_type(xapi):
    created = await (await xapi.post("/admin/forwards", json=LRS_FORWARD)).json()
    patched = await xapi.request(
        "PATCH", f"/admin/forwards/{created['id']}", json={"filter": {"verb": "http://example.com/v"}}
    )
    body = await patched.json()
    assert patched.status == 200 and body["filter"] == {"verb": ["http://example.com/v"]} and body["key"] == "k"
    refused = await xapi.request("PATCH", f"/admin/forwards/{created['id']}", json={"type": "webhook"})
    assert refused.status == 400


async def test_patch_keeps_the_xapi_version_it_does_not_name(xapi):
    created = await (await xapi.post("/admin/forwards", json={**LRS_FORWARD, "xapiVersion": "2.0.0"})).json()
    patched = await xapi.request("PATCH", f"/admin/forwards/{created['id']}", json={"name": "renamed"})
    body = await patched.json()
    assert patched.status == 200 and body["name"] == "renamed" and body["xapiVersion"] == "2.0.0"


async def test_admin_scope_is_required(xapi, xapi_with):
    assert (await xapi.as_(None).get("/admin/forwards")).status == 401
    limited = await xapi_with("statements/write", "statements/read")
    assert (await limited.post("/admin/forwards", json=LRS_FORWARD)).status == 403


async def test_unknown_forward_is_404(xapi):
    missing = uuid.uuid4()
    assert (await xapi.get(f"/admin/forwards/{missing}")).status == 404
    assert (await xapi.delete(f"/admin/forwards/{missing}")).status == 404
    assert (await xapi.post(f"/admin/forwards/{missing}/pause")).status == 404


async def test_without_forwards_ingest_writes_no_outbox_entry(xapi, database):
    await post(xapi, make_statement(), make_statement())
    assert await database[store.OUTBOX].count_documents({}) == 0


async def test_refused_batch_leaves_no_outbox_entry(xapi, database, receiver):
    await create_forward(xapi, name="hook", type="webhook", url=receiver.url)
    statement_id = str(uuid.uuid4())
    await post(xapi, make_statement(id=statement_id))
    conflicting = make_statement(id=statement_id, verb={"id": "http://example.com/other"})
    assert (await xapi.post("/xapi/statements", json=[make_statement(), conflicting])).status == 409
    entries = await database[store.OUTBOX].find().to_list()
    assert all(statement_id.lower() in e["ids"] and len(e["ids"]) == 1 for e in entries)


async def test_deleted_forward_stops_and_its_queue_is_cleared(xapi, database, receiver, monkeypatch):
    monkeypatch.setattr(worker, "DELETE_GRACE", timedelta(0))
    forward = await create_forward(xapi, name="hook", type="webhook", url=receiver.url)
    assert (await xapi.post(f"/admin/forwards/{forward['id']}/pause")).status == 200
    await post(xapi, make_statement())
    assert await database[store.OUTBOX].count_documents({"pending": forward["id"]}) == 1
    assert (await xapi.delete(f"/admin/forwards/{forward['id']}")).status == 204
    assert (await xapi.get(f"/admin/forwards/{forward['id']}")).status == 404
    assert (await (await xapi.get("/admin/forwards")).json())["forwards"] == []
    await eventually(lambda: gone(database, forward["id"]))
    await asyncio.sleep(worker.REFRESH_SECONDS + 0.1)
    await post(xapi, make_statement())  # not queued for the deleted forward any more
    assert await database[store.OUTBOX].count_documents({}) == 0
    assert receiver.deliveries == []


async def gone(database, forward_id: str) -> bool:
    return (
        await database[store.OUTBOX].count_documents({"pending": forward_id}) == 0
        and await database[store.FORWARDS].count_documents({"_id": forward_id}) == 0
    )


async def test_a_name_resolving_to_a_metadata_address_is_refused_at_delivery():
    from lrs.forwarding.addresses import CheckedResolver, RefusedAddress

    resolver = CheckedResolver()
    try:
        assert (await resolver.resolve("127.0.0.1", 80))[0]["host"] == "127.0.0.1"  # loopback stays allowed
        with pytest.raises(RefusedAddress, match="169.254.169.254"):
            await resolver.resolve("169.254.169.254", 80)
    finally:
        await resolver.close()


async def test_a_stored_forward_to_a_metadata_address_fails_without_sending(xapi, database):
    """A forward defined before the rule existed: delivery refuses it and says why."""
    created = await create_forward(xapi, name="old", type="webhook", url="http://127.0.0.1:9/hook")
    await database[store.FORWARDS].update_one(
        {"_id": created["id"]}, {"$set": {"url": "http://169.254.169.254/latest"}}
    )
    await asyncio.sleep(2.1)  # past the forward's start
    await post(xapi, make_statement())

    async def error():
        return (await (await xapi.get(f"/admin/forwards/{created['id']}")).json())["lastError"]

    assert "link-local or metadata address" in (await eventually(error))["message"]
