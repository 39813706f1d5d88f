"""SIGTERM drains requests in flight; a statement batch is stored whole or not at all."""

from __future__ import annotations

import asyncio
import json
import uuid

import aiohttp
from aiohttp import web
from pymongo import AsyncMongoClient

from lrs.app import create_app
from lrs.embedded import EmbeddedDatabase, free_port
from lrs.keys import mongo_client_key, statement_hooks_key
from tests.conftest import ADMIN_AUTH, make_statement
from tests.lrs.serve_process import (
    ADMIN,
    DATABASE,
    ServeProcess,
    basic_auth,
    server_env,
    shared_database_env,
    start_servers,
)


async def count_statements(uri: str, database: str = DATABASE) -> int:
    client = AsyncMongoClient(uri)
    try:
        return await client[database]["statements"].count_documents({})
    finally:
        await client.close()


def batch(size: int) -> tuple[list[dict], bytes]:
    run = uuid.uuid4().hex
    statements = [make_statement(object={"id": f"http://example.com/activities/{run}/{n}"}) for n in range(size)]
    return statements, json.dumps(statements).encode()


def request_head(port: int, length: int) -> bytes:
    return (
        f"POST /xapi/statements HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: {basic_auth(*ADMIN)}\r\nX-Experience-API-Version: 1.0.3\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()


async def read_status(reader: asyncio.StreamReader) -> int | None:
    """The response status, or None when the server closed the connection without one."""
    try:
        response = await asyncio.wait_for(reader.read(), timeout=60)
    except ConnectionResetError:
        return None
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else None


async def start_upload(port: int, body: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """POST the headers and half of `body`: the request is then in progress on the server."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request_head(port, len(body)) + body[: len(body) // 2])
    await writer.drain()
    await asyncio.sleep(0.3)
    return reader, writer


async def finish_upload(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes) -> int | None:
    """Send the rest of `body`; the response status (see read_status)."""
    writer.write(body[len(body) // 2 :])
    await writer.drain()
    status = await read_status(reader)
    writer.close()
    return status


async def start_server(tmp_path, database_server, **settings) -> ServeProcess:
    [server] = await start_servers(shared_database_env(tmp_path / "data", database_server.uri, **settings), 1)
    return server


async def test_sigterm_during_a_large_post_lets_it_finish_and_stores_it_whole(tmp_path, database_server):
    server = await start_server(tmp_path, database_server)
    statements, body = batch(2000)
    reader, writer = await start_upload(server.port, body)

    server.signal()
    await asyncio.sleep(0.5)
    assert server.process.poll() is None  # still draining, not gone
    status = await finish_upload(reader, writer, body)

    assert await asyncio.to_thread(server.wait) == 0
    assert status == 200, server.output
    assert await count_statements(database_server.uri) == len(statements)


async def test_sigterm_with_the_embedded_database_stops_it_only_after_the_request(tmp_path):
    [server] = await start_servers(server_env(tmp_path / "data", LRS_ADMIN_KEY=ADMIN[0], LRS_ADMIN_SECRET=ADMIN[1]), 1)
    statements, body = batch(1000)
    reader, writer = await start_upload(server.port, body)

    server.signal()
    await asyncio.sleep(0.5)
    assert server.process.poll() is None  # still draining, not gone
    status = await finish_upload(reader, writer, body)
    assert await asyncio.to_thread(server.wait) == 0
    assert status == 200, server.output

    reopened = EmbeddedDatabase(tmp_path / "data" / "db", log_file=tmp_path / "reopened.log")
    await reopened.start()
    try:
        assert await count_statements(reopened.uri) == len(statements)
    finally:
        await reopened.stop()


async def test_a_request_still_arriving_after_the_shutdown_timeout_stores_nothing(tmp_path, database_server):
    server = await start_server(tmp_path, database_server, LRS_SHUTDOWN_TIMEOUT="1")
    _, body = batch(500)
    reader, writer = await start_upload(server.port, body)

    server.signal()
    assert await asyncio.to_thread(server.wait) == 0  # gave up on the stalled request after 1 s
    status = await read_status(reader)
    writer.close()
    assert status is None
    assert await count_statements(database_server.uri) == 0
    assert "status=499" in server.output  # logged as cancelled


async def test_sigterm_right_after_a_large_post_stores_the_batch_whole_or_not_at_all(tmp_path, database_server):
    server = await start_server(tmp_path, database_server, LRS_SHUTDOWN_TIMEOUT="1")
    statements, body = batch(3000)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(request_head(server.port, len(body)) + body)
    await writer.drain()
    await asyncio.sleep(0.2)  # likely validating or writing by now; either way the rule holds

    server.signal()
    status = await read_status(reader)
    writer.close()
    assert await asyncio.to_thread(server.wait) == 0
    stored = await count_statements(database_server.uri)
    assert stored in (0, len(statements)), server.output
    if status == 200:
        assert stored == len(statements)
    assert "Traceback" not in server.output


class PausedWrite:
    """A statement hook that holds a write after it has started, until released."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def before_store(self, statements, ctx) -> None:
        self.entered.set()
        await self.release.wait()

    async def after_store(self, statements, ctx) -> None:
        return None


async def test_shutdown_cancels_a_slow_request_but_its_write_finishes_before_the_database_closes(settings):
    app = create_app(settings)
    paused = PausedWrite()
    app[statement_hooks_key].append(paused)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.2)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    client_closed = []

    async def post() -> int | None:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.post(
                    f"http://127.0.0.1:{port}/xapi/statements",
                    json=[make_statement()] * 3,
                    headers={"Authorization": ADMIN_AUTH, "X-Experience-API-Version": "1.0.3"},
                ) as response:
                    return response.status
            except aiohttp.ClientError:
                return None

    request = asyncio.ensure_future(post())
    shutdown = None
    try:
        await paused.entered.wait()
        mongo = app[mongo_client_key]
        original_close = mongo.close

        async def close_after_write() -> None:
            client_closed.append(await count_statements(settings.mongodb_uri, settings.database))
            await original_close()

        mongo.close = close_after_write
        shutdown = asyncio.ensure_future(runner.cleanup())
        assert await request is None  # the request was cancelled after the 0.2 s shutdown timeout
        await asyncio.sleep(0.3)
        assert not shutdown.done()  # ... but shutdown waits for the write it started
    finally:
        paused.release.set()
        await (shutdown or runner.cleanup())
        await asyncio.gather(request, return_exceptions=True)
    assert client_closed == [3]  # the batch was in the database before the client closed
