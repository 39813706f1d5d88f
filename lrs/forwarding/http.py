"""Admin HTTP API of forwards (HTTP Basic credential with scope `all`)."""

from __future__ import annotations

from aiohttp import web

from lrs.auth.principal import ADMIN
from lrs.forwarding import service
from lrs.http.context import database, read_limited, require_basic_credential
from lrs.http.params import parse_json
from lrs.http.responses import json_response

BASE = "/admin/forwards"


async def require_admin(request: web.Request) -> None:
    await require_basic_credential(request, ADMIN, "managing forwards (scope all)")


async def read_json(request: web.Request) -> object:
    return parse_json(await read_limited(request), "body")


async def list_forwards(request: web.Request) -> web.Response:
    await require_admin(request)
    return json_response({"forwards": await service.list_forwards(database(request))})


async def create_forward(request: web.Request) -> web.Response:
    await require_admin(request)
    created = await service.create_forward(database(request), await read_json(request))
    return json_response(created, status=201, headers={"Location": f"{BASE}/{created['id']}"})


async def get_forward(request: web.Request) -> web.Response:
    await require_admin(request)
    return json_response(await service.get_forward(database(request), request.match_info["forward"]))


async def patch_forward(request: web.Request) -> web.Response:
    await require_admin(request)
    body = await read_json(request)
    return json_response(await service.update_forward(database(request), request.match_info["forward"], body))


async def pause_forward(request: web.Request) -> web.Response:
    await require_admin(request)
    return json_response(await service.pause_forward(database(request), request.match_info["forward"]))


async def resume_forward(request: web.Request) -> web.Response:
    await require_admin(request)
    return json_response(await service.resume_forward(database(request), request.match_info["forward"]))


async def delete_forward(request: web.Request) -> web.Response:
    await require_admin(request)
    await service.delete_forward(database(request), request.match_info["forward"])
    return web.Response(status=204)


def add_routes(app: web.Application) -> None:
    app.router.add_get(BASE, list_forwards)
    app.router.add_post(BASE, create_forward)
    app.router.add_get(BASE + "/{forward}", get_forward)
    app.router.add_patch(BASE + "/{forward}", patch_forward)
    app.router.add_delete(BASE + "/{forward}", delete_forward)
    app.router.add_post(BASE + "/{forward}/pause", pause_forward)
    app.router.add_post(BASE + "/{forward}/resume", resume_forward)
