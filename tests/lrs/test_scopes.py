"""What a process keeps about a database is keyed by a scope no later client can share, even one
that gets a dead client's id."""

import gc

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
            sequence._cache[earlier[id(client)]] = sequence.Marks()  # the dead client's marks
            assert sequence._cache.get(scope) is None
            sequence._cache.pop(earlier[id(client)])
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
