"""Limits on client connections: time to send headers, and connections per process.

aiohttp closes a connection that stays idle for its `keepalive_timeout` (LRS_KEEPALIVE_TIMEOUT),
but a client may take as long as that to send a request's headers, a byte at a time, and hold as
many connections as it likes. `GuardedSite` listens like aiohttp's TCPSite and adds both limits:

- Beyond LRS_MAX_CONNECTIONS open connections, a new one is answered 503 and closed.
- A connection's header clock (LRS_HEADER_TIMEOUT) starts when it opens, and again when the first
  bytes of a new request arrive on an idle connection; the outermost middleware stops it once
  aiohttp has parsed the headers and handed the request over. A clock that runs out closes the
  connection. Reading a body is the handler's business (its size is bounded, lrs.http.context).

Only public aiohttp interfaces are used: the runner's server is the protocol factory, and each
protocol it makes is wrapped here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from aiohttp import web
from aiohttp.typedefs import Handler

from lrs.keys import connection_limits_key

# Lets a refused client read the 503 before the connection goes away.
REFUSED_LINGER_SECONDS = 1.0


def refusal() -> bytes:
    body = json.dumps(
        {"error": "service unavailable", "detail": "this process has too many open connections; try again"}
    ).encode()
    return (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
        b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


class ConnectionLimits:
    def __init__(self, header_timeout: float, max_connections: int) -> None:
        self.header_timeout = header_timeout
        self.max_connections = max_connections
        self._open: dict[asyncio.BaseProtocol, GuardedConnection] = {}

    @property
    def open(self) -> int:
        return len(self._open)

    def opened(self, connection: GuardedConnection) -> None:
        self._open[connection.inner] = connection

    def closed(self, connection: GuardedConnection) -> None:
        self._open.pop(connection.inner, None)

    def protocol(self, server: web.Server) -> asyncio.BaseProtocol:
        if len(self._open) >= self.max_connections:
            return RefusedConnection()
        return GuardedConnection(self, server())

    @contextmanager
    def request(self, protocol: asyncio.BaseProtocol | None) -> Iterator[None]:
        """Around a request's handling: its headers are in, no clock runs until it is answered."""
        connection = self._open.get(protocol) if protocol is not None else None
        if connection is None:  # served some other way (the tests' aiohttp server)
            yield
            return
        connection.begin_request()
        try:
            yield
        finally:
            connection.end_request()


class GuardedConnection(asyncio.Protocol):
    """aiohttp's protocol for one connection, with the header clock around it."""

    def __init__(self, limits: ConnectionLimits, inner: asyncio.Protocol) -> None:
        self.limits = limits
        self.inner = inner
        self.transport: asyncio.Transport | None = None
        self.clock: asyncio.TimerHandle | None = None
        self.handling = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # a TCP server's transports write
        self.limits.opened(self)
        self.inner.connection_made(transport)
        self._start_clock()

    def data_received(self, data: bytes) -> None:
        if not self.handling and self.clock is None:
            self._start_clock()  # the first bytes of the next request
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_clock()
        self.limits.closed(self)
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def begin_request(self) -> None:
        self.handling = True
        self._stop_clock()

    def end_request(self) -> None:
        self.handling = False

    def _start_clock(self) -> None:
        loop = asyncio.get_running_loop()
        self.clock = loop.call_later(self.limits.header_timeout, self._headers_too_slow)

    def _stop_clock(self) -> None:
        if self.clock is not None:
            self.clock.cancel()
            self.clock = None

    def _headers_too_slow(self) -> None:
        self.clock = None
        if not self.handling and self.transport is not None:
            self.transport.close()


class RefusedConnection(asyncio.Protocol):
    """A connection beyond the limit: a 503, then closed once the client had time to read it."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        stream = cast(asyncio.Transport, transport)  # a TCP server's transports write
        stream.write(refusal())
        if stream.can_write_eof():
            stream.write_eof()
        asyncio.get_running_loop().call_later(REFUSED_LINGER_SECONDS, stream.close)

    def data_received(self, data: bytes) -> None:
        pass  # whatever the client sends gets the same answer


class GuardedSite(web.BaseSite):
    """A TCP site whose connections go through `ConnectionLimits`."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, limits: ConnectionLimits) -> None:
        super().__init__(runner)
        self._host, self._port, self._limits = host, port, limits

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        if server is None:
            raise RuntimeError("the runner is not set up")
        self._server = await asyncio.get_running_loop().create_server(
            lambda: self._limits.protocol(server),
            self._host,
            self._port,
        )


@web.middleware
async def track_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost middleware: the request's headers are in, so its connection's header clock stops."""
    with request.app[connection_limits_key].request(request.protocol):
        return await handler(request)
