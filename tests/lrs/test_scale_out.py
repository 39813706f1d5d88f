"""Several `lrs serve` processes on one database, as behind a load balancer; database outages.

Each test starts its own SecantusDB (the `database_server` fixture) and passes its URI to the
servers as LRS_MONGODB_URI, exactly as a deployment points many processes at MongoDB.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import aiohttp
import pytest
from pymongo import AsyncMongoClient

from lrs.statements import store
from tests.conftest import make_statement
from tests.lrs.serve_process import (
    ADMIN,
    DATABASE,
    ServeProcess,
    basic_auth,
    server_env,
    shared_database_env,
    start_servers,
)

XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3", "Authorization": basic_auth(*ADMIN)}


@pytest.fixture
async def collection(database_server):
    """`collection(name)`: a collection of the servers' database, read behind their backs."""
    client = AsyncMongoClient(database_server.uri)
    yield lambda name: client[DATABASE][name]
    await client.close()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(headers=XAPI_HEADERS, timeout=aiohttp.ClientTimeout(total=60)) as session:
        yield session


@pytest.fixture
async def two_servers(tmp_path, database_server):
    env = shared_database_env(tmp_path / "data", database_server.uri)
    servers = await start_servers(env, 2)
    yield servers
    for server in servers:
        assert await asyncio.to_thread(server.stop) == 0, server.output


def assert_clean(output: str) -> None:
    assert "Traceback" not in output and "level=ERROR" not in output, output


async def test_two_servers_starting_together_create_one_admin_and_both_serve(tmp_path, database_server, http):
    env = server_env(tmp_path / "data", LRS_MONGODB_URI=database_server.uri, LRS_DATABASE=DATABASE)
    servers = await start_servers(env, 2)
    try:
        creators = [s for s in servers if "Created an admin credential" in s.output]
        assert len(creators) == 1, [s.output for s in servers]
        key = re.search(r"key:\s+(\S+)", creators[0].output).group(1)
        secret = re.search(r"secret:\s+(\S+)", creators[0].output).group(1)
        for server in servers:
            async with http.get(f"{server.url}/ready") as response:
                assert response.status == 200
            async with http.get(
                f"{server.url}/xapi/statements", headers={"Authorization": basic_auth(key, secret)}
            ) as response:
                assert response.status == 200
    finally:
        codes = [await asyncio.to_thread(s.stop) for s in servers]
    assert codes == [0, 0]
    for server in servers:
        assert_clean(server.output)


async def test_concurrent_puts_of_one_statement_through_two_servers_store_it_once(two_servers, http, collection):
    statement = make_statement(id=str(uuid.uuid4()))

    async def put(server: ServeProcess, body: dict) -> int:
        async with http.put(f"{server.url}/xapi/statements", params={"statementId": body["id"]}, json=body) as response:
            return response.status

    statuses = await asyncio.gather(*(put(two_servers[i % 2], statement) for i in range(20)))
    assert statuses == [204] * 20
    assert await collection("statements").count_documents({}) == 1

    # Same id, different content: exactly one wins, every other request is a conflict.
    rival_id = str(uuid.uuid4())
    rivals = [make_statement(id=rival_id, verb={"id": f"http://example.com/verbs/v{i}"}) for i in range(12)]
    statuses = await asyncio.gather(*(put(two_servers[i % 2], body) for i, body in enumerate(rivals)))
    assert sorted(statuses) == [204] + [409] * 11
    assert await collection("statements").count_documents({"id": rival_id}) == 1
    for server in two_servers:
        assert_clean(server.output)


async def test_concurrent_state_merges_through_two_servers_lose_no_key(two_servers, http):
    place = {
        "activityId": "http://example.com/activities/course",
        "agent": json.dumps({"mbox": "mailto:learner@example.com"}),
        "stateId": "progress",
    }

    async def merge(server: ServeProcess, number: int) -> int:
        async with http.post(
            f"{server.url}/xapi/activities/state", params=place, json={f"key{number}": number}
        ) as response:
            return response.status

    statuses = await asyncio.gather(*(merge(two_servers[n % 2], n) for n in range(40)))
    assert statuses == [204] * 40
    async with http.get(f"{two_servers[0].url}/xapi/activities/state", params=place) as response:
        assert response.status == 200
        merged = json.loads(await response.read())
    assert merged == {f"key{n}": n for n in range(40)}


async def test_database_outage_gives_503_then_recovers_with_nothing_acknowledged_lost(
    tmp_path, database_server, http, collection
):
    env = shared_database_env(tmp_path / "data", database_server.uri)
    [server] = await start_servers(env, 1)
    try:
        acknowledged = []
        for _ in range(5):
            async with http.post(f"{server.url}/xapi/statements", json=[make_statement()] * 3) as response:
                assert response.status == 200
                acknowledged += await response.json()

        await database_server.stop()
        during = make_statement(id=str(uuid.uuid4()))
        attempts = [
            http.get(f"{server.url}/xapi/statements"),
            http.post(f"{server.url}/xapi/statements", json=make_statement()),
            http.put(f"{server.url}/xapi/statements", params={"statementId": during["id"]}, json=during),
            http.get(f"{server.url}/ready"),
        ]
        for attempt in attempts:
            async with attempt as response:
                assert response.status == 503, await response.text()
                assert response.headers["Retry-After"]
        async with http.get(f"{server.url}/health") as response:
            assert response.status == 200

        await database_server.start()  # same folder, same port: the server finds it by itself
        for _ in range(100):
            async with http.get(f"{server.url}/ready") as response:
                if response.status == 200:
                    break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the server did not become ready again")

        async with http.put(
            f"{server.url}/xapi/statements", params={"statementId": during["id"]}, json=during
        ) as response:
            assert response.status == 204  # the client's retry of the refused write
        stored = {d["id"] async for d in collection("statements").find({}, {"id": 1})}
        assert set(acknowledged) <= stored
        assert during["id"] in stored
    finally:
        assert await asyncio.to_thread(server.stop) == 0
    assert " status=500 " not in server.output
    assert_clean(server.output)


async def test_statements_written_through_three_servers_get_unique_numbers_in_stored_order(
    tmp_path, database_server, http, collection
):
    env = shared_database_env(tmp_path / "data", database_server.uri)
    servers = await start_servers(env, 3)
    try:

        async def post(server: ServeProcess, number: int) -> list[str]:
            body = [make_statement() for _ in range(1 + number % 3)]
            async with http.post(f"{server.url}/xapi/statements", json=body) as response:
                assert response.status == 200, await response.text()
                return await response.json()

        posted = sum(await asyncio.gather(*(post(servers[n % 3], n) for n in range(60))), [])
        documents = await collection("statements").find({}, {store.SEQ: 1, store.STORED: 1}).to_list()
        assert len({d[store.SEQ] for d in documents}) == len(documents) == len(posted)
        by_number = sorted(documents, key=lambda d: d[store.SEQ])
        assert [d[store.STORED] for d in by_number] == sorted(d[store.STORED] for d in documents)

        for server in servers:  # each server pages through all of them, newest first
            seen, url = [], f"{server.url}/xapi/statements?limit=9"
            while url:
                async with http.get(url) as response:
                    body = await response.json()
                seen += body["statements"]
                url = server.url + body["more"] if "more" in body else None
            assert sorted(s["id"] for s in seen) == sorted(posted)
            assert [s["stored"] for s in seen] == sorted((s["stored"] for s in seen), reverse=True)
    finally:
        codes = [await asyncio.to_thread(s.stop) for s in servers]
    assert codes == [0, 0, 0]
