"""The System page."""

from __future__ import annotations

from aiohttp import web

from console.http.guard import page, render
from console.system import read_system, started_key
from lrs.keys import database_key, metrics_key, mongo_client_key, settings_key


@page()
async def get_system(request: web.Request) -> web.Response:
    app = request.app
    facts = await read_system(
        app[mongo_client_key], app[database_key], app[settings_key], app[started_key], app[metrics_key].registry
    )
    return render(request, "system.html", {"facts": facts})
