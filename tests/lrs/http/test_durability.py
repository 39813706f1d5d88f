"""With the embedded database, a request that may have written is answered only after one
journaled write, and not at all (503) when the database process it wrote to died meanwhile."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import pytest
from aiohttp import web

from lrs import embedded_recovery
from lrs.app import create_app
from lrs.db import JOURNAL_BARRIER_ID, META
from lrs.folder_lock import lock_holder
from lrs.keys import database_key, embedded_status_key
from lrs.settings import Settings
from lrs.statements.store import STATEMENTS
from tests.conftest import ADMIN_KEY, ADMIN_SECRET, XAPI, make_statement


@pytest.fixture
async def embedded_app(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded_recovery, "RESTART_DELAYS", (0.1, 0.2, 0.4))
    # No LRS_MONGODB_URI: the app starts its own database in tmp_path, as `lrs serve` does.
    return create_app(Settings(data_dir=tmp_path, admin_key=ADMIN_KEY, admin_secret=ADMIN_SECRET))


async def journal_syncs(app) -> int:
    document = await app[database_key][META].find_one({"_id": JOURNAL_BARRIER_ID})
    return document["syncs"] if document else 0


async def test_a_write_request_ends_with_a_journaled_write_and_a_read_does_not(embedded_app, aiohttp_client):
    xapi = XAPI(await aiohttp_client(embedded_app))
    before = await journal_syncs(embedded_app)
    assert (await xapi.post("/xapi/statements", json=[make_statement(), make_statement()])).status == 200
    assert await journal_syncs(embedded_app) == before + 1
    assert (await xapi.get("/xapi/statements")).status == 200
    assert await journal_syncs(embedded_app) == before + 1


async def test_admin_writes_are_journaled_before_the_answer_too(embedded_app, aiohttp_client):
    """The journaled write is the app's, not the xAPI routes': forwards and erasures get it as well."""
    xapi = XAPI(await aiohttp_client(embedded_app))
    writes = [
        ("/admin/forwards", {"name": "w", "type": "webhook", "url": "http://127.0.0.1:9/hook"}, 201),
        ("/admin/erasures", {"agent": {"mbox": "mailto:ada@example.com"}}, 201),
    ]
    for path, body, status in writes:
        before = await journal_syncs(embedded_app)
        assert (await xapi.post(path, json=body)).status == status
        assert await journal_syncs(embedded_app) == before + 1, path


async def test_a_request_whose_database_died_before_the_answer_is_503(embedded_app, tmp_path, aiohttp_client):
    async def write_then_lose_the_database(request: web.Request) -> web.Response:
        await request.app[database_key]["things"].insert_one({"_id": 1})
        os.kill(lock_holder(tmp_path / "db" / "WiredTiger.lock"), signal.SIGKILL)
        status = request.app[embedded_status_key]
        while status.exits == 0 or not status.running:  # dead, then restarted by the LRS
            await asyncio.sleep(0.05)
        return web.Response(status=204)

    embedded_app.router.add_post("/test/write", write_then_lose_the_database)
    client = await aiohttp_client(embedded_app)
    response = await client.post("/test/write")
    # The journaled write succeeds on the new database process, but the insert went to the old one.
    assert response.status == 503 and response.headers["Retry-After"]
    assert "restarted during the request" in (await response.json())["detail"]
    assert (await XAPI(client).post("/xapi/statements", json=make_statement())).status == 200


async def test_concurrent_write_requests_share_journaled_writes(embedded_app, aiohttp_client):
    xapi = XAPI(await aiohttp_client(embedded_app))
    before = await journal_syncs(embedded_app)
    responses = await asyncio.gather(*(xapi.post("/xapi/statements", json=make_statement()) for _ in range(12)))
    assert [r.status for r in responses] == [200] * 12
    # Each request waited for a journaled write issued after its own writes; those that asked
    # while one was in flight shared the next (a group commit), so fewer than one per request.
    assert before < await journal_syncs(embedded_app) < before + 12
    assert len((await (await xapi.get("/xapi/statements")).json())["statements"]) == 12


async def test_the_requests_of_a_turn_make_each_call_once_the_journaled_write_too(
    embedded_app, aiohttp_client, commands
):
    xapi = XAPI(await aiohttp_client(embedded_app))
    known = {"objectType": "Agent", "mbox": "mailto:known@example.com", "name": "Known"}
    assert (await xapi.post("/xapi/statements", json=make_statement(actor=known))).status == 200
    commands.sent.clear()
    # Half the requests name an agent never seen (its name is recorded), half one seen before
    # (nothing to record): they must still keep together up to the journaled write.
    statements = [
        make_statement(
            id=str(uuid.uuid4()), actor=known if n % 2 else {"mbox": f"mailto:new{n}@example.com", "name": f"N{n}"}
        )
        for n in range(12)
    ]
    responses = await asyncio.gather(*(xapi.post("/xapi/statements", json=s) for s in statements))
    assert [r.status for r in responses] == [200] * 12
    turns = commands.count("insert", STATEMENTS)
    assert turns < 12
    assert commands.count("findAndModify", META) == turns  # numbers
    assert commands.count("find", STATEMENTS) == 2 * turns  # ids already stored, StatementRefs to them
    assert commands.count("update", "agents") <= turns
    assert commands.count("update", META) == turns  # the journaled write (the barrier lives in META)
