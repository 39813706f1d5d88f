"""Sign-in and sign-out pages."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from aiohttp import web

from console import auth
from console.config import console_settings_key
from console.http.guard import (
    PREFIX,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    clear_cookie,
    current_operator,
    operator,
    page,
    read_form,
    redirect,
    render,
    same_origin,
    set_cookie,
)
from lrs.errors import Forbidden, LRSError
from lrs.http.context import credential_store, database


def text_field(form: Mapping[str, object], name: str) -> str:
    """A form field sent as text; "" when missing or sent as a file (which no browser form here does)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def safe_next(value: object) -> str:
    """Only a path of the console itself, so that sign-in never sends the browser elsewhere."""
    if isinstance(value, str) and value.startswith(PREFIX + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX + "/"


def sign_in_form(request: web.Request, next_path: str, error: LRSError | None = None, key: str = "") -> web.Response:
    token = request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        {"csrf": token, "next": next_path, "error": error, "key": key},
        status=error.status if error else 200,
    )
    if error:
        response.headers.update(error.headers)
    set_cookie(response, request, SIGN_IN_COOKIE, token)
    return response


@page(signed_in=False)
async def get_sign_in(request: web.Request) -> web.Response:
    next_path = safe_next(request.query.get("next"))
    if await current_operator(request) is not None:
        return redirect(next_path)
    return sign_in_form(request, next_path)


@page(signed_in=False)
async def post_sign_in(request: web.Request) -> web.Response:
    form = await read_form(request)
    next_path = safe_next(text_field(form, "next"))
    key, secret = text_field(form, "key"), text_field(form, "secret")
    expected = request.cookies.get(SIGN_IN_COOKIE)
    if not same_origin(request) or not expected or not auth.csrf_matches(expected, text_field(form, "csrf")):
        raise Forbidden("the sign-in form's CSRF token is missing or wrong; reload the page and try again")
    try:
        token = await auth.sign_in(
            database(request), credential_store(request), request.app[console_settings_key], key, secret, request.remote
        )
    except LRSError as error:
        return sign_in_form(request, next_path, error, key)
    response = redirect(next_path)
    set_cookie(response, request, SESSION_COOKIE, token)
    clear_cookie(response, SIGN_IN_COOKIE)
    return response


@page()
async def post_sign_out(request: web.Request) -> web.Response:
    await auth.sign_out(database(request), operator(request))
    response = redirect(f"{PREFIX}/sign-in")
    clear_cookie(response, SESSION_COOKIE)
    return response
