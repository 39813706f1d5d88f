"""A real AU page in headless Chromium: launch, fetch, LMS.LaunchData and statements with the token.

Needs the Debian package `chromium`; the test is skipped, saying so, when it is absent.
"""

from __future__ import annotations

from pathlib import Path

from cmi5 import vocab
from tests.browser import requires_chromium
from tests.cmi5.conftest import au, course_xml, make_zip

AU_FILES = Path(__file__).parent / "browser_au"
AU_ID = "https://example.com/aus/browser"

pytestmark = requires_chromium


async def test_au_page_completes_the_handshake_and_sends_its_statements(lms, browser):
    package = make_zip({
        "cmi5.xml": course_xml(au(AU_ID, url="au/index.html", moveOn="CompletedAndPassed", masteryScore="0.7")),
        "au/index.html": (AU_FILES / "index.html").read_bytes(),
        "au/au.js": (AU_FILES / "au.js").read_bytes(),
    })
    course = await lms.import_course(package, "application/zip")
    registration = await lms.register(course["id"])
    launch = await lms.launch(registration, AU_ID)
    # The launch URL is absolute on the test server's own address.
    assert launch["url"].startswith(str(lms.client.make_url("/cmi5/content/")))

    page = await browser.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    await page.goto(launch["url"])
    await page.wait_for_function(
        "document.getElementById('status').textContent !== 'starting'", timeout=20_000
    )
    status = await page.text_content("#status")
    assert status == "done", (status, errors)
    # Served sandboxed: the AU runs with an opaque origin, not the LRS's.
    assert await page.text_content("#origin") == "null"

    assert await lms.verbs(registration) == [
        "launched", "initialized", "completed", "passed", "satisfied", "terminated",
    ]
    statements = await lms.statements(registration=registration, verb=vocab.PASSED)
    assert statements[0]["result"]["score"]["scaled"] == 0.7
    assert statements[0]["authority"]["name"] == "cmi5 AU launch"
    assert (await lms.status(registration))["satisfied"] is True
