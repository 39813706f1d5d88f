"""The database connection: embedded process and client lifecycles, and index creation."""

from __future__ import annotations

import logging
from pathlib import Path
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from pymongo import AsyncMongoClient, IndexModel
from pymongo.errors import PyMongoError

from lrs.embedded import EmbeddedDatabase
from lrs.keys import database_key, index_specs_key, mongo_client_key, settings_key

log = logging.getLogger(__name__)

# Small documents of many modules: secrets, bootstrap markers, bounds.
META = "meta"

# Short enough that a request during an outage gets a 503 quickly instead of hanging.
SERVER_SELECTION_TIMEOUT_MS = 3000


class DatabaseUnavailable(RuntimeError):
    """The database did not answer at start-up; the message is one line for the user."""


@dataclass(frozen=True)
class IndexSpec:
    collection: str
    index: IndexModel


def connect(uri: str, timeout_ms: int = SERVER_SELECTION_TIMEOUT_MS) -> AsyncMongoClient:
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        w="majority",
        serverSelectionTimeoutMS=timeout_ms,
        appname="lrs",
    )


async def ensure_indexes(database, specs: list[IndexSpec]) -> None:
    # create_indexes is idempotent, so many processes may start against one database at once.
    by_collection: dict[str, list[IndexModel]] = {}
    for spec in specs:
        by_collection.setdefault(spec.collection, []).append(spec.index)
    for collection, indexes in by_collection.items():
        await database[collection].create_indexes(indexes)


async def embedded_database(app: web.Application) -> AsyncIterator[None]:
    """Start SecantusDB when no MongoDB URI is configured, and stop it with the server."""
    settings = app[settings_key]
    if not settings.embedded:
        yield
        return
    data_dir = settings.data_dir.resolve()
    server = EmbeddedDatabase(data_dir / "db", settings.embedded_cache, data_dir / "secantusd.log")
    uri = await server.start()
    app[settings_key] = settings.with_uri(uri)
    # Lets `lrs credentials ...` reach the running server's database instead of its locked files.
    uri_file = running_uri_file(settings)
    uri_file.write_text(uri)
    try:
        yield
    finally:
        uri_file.unlink(missing_ok=True)
        await server.stop()


def running_uri_file(settings) -> Path:
    return settings.data_dir.resolve() / "embedded.uri"


async def mongo_client(app: web.Application) -> AsyncIterator[None]:
    settings = app[settings_key]
    client = connect(settings.mongodb_uri)
    try:
        try:
            await client.admin.command("ping")
        except PyMongoError as error:
            raise DatabaseUnavailable(
                f"cannot reach the database at {settings.redacted_uri}: {error.__class__.__name__}"
            ) from None
        database = client[settings.database]
        await ensure_indexes(database, app[index_specs_key])
        app[mongo_client_key] = client
        app[database_key] = database
        yield
    finally:
        await client.close()
