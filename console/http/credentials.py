"""Credentials: list, create (the secret shown once), revoke."""

from __future__ import annotations

from aiohttp import web

from console import auth
from console.http.guard import PREFIX, operator, page, read_form, redirect, render
from console.http.session import text_field
from lrs.auth.principal import SCOPES
from lrs.errors import BadRequest, LRSError
from lrs.http.context import credential_store, database


async def credential_list(
    request: web.Request, created=None, error: LRSError | None = None, form: dict | None = None
) -> web.Response:
    found = await credential_store(request).list_credentials()
    return render(
        request,
        "credentials.html",
        {
            "credentials": found,
            "scopes": SCOPES,
            "created": created,
            "error": error,
            "form": form or {},
        },
        status=error.status if error else 201 if created else 200,
    )


@page()
async def get_credentials(request: web.Request) -> web.Response:
    return await credential_list(request)


@page(admin=True)
async def post_credential(request: web.Request) -> web.Response:
    form = await read_form(request)
    name = text_field(form, "name").strip()
    scopes = [scope for scope in form.getall("scopes", []) if isinstance(scope, str)]
    try:
        if not name:
            raise BadRequest("name: give the credential a name (who or what uses it)")
        created = await credential_store(request).insert_credential(name, scopes)
    except BadRequest as error:
        return await credential_list(request, error=error, form={"name": name, "scopes": scopes})
    # The secret is in this response only: it is stored as a hash (no-store keeps it out of caches).
    return await credential_list(request, created=created)


@page(admin=True)
async def post_revoke(request: web.Request) -> web.Response:
    key = request.match_info["key"]
    if key == operator(request).key:
        raise BadRequest("you are signed in with this credential; sign in with another admin credential to revoke it")
    if await credential_store(request).update_revoked(key):
        await auth.end_sessions_of(database(request), key)
    return redirect(f"{PREFIX}/credentials")
