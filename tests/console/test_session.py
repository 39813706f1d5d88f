"""Sign-in, the session cookie, CSRF, sign-out, read-only sessions and the limit on failed
sign-ins, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from console import store
from console.auth import hash_token
from lrs.keys import credential_store_key, database_key
from tests.conftest import ADMIN_KEY, ADMIN_SECRET
from tests.console.conftest import CSRF, Console


def session_cookie(response):
    return response.cookies.get("lrs_console")


async def credential(client, *scopes: str):
    return await client.server.app[credential_store_key].insert_credential("someone", list(scopes))


async def test_pages_without_a_session_send_the_browser_to_sign_in(client):
    response = await client.get("/console/statements?verb=x", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/console/sign-in?next=%2Fconsole%2Fstatements%3Fverb%3Dx"
    # A script's request (htmx, fetch) gets a 401 it can act on instead of a redirect.
    response = await client.get("/console/statements", headers={"Accept": "application/json"})
    assert response.status == 401
    assert (await response.json())["error"] == "unauthorized"


async def test_sign_in_sets_an_http_only_same_site_session_cookie(client):
    response = await Console(client).sign_in()
    cookie = session_cookie(response)
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/console"
    assert not cookie["secure"]  # plain HTTP here: a Secure cookie would never come back
    assert response.headers["Location"] == "/console/"
    # Only a hash of the token is stored.
    database = client.server.app[database_key]
    assert await store.find_session(database, cookie.value) is None
    assert (await store.find_session(database, hash_token(cookie.value)))["key"] == ADMIN_KEY


async def test_the_cookie_is_secure_behind_tls(client):
    form = await Console(client).page("/console/sign-in")
    response = await client.post(
        "/console/sign-in",
        allow_redirects=False,
        headers={"X-Forwarded-Proto": "https"},
        data={"key": ADMIN_KEY, "secret": ADMIN_SECRET, "csrf": CSRF.search(form).group(1)},
    )
    assert response.status == 303
    assert session_cookie(response)["secure"] is True


async def test_a_wrong_secret_is_refused_without_a_session(client):
    response = await Console(client).sign_in(secret="wrong", expect=401)
    assert session_cookie(response) is None
    assert "unknown key, wrong secret, or a revoked credential" in await response.text()


async def test_failed_sign_ins_are_limited_per_key_even_with_the_right_secret_after(client):
    signed = Console(client)
    for _ in range(3):  # the limit in these tests
        await signed.sign_in(secret="wrong", expect=401)
    response = await signed.sign_in(expect=429)
    assert int(response.headers["Retry-After"]) > 0
    assert "too many failed sign-ins" in await response.text()
    # Another credential from the same address is still let in (the address limit is higher).
    other = await credential(client, "all")
    await Console(client).sign_in(other.key, other.secret)


async def test_failed_sign_ins_are_limited_per_address_across_keys(client):
    signed = Console(client)
    for number in range(12):  # four times the per-key limit
        await signed.sign_in(key=f"guess-{number}", secret="wrong", expect=401)
    await signed.sign_in(expect=429)


async def test_a_successful_sign_in_clears_the_keys_failures(client):
    signed = Console(client)
    for _ in range(2):
        await signed.sign_in(secret="wrong", expect=401)
    await signed.sign_in()
    for _ in range(2):
        await Console(client).sign_in(secret="wrong", expect=401)
    await Console(client).sign_in()  # 2 + 2 failures, but never 3 in a row


async def test_credentials_without_all_or_all_read_cannot_sign_in(client):
    writer = await credential(client, "statements/write", "statements/read")
    response = await Console(client).sign_in(writer.key, writer.secret, expect=403)
    assert "needs a credential with scope all" in await response.text()


async def test_sign_in_needs_its_form_token(client):
    response = await client.post(
        "/console/sign-in", data={"key": ADMIN_KEY, "secret": ADMIN_SECRET}, allow_redirects=False
    )
    assert response.status == 403
    assert session_cookie(response) is None


async def test_a_sign_in_whose_form_fields_are_files_is_refused_not_a_500(client):
    form = await Console(client).page("/console/sign-in")
    token = CSRF.search(form).group(1)
    body = aiohttp.FormData()
    body.add_field("key", ADMIN_KEY)
    body.add_field("secret", ADMIN_SECRET)
    body.add_field("csrf", token.encode(), filename="csrf.txt")  # a file part, not a text field
    response = await client.post("/console/sign-in", data=body, allow_redirects=False)
    assert response.status == 403
    assert session_cookie(response) is None


UNKNOWN_TRANSFER_ENCODING = (
    b'--zz\r\nContent-Disposition: form-data; name="name"\r\nContent-Transfer-Encoding: weird\r\n\r\nx\r\n--zz--\r\n'
)


@pytest.mark.parametrize("path", ["/console/courses", "/console/credentials", "/console/sign-in"])
@pytest.mark.parametrize("token_in", ["header", "form"])
@pytest.mark.parametrize(
    "content_type, body",
    [
        ("multipart/form-data; boundary=zz", b"no boundary here"),
        ("application/x-www-form-urlencoded; charset=bogus", b"name=x"),
        ("multipart/form-data; boundary=zz", UNKNOWN_TRANSFER_ENCODING),
    ],
    ids=["no-boundary", "unknown-charset", "unknown-transfer-encoding"],
)
async def test_a_form_body_that_does_not_parse_is_a_400_not_a_500(
    admin_console, client, path, token_in, content_type, body
):
    """The token check (form) or the handler (header) reads it."""
    headers = {"Content-Type": content_type}
    if token_in == "header":
        headers["X-CSRF-Token"] = admin_console.csrf
    before = len(await client.server.app[credential_store_key].list_credentials())
    response = await client.post(path, data=body, headers=headers, allow_redirects=False)
    assert response.status == 400, (response.status, (await response.text())[:500])
    assert "the form could not be read" in await response.text()
    assert len(await client.server.app[credential_store_key].list_credentials()) == before


async def test_sign_in_never_redirects_off_the_console(client):
    response = await Console(client).sign_in(next="//evil.example.com/console/")
    assert response.headers["Location"] == "/console/"


async def test_a_write_without_its_csrf_token_is_refused_and_changes_nothing(admin_console, client):
    before = len(await client.server.app[credential_store_key].list_credentials())
    response = await admin_console.post(
        "/console/credentials", {"name": "sneaky", "scopes": "all"}, csrf=False, expect=403
    )
    assert "CSRF token is missing or wrong" in await response.text()
    await admin_console.post("/console/credentials", {"name": "sneaky", "scopes": "all", "csrf": "forged"}, expect=403)
    assert len(await client.server.app[credential_store_key].list_credentials()) == before
    # The token in a header works as well as in the form (what scripts send).
    await admin_console.post(
        "/console/credentials",
        {"name": "fine", "scopes": "all"},
        csrf=False,
        expect=201,
        headers={"X-CSRF-Token": admin_console.csrf},
    )


async def test_a_write_from_another_origin_is_refused_even_with_the_token(admin_console):
    await admin_console.post(
        "/console/credentials",
        {"name": "x", "scopes": "all"},
        expect=403,
        headers={"Origin": "https://evil.example.com"},
    )


async def test_sign_out_ends_the_session(admin_console, client):
    token = next(c.value for c in client.session.cookie_jar if c.key == "lrs_console")
    response = await admin_console.post("/console/sign-out")
    assert response.headers["Location"] == "/console/sign-in"
    assert (await client.get("/console/", allow_redirects=False)).status == 303
    # The old cookie value is dead, not only forgotten by this browser.
    response = await client.get("/console/", allow_redirects=False, cookies={"lrs_console": token})
    assert response.status == 303


async def test_revoking_a_credential_ends_its_sessions(client):
    other = await credential(client, "all")
    signed = Console(client)
    await signed.sign_in(other.key, other.secret)
    await client.server.app[credential_store_key].update_revoked(other.key)
    assert (await client.get("/console/", allow_redirects=False)).status == 303


async def test_an_idle_session_ends(admin_console, client):
    token = next(c.value for c in client.session.cookie_jar if c.key == "lrs_console")
    database = client.server.app[database_key]
    await store.update_session_seen(database, hash_token(token), datetime.now(UTC) - timedelta(seconds=1))
    assert (await client.get("/console/", allow_redirects=False)).status == 303


async def test_a_read_only_session_sees_no_admin_action_and_may_not_write(client):
    reader = await credential(client, "all/read")
    signed = Console(client)
    await signed.sign_in(reader.key, reader.secret)
    pages = {path: await signed.page(path) for path in ("/console/", "/console/courses", "/console/credentials")}
    assert "read-only" in pages["/console/"]
    assert 'id="import"' not in pages["/console/courses"]
    assert "Create a credential" not in pages["/console/credentials"] and "Revoke" not in pages["/console/credentials"]
    response = await signed.post("/console/credentials", {"name": "x", "scopes": "all"}, expect=403)
    assert "read-only" in await response.text()


async def test_console_pages_carry_a_strict_content_security_policy(admin_console, client):
    for path in ("/console/", "/console/sign-in", "/console/static/console.js"):
        response = await client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["X-Frame-Options"] == "DENY"
    assert (await client.get("/console/")).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/console/sign-in"),
        ("POST", "/console/sign-in"),
        ("GET", "/console/"),
        ("GET", "/console/static/console.css"),
    ],
)
async def test_the_console_is_not_served_on_the_content_origin(client, content_origin, method, path):
    """There an uploaded page shares its origin and could read the console's pages and token."""
    host = content_origin.split("://", 1)[1]
    response = await client.request(method, path, headers={"Host": host}, allow_redirects=False)
    assert response.status == 404
    assert "not served on the content origin" in await response.text()
    assert (await client.get("/console/sign-in")).status == 200  # on the LRS's own address it is
