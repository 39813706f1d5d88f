"""The database connection: embedded process and client lifecycles, and index creation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from aiohttp import web
from pymongo import AsyncMongoClient, IndexModel, WriteConcern
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    ExecutionTimeout,
    OperationFailure,
    PyMongoError,
    WTimeoutError,
)

from lrs.coalescing import Coalescer
from lrs.embedded import EmbeddedDatabase
from lrs.embedded_recovery import EmbeddedStatus, keep_running
from lrs.keys import database_key, embedded_status_key, index_specs_key, mongo_client_key, settings_key, stop_key
from lrs.settings import Settings

log = logging.getLogger(__name__)

# What storage functions take and PyMongo hands back: documents are plain dicts.
Document: TypeAlias = dict[str, Any]
Database: TypeAlias = AsyncDatabase[Document]
Client: TypeAlias = AsyncMongoClient[Document]

# Small documents of many modules: secrets, bootstrap markers, bounds.
META = "meta"

# Short enough that a request during an outage gets a 503 quickly instead of hanging.
SERVER_SELECTION_TIMEOUT_MS = 3000

# Server errors that mean "no primary can take this now" (failover, shutdown, network), not a bug.
UNAVAILABLE_CODES = frozenset(
    {
        6,
        7,
        89,
        91,
        189,
        9001,
        10107,
        11600,
        11602,
        13435,
        13436,
        # HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress, PrimarySteppedDown,
        # SocketException, NotWritablePrimary, InterruptedAtShutdown, InterruptedDueToReplStateChange,
        # NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary
    }
)
# createIndexes races between processes starting at once: NamespaceExists, IndexBuildAborted,
# IndexBuildAlreadyInProgress. Retrying finds the index built (or builds it).
INDEX_RACE_CODES = frozenset({48, 276, 285})
INDEX_ATTEMPTS = 5


class DatabaseUnavailable(RuntimeError):
    """The database did not answer at start-up; the message is one line for the user."""


@dataclass(frozen=True)
class IndexSpec:
    collection: str
    index: IndexModel


def connect(uri: str, timeout_ms: int = SERVER_SELECTION_TIMEOUT_MS, journal: bool = True) -> Client:
    """A client whose writes are acknowledged once a majority has them in its journal (`journal`),
    or, with `journal=False`, once a majority has them in memory (see `journals_each_write`)."""
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        w="majority",
        journal=journal,
        serverSelectionTimeoutMS=timeout_ms,
        appname="lrs",
    )


# --- durability: nothing is acknowledged before it is in the journal on disk ------------------
#
# On MongoDB every write asks for the journal (`j: true`); MongoDB commits the journal once per
# command, whatever the number of documents. The embedded database syncs its journal once per
# document instead, and a batch of 100 statements upserts about 200 Agent and Activity documents:
# there, writes go unjournaled and every request that may have written ends with one journaled
# write (`sync_journal`). The journal is one sequential log, so syncing it up to that last write
# makes every earlier write durable as well. LRS_UNSAFE_FAST_WRITES drops both, knowingly.
JOURNAL_BARRIER_ID = "journal-barrier"


def journals_each_write(settings: Settings) -> bool:
    return not settings.unsafe_fast_writes and not settings.embedded


def journals_each_request(settings: Settings) -> bool:
    return not settings.unsafe_fast_writes and settings.embedded


async def sync_journal(database: Database) -> None:
    """Returns once a journaled write issued after this call is on disk, and so every write this
    request made before it.

    Requests that ask while one journaled write is in flight share the next one (a group
    commit): it is issued after each of their writes was acknowledged, which is all that the
    sequential journal needs. Under concurrent single-statement requests this saves most of the
    syncs, and the round trips with them."""
    await _journal_syncs.call(database, None)


async def _sync_journal_together(database: Database, requests: list[None]) -> list[None]:
    barrier = database[META].with_options(write_concern=WriteConcern(w="majority", j=True))
    await barrier.update_one({"_id": JOURNAL_BARRIER_ID}, {"$inc": {"syncs": 1}}, upsert=True)
    return [None] * len(requests)


_journal_syncs = Coalescer(_sync_journal_together)


def is_unavailable(error: BaseException) -> bool:
    """True when the database cannot be reached or cannot commit right now: a 503, try again.

    A write whose majority acknowledgement failed also counts: it was not acknowledged, so the
    client must retry it (statement PUT/POST and document writes are idempotent or conditional).
    """
    if isinstance(error, (ConnectionFailure, ExecutionTimeout, WTimeoutError)):
        return True
    if not isinstance(error, PyMongoError):
        return False
    if error.timeout or error.has_error_label("RetryableWriteError"):
        return True
    if isinstance(error, BulkWriteError):
        return bool(error.details.get("writeConcernErrors"))
    return isinstance(error, OperationFailure) and error.code in UNAVAILABLE_CODES


def indexes_by_collection(specs: list[IndexSpec]) -> dict[str, list[IndexModel]]:
    by_collection: dict[str, list[IndexModel]] = {}
    for spec in specs:
        by_collection.setdefault(spec.collection, []).append(spec.index)
    return by_collection


async def ensure_indexes(database: Database, specs: list[IndexSpec]) -> None:
    """Create missing indexes. Idempotent, and safe when many processes start at once."""
    for collection, indexes in indexes_by_collection(specs).items():
        for attempt in range(1, INDEX_ATTEMPTS + 1):
            try:
                await database[collection].create_indexes(indexes)
                break
            except OperationFailure as error:
                if error.code not in INDEX_RACE_CODES or attempt == INDEX_ATTEMPTS:
                    raise
                log.info("index creation on %s raced another process (%s); retrying", collection, error.code)
                await asyncio.sleep(0.2 * attempt)


async def find_missing_indexes(database: Database, specs: list[IndexSpec]) -> list[str]:
    """`collection.index_name` of each declared index the database does not have."""
    missing = []
    for collection, indexes in indexes_by_collection(specs).items():
        present = {index["name"] async for index in await database[collection].list_indexes()}
        missing += [
            f"{collection}.{index.document['name']}" for index in indexes if index.document["name"] not in present
        ]
    return missing


async def embedded_database(app: web.Application) -> AsyncIterator[None]:
    """Start SecantusDB when no MongoDB URI is configured, restart it when it dies
    (lrs.embedded_recovery), and stop it with the server."""
    settings = app[settings_key]
    if not settings.embedded:
        yield
        return
    data_dir = settings.data_dir.resolve()
    server = EmbeddedDatabase(data_dir / "db", settings.embedded_cache, data_dir / "secantusd.log")
    uri = await server.start()
    app[settings_key] = settings.with_embedded_uri(uri)
    # Lets `lrs credentials ...` reach the running server's database instead of its locked files.
    uri_file = running_uri_file(settings)
    uri_file.write_text(uri)
    status = app[embedded_status_key] = EmbeddedStatus()
    keeper = asyncio.create_task(keep_running(server, status, app[stop_key]))
    try:
        yield
    finally:
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
        uri_file.unlink(missing_ok=True)
        await server.stop()


def running_uri_file(settings: Settings) -> Path:
    return settings.data_dir.resolve() / "embedded.uri"


async def mongo_client(app: web.Application) -> AsyncIterator[None]:
    settings = app[settings_key]
    client = connect(settings.database_uri, journal=journals_each_write(settings))
    if settings.unsafe_fast_writes:
        log.warning(
            "LRS_UNSAFE_FAST_WRITES: writes are acknowledged before they are journaled; "
            "a crash of the database can lose acknowledged statements"
        )
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
