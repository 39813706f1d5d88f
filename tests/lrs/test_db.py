"""Index creation many processes can race through, and which database failures mean "retry later"."""

from __future__ import annotations

import asyncio

import pytest
from pymongo.errors import (
    AutoReconnect, BulkWriteError, DuplicateKeyError, NetworkTimeout, NotPrimaryError, OperationFailure,
    ServerSelectionTimeoutError, WTimeoutError,
)

from lrs.app import INDEXES
from lrs.db import connect, ensure_indexes, find_missing_indexes, is_unavailable


@pytest.mark.parametrize("error", [
    ServerSelectionTimeoutError("no server"),
    AutoReconnect("connection closed"),
    NetworkTimeout("timed out"),
    NotPrimaryError("not primary"),
    WTimeoutError("waiting for replication timed out", 64),
    OperationFailure("interrupted at shutdown", 11600),
    OperationFailure("primary stepped down", 189),
    BulkWriteError({"writeErrors": [], "writeConcernErrors": [{"code": 64, "errmsg": "timeout"}]}),
])
def test_outages_are_unavailable(error):
    assert is_unavailable(error)


@pytest.mark.parametrize("error", [
    DuplicateKeyError("E11000", 11000),
    OperationFailure("bad query", 2),
    BulkWriteError({"writeErrors": [{"code": 11000, "index": 0}], "writeConcernErrors": []}),
    ValueError("not a database error"),
])
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
