"""What a process keeps about a database is keyed by a scope no later client can share, even one
that gets a dead client's id."""

import gc
import uuid
from datetime import UTC, datetime

from pymongo import AsyncMongoClient

from lrs.scopes import database_scope
from lrs.statements import sequence


async def test_a_client_with_a_dead_clients_id_gets_a_scope_of_its_own(database_uri):
    earlier: dict[int, tuple[int, str]] = {}
    for _ in range(200):  # CPython soon hands a freed client's memory, and id, to a new one
        client = AsyncMongoClient(database_uri, connect=False)
        database = client["same-name"]
        scope = database_scope(database)
        if id(client) in earlier:
            assert scope != earlier[id(client)]
            assert scope[1] == "same-name"
            return
        earlier[id(client)] = scope
        await client.close()
        del client, database
        gc.collect()
    raise AssertionError("no client id was reused in 200 clients")


async def test_the_same_client_keeps_its_scope(database_uri):
    client = AsyncMongoClient(database_uri, connect=False)
    try:
        assert database_scope(client["a"]) == database_scope(client["a"])
        assert database_scope(client["a"]) != database_scope(client["b"])
    finally:
        await client.close()


async def test_the_marks_a_process_keeps_go_with_their_client(database_uri):
    client = AsyncMongoClient(database_uri, tz_aware=True)
    database = client[f"test_{uuid.uuid4().hex[:12]}"]
    try:
        await sequence.update_sequence(database, 70, datetime.now(UTC))
        await sequence.load_marks(database, 70)
        scope = database_scope(database)
        assert scope in sequence._cache
    finally:
        await client.drop_database(database.name)
        await client.close()
    del client, database
    gc.collect()
    assert scope not in sequence._cache
