"""Connection limits of `lrs serve`: headers must arrive in time, idle connections close, and a
process holds at most LRS_MAX_CONNECTIONS. Raw sockets against a real server process."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.lrs.serve_process import ServeProcess, shared_database_env

HEADER_TIMEOUT = 2
KEEPALIVE_TIMEOUT = 3
MAX_CONNECTIONS = 4
# Well past each limit, so a busy machine cannot make the test fail, yet bounded.
CLOSE_WITHIN = 20


@pytest.fixture
async def server(tmp_path, database_uri):
    env = shared_database_env(
        tmp_path / "data",
        database_uri,
        LRS_DATABASE=f"test_{uuid.uuid4().hex[:12]}",
        LRS_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
        LRS_KEEPALIVE_TIMEOUT=str(KEEPALIVE_TIMEOUT),
        LRS_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
    )
    process = ServeProcess(env)
    await asyncio.to_thread(process.wait_ready)
    yield process
    assert await asyncio.to_thread(process.stop) == 0, process.output


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), CLOSE_WITHIN)


async def request_health(reader, writer) -> bytes:
    """One keep-alive request on the connection; its response's head and body."""
    writer.write(b"GET /health HTTP/1.1\r\nHost: lrs\r\n\r\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), CLOSE_WITHIN)
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    )
    return head + await asyncio.wait_for(reader.readexactly(length), CLOSE_WITHIN)


async def test_a_client_that_never_finishes_its_headers_is_disconnected(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /health HTTP/1.1\r\nHost: lrs\r\nX-Slow: ")  # and nothing more
    await writer.drain()
    assert await closed_by_server(reader) == b""
    writer.close()


async def test_the_header_clock_starts_again_for_each_request_on_a_connection(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    assert b" 200 " in await request_health(reader, writer)
    writer.write(b"GET /health HTTP/1.1\r\n")  # a second request that stalls
    await writer.drain()
    assert await closed_by_server(reader) == b""
    writer.close()


async def test_an_idle_keep_alive_connection_is_closed(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    response = await request_health(reader, writer)
    assert b" 200 " in response and b"Connection: close" not in response
    assert await closed_by_server(reader) == b""
    writer.close()


async def test_connections_beyond_the_limit_get_503_and_are_closed(server):
    held = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(MAX_CONNECTIONS)]
    for reader, writer in held:  # each is a live connection the server counts
        assert b" 200 " in await request_health(reader, writer)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    refused = await closed_by_server(reader)
    assert refused.startswith(b"HTTP/1.1 503 ") and b"Retry-After: 1" in refused
    assert b"too many open connections" in refused
    writer.close()

    for _, writer in held:
        writer.close()
    # Once they are gone, a new connection is served again.
    for _ in range(100):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /health HTTP/1.1\r\nHost: lrs\r\nConnection: close\r\n\r\n")
        answer = await closed_by_server(reader)
        writer.close()
        if b" 200 " in answer:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("a connection under the limit was refused")
