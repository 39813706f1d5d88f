import pytest

from lrs.keys import database_key


@pytest.fixture
async def database(client):
    """The started app's database (a fresh one per test)."""
    return client.server.app[database_key]
