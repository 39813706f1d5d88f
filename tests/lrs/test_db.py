"""Index creation many processes can race through, and which database failures mean "retry later"."""

from __future__ import annotations

import asyncio

import pytest
from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    DuplicateKeyError,
    NetworkTimeout,
    NotPrimaryError,
    OperationFailure,
    ServerSelectionTimeoutError,
    WTimeoutError,
)

from lrs.app import INDEXES
from lrs.db import (
    connect,
    ensure_indexes,
    find_missing_indexes,
    is_unavailable,
    journals_each_request,
    journals_each_write,
)
from lrs.settings import Settings


@pytest.mark.parametrize(
    "error",
    [
        ServerSelectionTimeoutError("no server"),
        AutoReconnect("connection closed"),
        NetworkTimeout("timed out"),
        NotPrimaryError("not primary"),
        WTimeoutError("waiting for replication timed out", 64),
        OperationFailure("interrupted at shutdown", 11600),
        OperationFailure("primary stepped down", 189),
        BulkWriteError({"writeErrors": [], "writeConcernErrors": [{"code": 64, "errmsg": "timeout"}]}),
    ],
)
def test_outages_are_unavailable(error):
    assert is_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        DuplicateKeyError("E11000", 11000),
        OperationFailure("bad query", 2),
        BulkWriteError({"writeErrors": [{"code": 11000, "index": 0}], "writeConcernErrors": []}),
        ValueError("not a database error"),
    ],
)
def test_other_errors_are_not_unavailable(error):
    assert not is_unavailable(error)


@pytest.fixture
async def database(settings):
    client = connect(settings.mongodb_uri)
    yield client[settings.database]
    await client.close()


async def test_processes_creating_indexes_at_once_all_succeed(settings, database):
    clients = [connect(settings.mongodb_uri) for _ in range(6)]
    try:
        await asyncio.gather(*(ensure_indexes(c[settings.database], INDEXES) for c in clients))
    finally:
        for client in clients:
            await client.close()
    assert await find_missing_indexes(database, INDEXES) == []
    await ensure_indexes(database, INDEXES)  # and again, on a database that has them all


async def test_missing_indexes_are_named(database):
    missing = await find_missing_indexes(database, INDEXES)
    assert "statements.id_1" in missing and len(missing) == len(INDEXES)


@pytest.mark.parametrize(
    "settings, each_write, each_request",
    [
        (Settings(mongodb_uri="mongodb://db.example.com/"), True, False),  # MongoDB: j on every write
        (Settings(), False, True),  # embedded: one journaled write ends each request (lrs.http.durability)
        (Settings(mongodb_uri="mongodb://db.example.com/", unsafe_fast_writes=True), False, False),
        (Settings(unsafe_fast_writes=True), False, False),
    ],
)
def test_writes_wait_for_the_journal_unless_told_not_to(settings, each_write, each_request):
    assert (journals_each_write(settings), journals_each_request(settings)) == (each_write, each_request)
    assert connect("mongodb://db.example.com/", journal=each_write).write_concern.document == (
        {"w": "majority", "j": True} if each_write else {"w": "majority", "j": False}
    )
