"""Upgrade: a store written by the version before sequence numbers keeps working.

The legacy store is built here as that version wrote it: documents without numbers, indexes on
`stored`, and hourly counts upserted per batch.
"""

import asyncio
import itertools
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne

from lrs.app import create_app
from lrs.db import META, connect
from lrs.keys import database_key
from lrs.statements import backfill, store
from lrs.statements.sequence import SEQUENCE_ID
from tests.conftest import XAPI, make_statement

T0 = datetime(2025, 3, 1, tzinfo=UTC)
LEGACY_KEYS = (store.AUTHORITY, *store.KEY_FIELDS)


@pytest.fixture
async def legacy(settings, monkeypatch):
    """The settings' database, as the earlier version left it, before it is filled."""
    # Small reads of the old order, so that a few hundred statements take several.
    monkeypatch.setattr(backfill, "SLICE", 40)
    client = connect(settings.mongodb_uri)
    database = client[settings.database]
    order = [(store.VOIDED, ASCENDING), (store.STORED, DESCENDING), ("_id", DESCENDING)]
    await database[store.STATEMENTS].create_indexes(
        [IndexModel(order)] + [IndexModel([(key, ASCENDING), *order]) for key in LEGACY_KEYS]
    )
    yield database
    await client.close()


async def insert_legacy(database, moment: datetime, count: int, voided: bool = False) -> list[dict]:
    documents = []
    for _ in range(count):
        statement = make_statement(id=str(uuid.uuid4()), stored=moment.isoformat())
        document = store.to_document(statement, 0, moment, "test-admin", [])
        del document[store.SEQ], document[store.VERB_ACTIVITIES]
        document[store.VOIDED] = voided
        documents.append(document)
    await database[store.STATEMENTS].insert_many(documents)
    hour = moment.replace(minute=0, second=0, microsecond=0)
    await database[backfill.LEGACY_HOURS].update_one({"_id": hour}, {"$inc": {"n": count}}, upsert=True)
    return documents


async def fill(database) -> list[dict]:
    documents = []
    for day in range(0, 300, 37):  # sparse over most of a year
        documents += await insert_legacy(database, T0 + timedelta(days=day, minutes=day), 3)
    documents += await insert_legacy(database, T0 + timedelta(days=40), 2, voided=True)
    for second in range(5):  # a burst: more in one hour than one read of the old order takes
        documents += await insert_legacy(database, T0 + timedelta(days=301, seconds=second), 60)
    return sorted(documents, key=lambda d: (d[store.STORED], d["_id"]))


async def read_pages(xapi, url: str) -> list[dict]:
    statements = []
    while url:
        response = await xapi.get(url)
        assert response.status == 200, await response.text()
        body = await response.json()
        statements += body["statements"]
        url = body.get("more")
    return statements


async def numbers_by_id(database) -> dict:
    cursor = database[store.STATEMENTS].find({}, [store.ID, store.SEQ])
    return {d[store.ID]: d.get(store.SEQ) async for d in cursor}


async def test_first_start_numbers_every_statement_in_the_old_order(legacy, settings, aiohttp_client):
    documents = await fill(legacy)
    xapi = XAPI(await aiohttp_client(create_app(settings)))

    numbers = await numbers_by_id(legacy)
    assert [numbers[d[store.ID]] for d in documents] == list(range(1, len(documents) + 1))
    assert (await legacy[META].find_one({"_id": SEQUENCE_ID}))["n"] == len(documents)
    names = {index["name"] async for index in await legacy[store.STATEMENTS].list_indexes()}
    assert not names & set(backfill.LEGACY_INDEXES)
    assert backfill.LEGACY_HOURS not in await legacy.list_collection_names()

    live = [d[store.ID] for d in reversed(documents) if not d[store.VOIDED]]
    assert [s["id"] for s in await read_pages(xapi, "/xapi/statements?limit=500")] == live
    since = T0 + timedelta(days=100)
    got = await read_pages(xapi, f"/xapi/statements?limit=7&ascending=true&since={quote(since.isoformat())}")
    assert [s["id"] for s in got] == [d[store.ID] for d in documents if not d[store.VOIDED] and d[store.STORED] > since]

    statement = make_statement()
    query = f"verb={quote(statement['verb']['id'])}&activity={quote(statement['object']['id'])}&related_activities=true"
    assert [s["id"] for s in await read_pages(xapi, f"/xapi/statements?{query}&limit=100")] == live

    response = await xapi.post("/xapi/statements", json=statement)
    [new_id] = await response.json()
    first = (await (await xapi.get("/xapi/statements?limit=1")).json())["statements"][0]
    assert first["id"] == new_id and first["stored"] > documents[-1][store.BODY]["stored"]
    assert (await numbers_by_id(legacy))[new_id] == len(documents) + 1


