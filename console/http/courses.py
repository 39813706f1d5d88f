"""Courses: the list, the import (drag and drop, with progress), one course's tree, and the
launch of an AU as a test learner."""

from __future__ import annotations

from aiohttp import web

from cmi5.config import cmi5_settings_key
from cmi5.http import lms_for, urls
from console import courses, learners
from console.http.guard import PREFIX, operator, page, read_form, redirect, render, wants_json
from console.rollups import flush_now
from lrs.errors import BadRequest, LRSError
from lrs.http.context import database
from lrs.http.responses import json_response

FILE_FIELD = "package"


async def course_list(request: web.Request, error: LRSError | None = None) -> web.Response:
    found = await courses.list_all(database(request))
    return render(request, "courses.html", {"courses": found, "error": error}, status=error.status if error else 200)


@page()
async def get_courses(request: web.Request) -> web.Response:
    return await course_list(request)


@page(admin=True)
async def post_course(request: web.Request) -> web.Response:
    """The upload: a form field `package` holding a cmi5.xml, a cmi5 zip or a SCORM 1.2 zip."""
    form = await read_form(request)
    upload = form.get(FILE_FIELD)
    try:
        if not isinstance(upload, web.FileField):
            raise BadRequest(f"choose a file to import (form field {FILE_FIELD})")
        data = upload.file.read()
        if not data:
            raise BadRequest(f"{upload.filename or 'the file'} is empty")
        where = urls(request)
        imported = await courses.import_upload(
            database(request),
            data,
            upload.filename or "",
            request.app[cmi5_settings_key].package_limits,
            where.base,
            where.content,
        )
    except LRSError as error:
        if wants_json(request):
            raise
        return await course_list(request, error)
    location = f"{PREFIX}/courses/{imported.course}"
    if wants_json(request):
        return json_response(
            {
                "course": imported.course,
                "title": imported.title,
                "kind": imported.kind,
                "units": imported.units,
                "location": location,
            },
            status=201,
        )
    return redirect(location)


@page()
async def get_course(request: web.Request) -> web.Response:
    course_id = request.match_info["course"]
    await flush_now(request.app)
    course, tree, kind = await courses.find_course(database(request), course_id)
    registrations, more = await learners.list_registrations(
        database(request), request.query.get("before"), course=course["_id"]
    )
    return render(
        request,
        "course.html",
        {
            "course": course,
            "title": courses.text_of(course["title"]) or course["publisher_id"],
            "description": courses.text_of(course["description"]),
            "tree": tree,
            "kind": kind,
            "registrations": registrations,
            "more": more,
        },
    )


@page(admin=True)
async def post_launch(request: web.Request) -> web.Response:
    """Launch an AU as this operator's test learner; answers the new tab with a page that goes there."""
    form = await read_form(request)
    au_id = form.get("au")
    if not isinstance(au_id, str) or not au_id:
        raise BadRequest("au: the AU to launch is required")
    registration, launched = await courses.launch_as_test_learner(
        lms_for(request.app),
        urls(request),
        request.match_info["course"],
        au_id,
        operator(request).key,
    )
    return render(request, "launch.html", {"launch": launched, "registration": registration, "au": au_id})
