"""Admin HTTP API of erasure (HTTP Basic credential with scope `all`)."""

from __future__ import annotations

from aiohttp import web

from lrs.auth.principal import ADMIN
from lrs.erasure import erasure_hooks_key, service
from lrs.http.context import database, read_limited, require_basic_credential
from lrs.http.params import parse_json
from lrs.http.responses import json_response
from lrs.keys import settings_key

BASE = "/admin/erasures"


async def post_erasure(request: web.Request) -> web.Response:
    caller = await require_basic_credential(request, ADMIN, "erasing a person (scope all)")
    body = parse_json(await read_limited(request), "body")
    result = await service.erase_agent(
        database(request), body, request.app[erasure_hooks_key], caller.key, request.app[settings_key].public_url
    )
    return json_response(result, status=200 if result["dryRun"] else 201)


async def get_erasures(request: web.Request) -> web.Response:
    await require_basic_credential(request, ADMIN, "reading the erasure audit (scope all)")
    return json_response({"erasures": await service.list_erasures(database(request))})


def add_routes(app: web.Application) -> None:
    app.router.add_post(BASE, post_erasure)
    app.router.add_get(BASE, get_erasures)
