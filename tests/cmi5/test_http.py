"""The LMS-facing course API and package content over HTTP."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from cmi5 import courses, store
from tests.cmi5.conftest import AU, au, au_ids, block, course_xml, make_zip
from tests.conftest import basic

A = "https://example.com/aus/a"
B = "https://example.com/aus/b"
PAGE = b"<!doctype html><title>AU</title><script src='app.js'></script>"


def packaged() -> bytes:
    return make_zip(
        {
            "cmi5.xml": course_xml(
                au(A, url="au/index.html?start=1", masteryScore="0.5", moveOn="Passed"),
                block("https://example.com/blocks/1", au(B, url="https://cdn.example.com/b.html")),
            ),
            "au/index.html": PAGE,
            "au/app.js": b"console.log(1)",
            "au/data.json": b"{}",
            "au/clip.mp4": b"\0" * 10,
            "au/blob.xyz": b"?",
        }
    )


async def test_import_zip_returns_the_course(lms):
    course = await lms.import_course(packaged(), "application/zip")
    assert course["publisherId"] == "https://example.com/courses/geology"
    assert course["title"] == {"en-US": "Geology"}
    assert course["packaged"] is True
    first, second = course["aus"]
    assert (first["id"], first["moveOn"], first["masteryScore"], first["packaged"]) == (A, "Passed", 0.5, True)
    assert first["activityId"].startswith("urn:uuid:") and first["activityId"] != A
    assert second["block"] == "https://example.com/blocks/1"
    assert course["blocks"][0]["children"] == [{"au": B}]
    assert course["children"] == [{"au": A}, {"block": "https://example.com/blocks/1"}]


async def test_courses_are_listed_and_read_back(lms, xapi):
    first = await lms.import_course(course_xml(au(A)))
    second = await lms.import_course(packaged(), "application/zip")
    response = await xapi.get("/cmi5/courses")
    assert response.status == 200
    listed = (await response.json())["courses"]
    assert {c["id"] for c in listed} == {first["id"], second["id"]}
    response = await xapi.get(f"/cmi5/courses/{second['id']}")
    assert await response.json() == second
    response = await xapi.get("/cmi5/courses/nope")
    assert response.status == 404


async def test_bad_package_gets_400_naming_the_element(lms):
    body = await lms.import_course(course_xml(au(A, moveOn="Often")), expect=400)
    assert body["detail"].startswith("courseStructure/au[1]: moveOn 'Often'")
    body = await lms.import_course(course_xml(au(A, url="index.html")), expect=400)
    assert "courseStructure/au[1]/url" in body["detail"]
    body = await lms.import_course(make_zip({"x.txt": b"1"}), "application/zip", expect=400)
    assert "cmi5.xml is missing" in body["detail"]
    await lms.import_course(b"{}", "application/json", expect=400)


async def test_course_too_large_to_store_is_400_and_keeps_nothing(lms, xapi, database, monkeypatch):
    monkeypatch.setattr(courses, "MAX_COURSE_BYTES", 5000)
    body = await lms.import_course(
        make_zip({"cmi5.xml": course_xml(*(au(i) for i in au_ids(20))), "au.js": b"1"}), "application/zip", expect=400
    )
    assert body["detail"].startswith("courseStructure: is ") and "at most 5000 are accepted" in body["detail"]
    assert (await (await xapi.get("/cmi5/courses")).json())["courses"] == []
    assert await database[f"{store.PACKAGE_FILES.bucket}.files"].count_documents({}) == 0


async def test_lms_api_needs_scope_all(lms, xapi, client):
    store = client.app
    from lrs.keys import credential_store_key

    reader = await store[credential_store_key].insert_credential("reader", ["all/read"])
    response = await xapi.as_(basic(reader.key, reader.secret)).get("/cmi5/courses")
    assert response.status == 403
    response = await xapi.as_(None).get("/cmi5/courses")
    assert response.status == 401


async def test_registration_needs_an_agent_with_an_account(lms, xapi):
    course = await lms.import_course(course_xml(au(A)))
    for actor in (
        {"mbox": "mailto:a@example.com"},
        {"objectType": "Group", "member": []},
        {"account": {"homePage": "https://lms.example.com", "name": "x"}, "mbox": "mailto:a@example.com"},
    ):
        response = await xapi.post("/cmi5/registrations", json={"course": course["id"], "actor": actor})
        assert response.status == 400, actor
    response = await xapi.post("/cmi5/registrations", json={"course": "nope", "actor": {}})
    assert response.status == 404


async def test_packaged_au_is_launched_from_served_content(lms):
    course = await lms.import_course(packaged(), "application/zip")
    registration = await lms.register(course["id"])
    launch = await lms.launch(registration, A)
    url = urlsplit(launch["url"])
    assert url.path == f"/cmi5/content/{course['id']}/au/index.html"
    assert url.query.startswith("start=1&endpoint=")
    response = await lms.client.get(url.path)
    assert response.status == 200
    assert await response.read() == PAGE
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "allow-scripts" in csp and "allow-same-origin" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    session = await AU(lms.client, launch).start()
    assert session.launch_data["masteryScore"] == 0.5


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("au/app.js", "text/javascript; charset=utf-8"),
        ("au/data.json", "application/json"),
        ("au/clip.mp4", "video/mp4"),
        ("au/blob.xyz", "application/octet-stream"),
    ],
)
async def test_package_files_are_served_with_their_content_type(lms, path, content_type):
    course = await lms.import_course(packaged(), "application/zip")
    response = await lms.client.get(f"/cmi5/content/{course['id']}/{path}")
    assert response.status == 200
    assert response.headers["Content-Type"] == content_type
    head = await lms.client.head(f"/cmi5/content/{course['id']}/{path}")
    assert head.status == 200 and int(head.headers["Content-Length"]) == len(await response.read())


async def test_missing_content_is_404(lms):
    course = await lms.import_course(packaged(), "application/zip")
    for path in ("au/none.html", "../cmi5.xml", "au/../../x"):
        response = await lms.client.get(f"/cmi5/content/{course['id']}/{path}")
        assert response.status == 404, path
    response = await lms.client.get("/cmi5/content/other/au/index.html")
    assert response.status == 404
