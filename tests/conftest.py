"""Shared fixtures: one real database server per session, a fresh database and app per test."""

from __future__ import annotations

import base64
import dataclasses
import os
import uuid

import pytest
from pymongo import AsyncMongoClient, monitoring

from lrs.app import create_app
from lrs.embedded import EmbeddedDatabase
from lrs.settings import Settings

ADMIN_KEY = "test-admin"
ADMIN_SECRET = "test-admin-secret"
XAPI_VERSION = "1.0.3"


def basic(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


ADMIN_AUTH = basic(ADMIN_KEY, ADMIN_SECRET)


@pytest.fixture(scope="session")
async def database_uri():
    """LRS_TEST_MONGODB_URI when set; otherwise an in-memory embedded SecantusDB."""
    uri = os.environ.get("LRS_TEST_MONGODB_URI")
    if uri:
        yield uri
        return
    server = EmbeddedDatabase(":memory:")
    yield await server.start()
    await server.stop()


@pytest.fixture
async def database_server(tmp_path):
    """A database server of the test's own, on a storage folder: the test can stop it and start
    it again (same folder, same port), or point `lrs serve` processes at it."""
    server = EmbeddedDatabase(tmp_path / "db")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def settings(database_uri, tmp_path):
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield Settings(
        mongodb_uri=database_uri,
        database=name,
        admin_key=ADMIN_KEY,
        admin_secret=ADMIN_SECRET,
        data_dir=tmp_path,
        statement_limit=50,
    )
    client = AsyncMongoClient(database_uri)
    await client.drop_database(name)
    await client.close()


@pytest.fixture
async def second_lrs(settings, aiohttp_client, database_uri):
    """Another LRS set up as the test's own, on a database of its own: where an import pulls
    from, what a forward delivers to."""
    own = dataclasses.replace(settings, database=f"test_{uuid.uuid4().hex[:12]}")
    yield XAPI(await aiohttp_client(create_app(own)))
    mongo = AsyncMongoClient(database_uri)
    await mongo.drop_database(own.database)
    await mongo.close()


@pytest.fixture
def plugins():
    """Overridden by package test folders that need cmi5 or the bridge plugged in."""
    return []


@pytest.fixture
async def app(settings, plugins):
    return create_app(settings, plugins)


@pytest.fixture
async def client(app, aiohttp_client):
    return await aiohttp_client(app)


class XAPI:
    """A test client that speaks xAPI: version header and admin credentials unless told otherwise."""

    def __init__(self, client, auth: str | None = ADMIN_AUTH, version: str | None = XAPI_VERSION):
        self.client = client
        self.auth = auth
        self.version = version

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"X-Experience-API-Version": self.version}
        if self.auth:
            headers["Authorization"] = self.auth
        headers.update(extra or {})
        return {k: v for k, v in headers.items() if v is not None}

    def request(self, method: str, path: str, headers: dict | None = None, **kwargs):
        return self.client.request(method, path, headers=self.headers(headers), **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def head(self, path, **kwargs):
        return self.request("HEAD", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def as_(self, auth: str | None) -> XAPI:
        return XAPI(self.client, auth, self.version)

    def speaking(self, version: str | None) -> XAPI:
        """The same client sending another X-Experience-API-Version (None: none at all)."""
        return XAPI(self.client, self.auth, version)


@pytest.fixture
def xapi_with(xapi, client):
    """`await xapi_with("state")`: a client whose credential has only the given scopes."""
    from lrs.keys import credential_store_key

    async def make(*scopes: str) -> XAPI:
        credential = await client.server.app[credential_store_key].insert_credential("limited", list(scopes))
        return xapi.as_(basic(credential.key, credential.secret))

    return make


@pytest.fixture
async def browser():
    """A headless Chromium (tests/browser.py), one per test."""
    from tests.browser import launched_chromium

    async with launched_chromium() as launched:
        yield launched


@pytest.fixture
async def xapi(client):
    return XAPI(client)


@pytest.fixture
async def xapi2(client):
    """An xAPI 2.0 client of the same app as `xapi`."""
    return XAPI(client, version="2.0.0")


def make_statement(**overrides) -> dict:
    statement = {
        "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.com", "name": "Learner"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": "http://example.com/activities/one"},
    }
    statement.update(overrides)
    return statement


@pytest.fixture
async def database(client):
    """The started app's database (a fresh one per test)."""
    from lrs.keys import database_key

    return client.server.app[database_key]


class FakeClient:
    """Stands for a database client where only its identity matters (lrs.scopes keeps a weak
    reference to it, as to a real client)."""


class Commands(monitoring.CommandListener):
    """The database commands clients made during the test send, as (command name, collection)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, object]] = []
        self.active = True

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.active:
            self.sent.append((event.command_name, event.command.get(event.command_name)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def count(self, name: str, collection: str) -> int:
        return self.sent.count((name, collection))


@pytest.fixture
def commands():
    """Register before the app starts: clients created from then on report to it."""
    listener = Commands()
    monitoring.register(listener)
    yield listener
    # PyMongo cannot unregister a listener: it goes quiet and lets go of what it held.
    listener.active = False
    listener.sent.clear()
