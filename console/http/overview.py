"""The Overview page and its ingest panel (refreshed by htmx)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from console.http.guard import page, render
from console.overview import read_ingest, read_overview
from console.rollups import flush_now
from lrs.http.context import database


@page()
async def get_overview(request: web.Request) -> web.Response:
    await flush_now(request.app)
    overview = await read_overview(database(request))
    chart = {
        "hours": {"labels": [label for label, _ in overview.hours], "counts": [n for _, n in overview.hours]},
        "days": {"labels": [label for label, _ in overview.days], "counts": [n for _, n in overview.days]},
    }
    return render(request, "overview.html", {"overview": overview, "chart": chart})


@page()
async def get_ingest(request: web.Request) -> web.Response:
    await flush_now(request.app)
    ingest = await read_ingest(database(request), datetime.now(UTC))
    return render(request, "ingest.html", {"ingest": ingest})
