"""HTTP for cmi5: the LMS-facing API (/cmi5/courses, /cmi5/registrations), the AU's fetch URL and
package content. Handlers parse, call one service function and render.

Package content is served under /cmi5/content/ so that an uploaded page cannot script the LRS's
own pages (see content_origin): on the content origin when LRS_CMI5_CONTENT_URL is set, else in
an opaque-origin sandbox, where the AU still runs scripts and calls the LRS and its fetch URL
through CORS (both answer any origin), and reads its own files (which answer with
`Access-Control-Allow-Origin: *`).
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from cmi5 import content_origin, courses, deletion, reports, sessions, store
from cmi5.auth import lms_principal
from cmi5.config import cmi5_settings_key
from lrs.auth.principal import ADMIN
from lrs.errors import BadRequest, NotFound
from lrs.http import params
from lrs.http.context import base_url, database, read_limited, require_basic_credential
from lrs.http.responses import json_response
from lrs.keys import database_key, settings_key, statement_hooks_key

CORS = {"Access-Control-Allow-Origin": "*"}


def lms_for(app: web.Application) -> sessions.Lms:
    return sessions.Lms(app[database_key], app[statement_hooks_key], lms_principal(app[settings_key].public_url))


async def require_admin(request: web.Request, parameters: Iterable[str] = (), required: Iterable[str] = ()) -> None:
    """Every LMS API call: Basic credentials only (a launch token never reaches it), and no query
    parameter but `parameters` (a 400 naming it, as every xAPI resource answers)."""
    await require_basic_credential(request, ADMIN, "using the cmi5 LMS API (scope all)")
    params.check_parameters(request.query, parameters, required)


async def read_json(request: web.Request) -> object:
    return params.parse_json(await read_limited(request), "body")


def urls(request: web.Request) -> sessions.Urls:
    base = base_url(request)
    return sessions.Urls(base=base, content=request.app[cmi5_settings_key].content_url or base)


async def post_course(request: web.Request) -> web.Response:
    await require_admin(request)
    data = await read_limited(request)
    course = await courses.import_course(
        database(request), data, request.content_type, request.app[cmi5_settings_key].package_limits
    )
    return json_response(
        courses.render_course(course), status=201, headers={"Location": f"/cmi5/courses/{course['_id']}"}
    )


async def get_courses(request: web.Request) -> web.Response:
    await require_admin(request)
    found = await courses.list_courses(database(request))
    return json_response({"courses": [courses.render_course_summary(c) for c in found]})


async def get_course(request: web.Request) -> web.Response:
    await require_admin(request)
    course = await courses.get_course(database(request), request.match_info["course"])
    return json_response(courses.render_course(course))


async def delete_course(request: web.Request) -> web.Response:
    await require_admin(request)
    return json_response(await deletion.delete_course(lms_for(request.app), request.match_info["course"]))


async def post_registration(request: web.Request) -> web.Response:
    await require_admin(request)
    registration, created = await sessions.create_registration(lms_for(request.app), await read_json(request))
    return json_response(
        {"registration": registration},
        status=201 if created else 200,
        headers={"Location": f"/cmi5/registrations/{registration}"},
    )


async def get_registration(request: web.Request) -> web.Response:
    await require_admin(request)
    status = await sessions.registration_status(database(request), request.match_info["registration"])
    return json_response(status)


async def delete_registration(request: web.Request) -> web.Response:
    await require_admin(request)
    return json_response(await deletion.delete_registration(lms_for(request.app), request.match_info["registration"]))


async def post_launch(request: web.Request) -> web.Response:
    await require_admin(request)
    result = await sessions.launch(
        lms_for(request.app), request.match_info["registration"], await read_json(request), urls(request)
    )
    return json_response(result)


async def post_waive(request: web.Request) -> web.Response:
    await require_admin(request)
    result = await sessions.waive(lms_for(request.app), request.match_info["registration"], await read_json(request))
    return json_response(result)


async def post_abandon(request: web.Request) -> web.Response:
    await require_admin(request)
    result = await sessions.abandon(lms_for(request.app), request.match_info["registration"], await read_json(request))
    return json_response(result)


async def get_session(request: web.Request) -> web.Response:
    await require_admin(request)
    return json_response(await sessions.session_status(database(request), request.match_info["session"]))


async def post_session_abandon(request: web.Request) -> web.Response:
    await require_admin(request)
    await read_json_or_nothing(request)
    return json_response(await sessions.abandon_by_id(lms_for(request.app), request.match_info["session"]))


async def read_json_or_nothing(request: web.Request) -> None:
    """A body-less call; an empty body or an empty JSON object is accepted as well."""
    data = await read_limited(request)
    if data.strip() and params.parse_json(data, "body") != {}:
        raise BadRequest("this call takes no body (or an empty JSON object)")


async def get_courses_report(request: web.Request) -> web.Response:
    await require_admin(request)
    return json_response({"courses": await reports.courses_report(database(request))})


async def get_course_report(request: web.Request) -> web.Response:
    await require_admin(request)
    return json_response(await reports.course_report(database(request), request.match_info["course"]))


async def get_learner_report(request: web.Request) -> web.Response:
    await require_admin(request, ["agent"], required=["agent"])
    agent = params.parse_json(request.query["agent"].encode(), "agent parameter")
    return json_response(await reports.learner_report(database(request), agent))


async def post_fetch(request: web.Request) -> web.Response:
    """cmi5 8.2: always 200 and JSON, errors included; any origin may call it."""
    result = await sessions.fetch_token(database(request), request.match_info["session"], request.match_info["secret"])
    return json_response(result, headers={**CORS, "Cache-Control": "no-store"})


async def get_content(request: web.Request) -> web.StreamResponse:
    path = request.match_info["path"]
    isolated = content_origin.isolation(request, request.app[cmi5_settings_key].content_url)
    stream = await store.find_package_file(database(request), request.match_info["package"], path)
    if stream is None:
        raise NotFound(f"no file {path} in this package")
    response = web.StreamResponse(
        headers={
            **CORS,
            **isolated,
            "Content-Type": (stream.metadata or {}).get("contentType", courses.DEFAULT_CONTENT_TYPE),
            "Cache-Control": "public, max-age=3600",
        }
    )
    response.content_length = stream.length
    await response.prepare(request)
    if request.method != "HEAD":
        while chunk := await stream.readchunk():
            await response.write(chunk)
    await response.write_eof()
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_post("/cmi5/courses", post_course)
    app.router.add_get("/cmi5/courses", get_courses)
    app.router.add_get("/cmi5/courses/{course}", get_course)
    app.router.add_delete("/cmi5/courses/{course}", delete_course)
    app.router.add_post("/cmi5/registrations", post_registration)
    app.router.add_get("/cmi5/registrations/{registration}", get_registration)
    app.router.add_delete("/cmi5/registrations/{registration}", delete_registration)
    app.router.add_post("/cmi5/registrations/{registration}/launch", post_launch)
    app.router.add_post("/cmi5/registrations/{registration}/waive", post_waive)
    app.router.add_post("/cmi5/registrations/{registration}/abandon", post_abandon)
    app.router.add_get("/cmi5/sessions/{session}", get_session)
    app.router.add_post("/cmi5/sessions/{session}/abandon", post_session_abandon)
    app.router.add_get("/cmi5/reports/courses", get_courses_report)
    app.router.add_get("/cmi5/reports/courses/{course}", get_course_report)
    app.router.add_get("/cmi5/reports/learners", get_learner_report)
    app.router.add_post("/cmi5/fetch/{session}/{secret}", post_fetch)
    app.router.add_get("/cmi5/content/{package}/{path:.+}", get_content)