async def test_processes_starting_together_number_once_and_alike(legacy, settings, aiohttp_client):
    documents = await fill(legacy)
    clients = await asyncio.gather(*(aiohttp_client(create_app(settings)) for _ in range(3)))
    numbers = await numbers_by_id(legacy)
    assert [numbers[d[store.ID]] for d in documents] == list(range(1, len(documents) + 1))
    for client in clients:
        assert (await XAPI(client).get("/xapi/statements?limit=1")).status == 200


async def test_numbering_left_half_done_by_a_dead_process_is_finished_alike(legacy, settings, aiohttp_client):
    documents = await fill(legacy)
    done = documents[:100]  # what the dead process had done
    await legacy[store.STATEMENTS].bulk_write(
        [UpdateOne({"_id": d["_id"]}, {"$set": {store.SEQ: n}}) for n, d in enumerate(done, start=1)]
    )
    stale = datetime.now(UTC) - backfill.STALE_AFTER - timedelta(seconds=1)
    await legacy[META].insert_one({"_id": backfill.CLAIM_ID, "owner": "dead", "renewed": stale})

    await aiohttp_client(create_app(settings))
    numbers = await numbers_by_id(legacy)
    assert [numbers[d[store.ID]] for d in documents] == list(range(1, len(documents) + 1))
    assert await legacy[META].find_one({"_id": backfill.CLAIM_ID}) is None


def test_time_slices_cover_all_time_contiguously_and_cut_dense_hours():
    hours = [(T0, 10), (T0 + timedelta(hours=5), 1990), (T0 + timedelta(hours=6), 5000)]
    slices = backfill.time_slices(hours)
    assert slices[0][0] == backfill.EARLIEST and slices[-1][1] == backfill.LATEST
    assert all(a[1] == b[0] for a, b in itertools.pairwise(slices))
    dense = [s for s in slices if T0 + timedelta(hours=6) <= s[0] < T0 + timedelta(hours=7)]
    assert len(dense) == 3  # 5000 statements in one hour: three reads of about 2000 each


async def test_a_counter_restored_behind_the_statements_is_moved_past_them(settings, aiohttp_client):
    xapi = XAPI(await aiohttp_client(create_app(settings)))
    stored = [await (await xapi.post("/xapi/statements", json=[make_statement()] * 3)).json() for _ in range(2)]
    database = xapi.client.server.app[database_key]
    # `meta` from a backup older than the statements (and a hole: a batch that failed).
    await database[store.STATEMENTS].update_one({"id": stored[1][2]}, {"$set": {store.SEQ: 9000}})
    await database[META].update_one({"_id": SEQUENCE_ID}, {"$set": {"n": 3}})
    await xapi.client.close()

    xapi = XAPI(await aiohttp_client(create_app(settings)))
    [new_id] = await (await xapi.post("/xapi/statements", json=make_statement())).json()
    assert (await numbers_by_id(xapi.client.server.app[database_key]))[new_id] == 9001
    first = (await (await xapi.get("/xapi/statements?limit=1")).json())["statements"][0]
    assert first["id"] == new_id


async def test_an_lrs_command_opening_an_old_store_numbers_it_first(legacy, settings):
    from lrs.commands import open_database

    documents = await fill(legacy)
    async with open_database(settings) as database:  # as `lrs export`, `lrs import`, `lrs erase` do
        numbers = await numbers_by_id(database)
    assert [numbers[d[store.ID]] for d in documents] == list(range(1, len(documents) + 1))
