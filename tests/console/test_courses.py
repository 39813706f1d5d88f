"""Course import through the console (cmi5.xml, cmi5 zip, SCORM zip), the course page, the launch
as a test learner, and the registration page with its waive and abandon actions."""

from __future__ import annotations

import re

import aiohttp

from lrs.keys import credential_store_key
from tests.bridge.conftest import single_sco, single_sco_2004
from tests.cmi5.conftest import au, block, course_xml, make_zip
from tests.console.conftest import Console

AU_ONE = "https://example.com/aus/one"
AU_TWO = "https://example.com/aus/two"
JSON = {"Accept": "application/json"}


def upload(data: bytes, filename: str, csrf: str | None) -> aiohttp.FormData:
    form = aiohttp.FormData()
    if csrf:
        form.add_field("csrf", csrf)
    form.add_field("package", data, filename=filename, content_type="application/octet-stream")
    return form


async def import_course(console, data: bytes, filename: str, expect: int = 201) -> dict:
    response = await console.client.post("/console/courses", data=upload(data, filename, console.csrf), headers=JSON)
    body = await response.json()
    assert response.status == expect, body
    return body


def two_aus() -> bytes:
    return course_xml(
        block(
            "https://example.com/blocks/b",
            au(AU_ONE, title="Chapter &lt;one&gt;"),
            au(AU_TWO, title="Chapter two", moveOn="Passed", masteryScore="0.5"),
        )
    )


async def test_import_a_cmi5_xml_a_cmi5_zip_and_a_scorm_zip(admin_console):
    plain = await import_course(admin_console, two_aus(), "cmi5.xml")
    assert (plain["kind"], plain["units"], plain["title"]) == ("cmi5", 2, "Geology")
    zipped = await import_course(
        admin_console, make_zip({"cmi5.xml": course_xml(au(AU_ONE, url="a.html")), "a.html": b"<p>hi"}), "course.zip"
    )
    assert zipped["kind"] == "cmi5"
    scorm = await import_course(admin_console, single_sco(), "sco.zip")
    assert (scorm["kind"], scorm["title"]) == ("SCORM 1.2", "Safety at work")
    page = await admin_console.page("/console/courses")
    assert page.count('href="/console/courses/') == 3 and "SCORM 1.2" in page
    course = await admin_console.page(scorm["location"])
    assert "Lesson one" in course and "SCO" in course
    scorm_2004 = await import_course(admin_console, single_sco_2004(), "sco2004.zip")
    assert scorm_2004["kind"] == "SCORM 2004 4th Edition"
    assert "SCORM 2004 4th Edition" in await admin_console.page("/console/courses")


async def test_a_bad_package_is_refused_with_the_importers_reason(admin_console, lms):
    refused = await import_course(admin_console, make_zip({"readme.txt": b"hi"}), "course.zip", expect=400)
    assert refused["detail"] == "package: cmi5.xml is missing at the root of the zip"
    # The same words as the LMS API's own import.
    direct = await lms.import_course(make_zip({"readme.txt": b"hi"}), "application/zip", expect=400)
    assert refused == direct
    scorm = await import_course(admin_console, single_sco(href="missing.html")[:-30], "broken.zip", expect=400)
    assert "zip" in scorm["detail"]
    # Without script, the form answers with the course page and the reason on it.
    response = await admin_console.client.post(
        "/console/courses", data=upload(b"<nope", "cmi5.xml", admin_console.csrf)
    )
    assert response.status == 400
    assert "not well-formed XML" in await response.text()


async def test_import_needs_the_csrf_token_and_an_admin(admin_console, client):
    response = await client.post("/console/courses", data=upload(two_aus(), "cmi5.xml", None), headers=JSON)
    assert response.status == 403
    reader = await client.server.app[credential_store_key].insert_credential("reader", ["all/read"])
    read_only = Console(client)
    await read_only.sign_in(reader.key, reader.secret)
    response = await client.post("/console/courses", data=upload(two_aus(), "cmi5.xml", read_only.csrf), headers=JSON)
    assert response.status == 403
    assert 'href="/console/courses/' not in await read_only.page("/console/courses")


async def test_the_course_page_shows_the_tree_escaped(admin_console):
    course = await import_course(admin_console, two_aus(), "cmi5.xml")
    page = await admin_console.page(course["location"])
    assert "A block" in page and "Chapter &lt;one&gt;" in page and "Chapter two" in page
    assert page.index("A block") < page.index("Chapter &lt;one&gt;")
    assert page.count("Launch as test learner") == 2
    assert "moveOn Passed, masteryScore 0.5" in page


async def test_launch_as_test_learner_opens_a_registration_of_its_own(admin_console):
    course = await import_course(admin_console, two_aus(), "cmi5.xml")
    launch_path = course["location"] + "/launch"
    page = await admin_console.post(launch_path, {"au": AU_ONE}, expect=200)
    page = await page.text()
    url = re.search(r'id="launch-url" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert url.startswith("https://content.example.com/au.html?endpoint=")  # the AU's own (absolute) url
    registration = re.search(r"/console/registrations/([0-9a-f-]{36})", page).group(1)
    # A second launch reuses the test learner's registration: the first session is abandoned.
    again = await (await admin_console.post(launch_path, {"au": AU_ONE}, expect=200)).text()
    assert registration in again
    report = await admin_console.page(f"/console/registrations/{registration}")
    assert "Test learner (test-admin)" in report
    assert "1 of 2 sessions" in report  # abandoned
    assert "Abandon session" in report


async def test_waive_and_abandon_from_the_registration_page(admin_console, lms):
    course = await import_course(admin_console, two_aus(), "cmi5.xml")
    registration = await lms.register(course["course"])
    await lms.launch(registration, AU_TWO)
    path = f"/console/registrations/{registration}"
    await admin_console.post(f"{path}/abandon", {"au": AU_TWO})
    await admin_console.post(f"{path}/waive", {"au": AU_ONE, "reason": "Tested Out"})
    status = await lms.status(registration)
    one, two = status["aus"]
    assert one["waived"] and one["waiveReason"] == "Tested Out" and one["satisfied"]
    assert two["sessions"][0]["status"] == "abandoned"
    page = await admin_console.page(path)
    assert "(Tested Out)" in page
    # Waiving twice is cmi5's conflict, shown on the page.
    response = await admin_console.post(f"{path}/waive", {"au": AU_ONE, "reason": "Tested Out"}, expect=409)
    assert "already waived" in await response.text()


async def test_completion_and_success_are_shown_apart(admin_console, lms):
    course = await import_course(admin_console, two_aus(), "cmi5.xml")
    registration = await lms.register(course["course"])
    session = await lms.start(registration, AU_TWO)
    await session.send(session.initialized(), session.passed(0.75))
    await session.send(session.terminated())
    page = await admin_console.page(f"/console/registrations/{registration}")
    row = page[page.index("Chapter two") :]
    row = row[: row.index("</tr>")]
    assert "not completed" in row and ">passed<" in row  # passed without completed: two facts
    assert "75%" in row and "3m 00s" in row
