"""A process keeps the live credentials it read for LRS_CREDENTIAL_CACHE_SECONDS: a change made by
this process takes effect at once, one made elsewhere within that time."""

import asyncio
import dataclasses
from datetime import UTC, datetime

from lrs.app import create_app
from lrs.auth.credentials import CREDENTIALS
from lrs.keys import credential_store_key, database_key
from tests.conftest import XAPI, basic


async def lrs_with_cache(settings, aiohttp_client, seconds: int):
    app = create_app(dataclasses.replace(settings, credential_cache_seconds=seconds))
    client = await aiohttp_client(app)
    created = await app[credential_store_key].insert_credential("lms", ["all"])
    return app, XAPI(client, basic(created.key, created.secret)), created.key


async def revoke_elsewhere(app, key: str) -> None:
    """What `lrs credentials revoke` or another LRS process does: a write to the database only."""
    await app[database_key][CREDENTIALS].update_one({"_id": key}, {"$set": {"revoked_at": datetime.now(UTC)}})


async def test_a_credential_is_read_once_per_cache_period(settings, aiohttp_client, commands):
    app, caller, _ = await lrs_with_cache(settings, aiohttp_client, 60)
    before = commands.count("find", CREDENTIALS)
    for _ in range(5):
        assert (await caller.get("/xapi/statements")).status == 200
    assert commands.count("find", CREDENTIALS) - before == 1


async def test_a_revocation_elsewhere_takes_effect_when_the_cache_period_ends(settings, aiohttp_client):
    app, caller, key = await lrs_with_cache(settings, aiohttp_client, 1)
    assert (await caller.get("/xapi/statements")).status == 200
    await revoke_elsewhere(app, key)
    assert (await caller.get("/xapi/statements")).status == 200  # still the copy read above
    await asyncio.sleep(1.1)
    assert (await caller.get("/xapi/statements")).status == 401


async def test_a_revocation_in_this_process_takes_effect_at_once(settings, aiohttp_client):
    app, caller, key = await lrs_with_cache(settings, aiohttp_client, 60)
    assert (await caller.get("/xapi/statements")).status == 200
    assert await app[credential_store_key].update_revoked(key)
    assert (await caller.get("/xapi/statements")).status == 401


async def test_with_zero_seconds_every_request_reads_the_credential(settings, aiohttp_client, commands):
    app, caller, key = await lrs_with_cache(settings, aiohttp_client, 0)
    before = commands.count("find", CREDENTIALS)
    for _ in range(3):
        assert (await caller.get("/xapi/statements")).status == 200
    assert commands.count("find", CREDENTIALS) - before == 3
    await revoke_elsewhere(app, key)
    assert (await caller.get("/xapi/statements")).status == 401


async def test_an_unknown_key_is_not_remembered(settings, aiohttp_client):
    app, caller, _ = await lrs_with_cache(settings, aiohttp_client, 60)
    client = XAPI(caller.client, basic("later", "its-secret"))
    assert (await client.get("/xapi/statements")).status == 401
    await app[credential_store_key].insert_credential("later", ["all"], key="later", secret="its-secret")
    assert (await client.get("/xapi/statements")).status == 200
