import pytest

from lrs.keys import credential_store_key
from tests.conftest import basic


@pytest.fixture
def xapi_with(xapi, client):
    """`await xapi_with("state")`: a client whose credential has only the given scopes."""
    async def make(*scopes: str):
        credential = await client.server.app[credential_store_key].insert_credential("limited", list(scopes))
        return xapi.as_(basic(credential.key, credential.secret))
    return make
