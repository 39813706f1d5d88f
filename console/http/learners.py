"""Learners, registrations, and one registration's progress with the waive and abandon actions."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from aiohttp import web

from cmi5 import sessions
from cmi5.http import lms_for
from cmi5.vocab import WAIVE_REASONS
from console import learners, progress
from console.http.guard import PREFIX, page, read_form, redirect, render
from console.rollups import flush_now
from lrs.errors import BadRequest, LRSError, NotFound
from lrs.http.context import database


def statements_link(**parameters: str) -> str:
    return f"{PREFIX}/statements?{urlencode(parameters)}"


@page()
async def get_learners(request: web.Request) -> web.Response:
    await flush_now(request.app)
    found, more = await learners.list_learners(database(request), request.query.get("before"))
    return render(request, "learners.html", {"learners": found, "more": more})


@page()
async def get_learner(request: web.Request) -> web.Response:
    await flush_now(request.app)
    key = request.query.get("key", "")
    learner = await learners.find_learner(database(request), key)
    if learner is None:
        raise NotFound(f"no learner {key} has statements here")
    registrations, more = await learners.list_registrations(
        database(request), request.query.get("before"), actor_key=key
    )
    return render(
        request,
        "learner.html",
        {
            "learner": learner,
            "registrations": registrations,
            "more": more,
            "statements": statements_link(agent=json.dumps(learner["actor"], ensure_ascii=False)),
        },
    )


@page()
async def get_registrations(request: web.Request) -> web.Response:
    await flush_now(request.app)
    found, more = await learners.list_registrations(database(request), request.query.get("before"))
    return render(request, "registrations.html", {"registrations": found, "more": more})


async def report_page(request: web.Request, error: LRSError | None = None) -> web.Response:
    report = await progress.read_report(database(request), request.match_info["registration"])
    return render(
        request,
        "registration.html",
        {
            "report": report,
            "error": error,
            "statements": statements_link(registration=report.registration),
            "reasons": WAIVE_REASONS,
        },
        status=error.status if error else 200,
    )


@page()
async def get_registration(request: web.Request) -> web.Response:
    return await report_page(request)


async def act(request: web.Request, action) -> web.Response:
    form = await read_form(request)
    body = {name: form[name] for name in ("au", "reason") if isinstance(form.get(name), str)}
    registration = request.match_info["registration"]
    try:
        await action(lms_for(request.app), registration, body)
    except BadRequest as error:
        return await report_page(request, error)
    except LRSError as error:
        if error.status != 409:
            raise
        return await report_page(request, error)
    return redirect(f"{PREFIX}/registrations/{registration}")


@page(admin=True)
async def post_waive(request: web.Request) -> web.Response:
    return await act(request, sessions.waive)


@page(admin=True)
async def post_abandon(request: web.Request) -> web.Response:
    return await act(request, sessions.abandon)
