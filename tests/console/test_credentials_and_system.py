"""The Credentials and System pages over HTTP."""

from __future__ import annotations

import io
import re

from lrs.keys import credential_store_key
from tests.conftest import ADMIN_KEY, basic


async def test_create_shows_the_secret_once_and_the_credential_works(admin_console, client, xapi):
    response = await admin_console.post(
        "/console/credentials", {"name": "Reporting <tool>", "scopes": "statements/read"}, expect=201
    )
    assert response.headers["Cache-Control"] == "no-store"
    page = await response.text()
    key = re.search(r'id="created-key">([^<]+)<', page).group(1)
    secret = re.search(r'id="created-secret">([^<]+)<', page).group(1)
    assert "Reporting &lt;tool&gt;" in page
    reader = xapi.as_(basic(key, secret))
    assert (await reader.get("/xapi/statements")).status == 200
    assert (await reader.post("/xapi/statements", json=[])).status == 403  # only the scopes chosen
    listed = await admin_console.page("/console/credentials")
    assert key in listed and secret not in listed


async def test_unknown_scopes_and_missing_names_are_refused(admin_console):
    response = await admin_console.post("/console/credentials", {"name": "x", "scopes": "everything"}, expect=400)
    assert "unknown scope everything" in await response.text()
    await admin_console.post("/console/credentials", {"name": " ", "scopes": "all"}, expect=400)


async def test_a_name_sent_as_a_file_is_no_name(admin_console, client):
    # No browser form here sends files: such a field is missing, not the repr of an upload.
    before = len(await client.server.app[credential_store_key].list_credentials())
    await admin_console.post("/console/credentials", {"name": io.BytesIO(b"tool"), "scopes": "all"}, expect=400)
    assert len(await client.server.app[credential_store_key].list_credentials()) == before


async def test_revoke_ends_the_credential(admin_console, client, xapi):
    created = await client.server.app[credential_store_key].insert_credential("old", ["statements/read"])
    await admin_console.post(f"/console/credentials/{created.key}/revoke")
    assert (await xapi.as_(basic(created.key, created.secret)).get("/xapi/statements")).status == 401
    assert "revoked" in await admin_console.page("/console/credentials")


async def test_the_signed_in_credential_cannot_revoke_itself(admin_console):
    response = await admin_console.post(f"/console/credentials/{ADMIN_KEY}/revoke", expect=400)
    assert "you are signed in with this credential" in await response.text()


async def test_system_shows_the_database_versions_and_metrics(admin_console, xapi):
    await xapi.get("/xapi/statements")
    page = await admin_console.page("/console/system")
    assert "MongoDB" in page  # these tests connect to a database by URI
    assert re.search(r"server version</th><td>\d+\.\d+", page)
    assert "requests answered 2xx" in page and "statements stored (this process)" in page
    assert re.search(r"uptime</th><td>0h 0\dm \d\ds", page)
