"""The admin credential of the first start, and LRS_ADMIN_KEY, when processes start at once."""

from __future__ import annotations

import asyncio

import pytest

from lrs.app import INDEXES
from lrs.auth.credentials import CredentialStore
from lrs.db import connect, ensure_indexes


@pytest.fixture
async def databases(settings):
    """Six clients on one database, as six processes would have."""
    clients = [connect(settings.mongodb_uri) for _ in range(6)]
    await ensure_indexes(clients[0][settings.database], INDEXES)
    yield [client[settings.database] for client in clients]
    for client in clients:
        await client.close()


async def test_processes_starting_at_once_bootstrap_exactly_one_admin(databases):
    results = await asyncio.gather(*(CredentialStore(db).bootstrap_admin() for db in databases))
    created = [r for r in results if r is not None]
    assert len(created) == 1
    store = CredentialStore(databases[0])
    assert [c["_id"] for c in await store.list_credentials()] == [created[0].key]
    assert await store.verify(created[0].key, created[0].secret) is not None


async def test_no_bootstrap_once_any_credential_exists(databases):
    store = CredentialStore(databases[0])
    await store.insert_credential("lms", ["statements/write"])
    assert await store.bootstrap_admin() is None


async def test_no_second_bootstrap_after_the_admin_is_revoked(databases):
    store = CredentialStore(databases[0])
    first = await store.bootstrap_admin()
    await store.update_revoked(first.key)
    assert await store.bootstrap_admin() is None


async def test_processes_ensuring_the_configured_admin_at_once_agree(databases):
    results = await asyncio.gather(*(CredentialStore(db).ensure_admin("boss", "s3cret") for db in databases))
    assert results.count(True) == 1
    store = CredentialStore(databases[0])
    [document] = await store.list_credentials()
    assert document["_id"] == "boss" and "all" in document["scopes"]
    assert await store.verify("boss", "s3cret") is not None


async def test_a_changed_admin_secret_wins_and_an_unchanged_one_is_left_alone(databases):
    store = CredentialStore(databases[0])
    assert await store.ensure_admin("boss", "old-secret") is True
    before = await store.collection.find_one({"_id": "boss"})
    assert await store.ensure_admin("boss", "old-secret") is False
    assert (await store.collection.find_one({"_id": "boss"}))["secret_hash"] == before["secret_hash"]
    await store.ensure_admin("boss", "new-secret")
    assert await store.verify("boss", "new-secret") is not None
    assert await store.verify("boss", "old-secret") is None
