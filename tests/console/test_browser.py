"""The console in headless Chromium (Debian's `chromium`, through Playwright): sign in, import by
drag and drop with its progress bar, launch an AU as a test learner and see its registration
change, filter and page statements, export, credentials, CSRF, escaping, read-only sessions, the
live view, labels, phone width, and no Content-Security-Policy violation on any page."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import re
from pathlib import Path

import pytest

from lrs.keys import credential_store_key
from tests.browser import requires_chromium
from tests.cmi5.conftest import au, course_xml, make_zip
from tests.cmi5.library import library_course_zip, requires_libraries
from tests.conftest import ADMIN_KEY, ADMIN_SECRET, make_statement

pytestmark = [requires_chromium, requires_libraries]

AU_ID = "https://example.com/aus/browser"
PAGES = (
    "/console/",
    "/console/statements",
    "/console/courses",
    "/console/learners",
    "/console/registrations",
    "/console/credentials",
    "/console/system",
)
# Collected before any page script runs; init scripts are not subject to the page's CSP.
WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.__violations.push(event.violatedDirective + " " + event.blockedURI));
"""


def course_package() -> bytes:
    """A real AU, built on @xapi/cmi5, which the test drives once it is open."""
    return library_course_zip(
        course_xml(au(AU_ID, url="au/index.html", moveOn="CompletedAndPassed", masteryScore="0.7", title="Browser AU"))
    )


@pytest.fixture
def base(client):
    return str(client.make_url("")).rstrip("/")


async def sign_in(browser, base: str, key: str = ADMIN_KEY, secret: str = ADMIN_SECRET, **context):
    context = await browser.new_context(**context)
    await context.add_init_script(WATCH_CSP)
    page = await context.new_page()
    await page.goto(base + "/console/")
    assert page.url.startswith(base + "/console/sign-in")
    await page.fill("#key", key)
    await page.fill("#secret", secret)
    await page.press("#secret", "Enter")  # the keyboard is enough
    await page.wait_for_url(base + "/console/")
    return page


async def no_violations(page) -> None:
    assert await page.evaluate("window.__violations") == []


async def drop_file(page, data: bytes, name: str) -> None:
    """Drag a file onto the drop zone, as a person does from their desktop."""
    await page.evaluate(
        """([data, name]) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, {type: "application/zip"}));
        const zone = document.getElementById("dropzone");
        for (const type of ["dragenter", "dragover", "drop"]) {
          zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }
    }""",
        [base64.b64encode(data).decode(), name],
    )


async def watch_phases(page) -> None:
    await page.evaluate("""() => {
        window.__phases = [];
        const phase = document.getElementById("import-phase");
        new MutationObserver(() => window.__phases.push(phase.textContent)).observe(phase, {childList: true});
    }""")


async def test_sign_in_shows_every_page_without_csp_violations(browser, base, client):
    page = await sign_in(browser, base)
    assert await page.evaluate("!!window.htmx && !!window.Chart")
    for canvas in ("#chart-hours", "#chart-days"):  # Chart.js drew them
        assert await page.evaluate(f"!!Chart.getChart(document.querySelector('{canvas}'))")
    for path in PAGES:
        await page.goto(base + path)
        await no_violations(page)
    await page.click("text=Sign out")
    await page.wait_for_url(base + "/console/sign-in")


async def test_import_by_drag_and_drop_then_launch_and_see_the_registration_change(browser, base, content_origin):
    page = await sign_in(browser, base)
    await page.goto(base + "/console/courses")
    await watch_phases(page)
    await drop_file(page, course_package(), "course.zip")
    # Waits by selector: a polled function would be evaluated, which the console's CSP forbids.
    await page.wait_for_selector("#import-phase:text-is('Imported')")
    assert await page.is_visible("#import-bar")
    assert await page.evaluate("document.getElementById('import-bar').value") == 100
    phases = await page.evaluate("window.__phases")
    assert phases[0] == "Uploading course.zip" and phases[1].startswith("Processing") and phases[-1] == "Imported"
    await page.click("#import-result a")
    await page.wait_for_selector("text=Browser AU")

    async with page.context.expect_page() as opened:
        await page.click("button:has-text('Launch as test learner')")
    au_page = await opened.value
    await au_page.wait_for_url(re.compile(re.escape(content_origin) + r"/cmi5/content/"))
    await au_page.wait_for_function("document.getElementById('status').textContent !== 'loading'", timeout=20_000)
    assert await au_page.text_content("#status") == "ready"
    for step in (("initialize",), ("complete",), ("pass", 0.7), ("terminate",)):
        answer = await au_page.evaluate("([name, args]) => au.call(name, ...args)", [step[0], list(step[1:])])
        assert answer["ok"], (step, answer)
    # The console's origin never ran the content: the tab left it for the content origin.
    assert not au_page.url.startswith(base)

    await page.goto(base + "/console/registrations")
    await page.click("td >> a[href^='/console/registrations/']")
    row = page.locator("tbody tr", has_text="Browser AU").first
    await row.wait_for()
    cells = [await cell.text_content() for cell in await row.locator("td").all()]
    assert cells[0].strip() == "completed" and cells[1].strip() == "passed" and cells[2].strip() == "yes"
    assert "70%" in cells[5]
    await no_violations(page)


async def test_a_bad_package_shows_the_refusal(browser, base):
    page = await sign_in(browser, base)
    await page.goto(base + "/console/courses")
    await page.set_input_files(
        "#package",
        files=[{"name": "course.zip", "mimeType": "application/zip", "buffer": make_zip({"readme.txt": b"hi"})}],
    )
    await page.click("#import button[type=submit]")
    await page.wait_for_selector("#import-phase:text-is('Refused')")
    assert (
        await page.text_content("#import-result") == "Not imported: package: cmi5.xml is missing at the root of the zip"
    )


async def test_filter_statements_follow_pages_and_export(browser, base, xapi):
    verb = "http://adlnet.gov/expapi/verbs/answered"
    await xapi.post("/xapi/statements", json=[make_statement(verb={"id": verb}) for _ in range(30)])
    await xapi.post("/xapi/statements", json=[make_statement() for _ in range(3)])
    page = await sign_in(browser, base, accept_downloads=True)
    await page.goto(base + "/console/statements")
    await page.fill("#f-verb", verb)
    await page.select_option("#f-size", "25")
    await page.click("text=Show statements")
    first = await page.locator("#rows > li").count()
    assert first == 25
    ids = set(await page.eval_on_selector_all("#rows > li", "items => items.map(i => i.id)"))
    await page.click("a[rel=next]")
    await page.wait_for_selector("text=First page")
    more = set(await page.eval_on_selector_all("#rows > li", "items => items.map(i => i.id)"))
    assert len(more) == 5 and not ids & more
    assert await page.input_value("#f-verb") == verb  # the form still says what is shown
    await page.locator("#rows details summary").first.click()
    assert '"id": "http://adlnet.gov/expapi/verbs/answered"' in await page.locator("#rows pre").first.text_content()
    async with page.expect_download() as downloading:
        await page.click("text=CSV")
    download = await downloading.value
    rows = list(csv.DictReader(io.StringIO(Path(await download.path()).read_text())))
    assert len(rows) == 30 and {row["verb_id"] for row in rows} == {verb}
    async with page.expect_download() as downloading:
        await page.click("text=NDJSON")
    assert len(Path(await (await downloading.value).path()).read_text().splitlines()) == 30


async def test_create_and_revoke_a_credential(browser, base, client):
    page = await sign_in(browser, base)
    await page.goto(base + "/console/credentials")
    await page.fill("#c-name", "Reporting")
    await page.uncheck("input[value='statements/write']")
    await page.click("button:has-text('Create')")
    key = await page.text_content("#created-key")
    assert len(await page.text_content("#created-secret")) > 20
    await page.click(f"#credential-{key} button:has-text('Revoke')")
    await page.wait_for_url(base + "/console/credentials")
    assert (await page.text_content(f"#credential-{key} .state")).startswith("revoked")
    assert await page.locator("#created-secret").count() == 0  # shown once only
    stored = {c["_id"]: c for c in await client.server.app[credential_store_key].list_credentials()}
    assert stored[key]["scopes"] == ["statements/read"] and stored[key]["revoked_at"] is not None


async def test_a_write_without_its_csrf_token_is_refused(browser, base, client):
    page = await sign_in(browser, base)
    await page.goto(base + "/console/credentials")
    await page.evaluate("document.querySelector('.create-credential input[name=csrf]').remove()")
    await page.fill("#c-name", "Forged")
    await page.click("button:has-text('Create')")
    await page.wait_for_selector("text=CSRF token is missing or wrong")
    names = [c["name"] for c in await client.server.app[credential_store_key].list_credentials()]
    assert "Forged" not in names


async def test_a_statement_whose_strings_hold_html_is_shown_as_text(browser, base, xapi):
    hostile = '<img src=x onerror="window.__pwned=1"><b>bold</b>'
    await xapi.post(
        "/xapi/statements",
        json=[
            make_statement(
                actor={"mbox": "mailto:h@example.com", "name": hostile},
                object={
                    "id": "http://example.com/a",
                    "definition": {"name": {"en-US": "<script>window.__pwned=2</script>"}},
                },
            )
        ],
    )
    page = await sign_in(browser, base)
    await page.goto(base + "/console/statements")
    assert await page.text_content("#rows .actor") == hostile
    assert await page.text_content("#rows .object") == "<script>window.__pwned=2</script>"
    assert await page.locator("#rows img, #rows b, #rows script").count() == 0
    assert await page.evaluate("window.__pwned") is None


async def test_a_read_only_credential_sees_no_admin_action(browser, base, client, lms):
    course = await lms.import_course(course_xml(au(AU_ID)))
    registration = await lms.register(course["id"])
    await lms.launch(registration, AU_ID)
    reader = await client.server.app[credential_store_key].insert_credential("auditor", ["all/read"])
    page = await sign_in(browser, base, reader.key, reader.secret)
    assert await page.text_content(".who .badge") == "read-only"
    for path in (*PAGES, f"/console/courses/{course['id']}", f"/console/registrations/{registration}"):
        await page.goto(base + path)
        # The only form that writes is signing out.
        actions = await page.eval_on_selector_all("form[method=post]", "forms => forms.map(f => f.action)")
        assert actions == [base + "/console/sign-out"], (path, actions)
    await no_violations(page)


async def test_the_live_view_shows_statements_as_they_arrive(browser, base, xapi):
    page = await sign_in(browser, base)
    await page.goto(base + "/console/statements")
    await page.click("text=Live view")
    await page.wait_for_selector("text=Live: new statements appear at the top")
    for name in ("First arrival", "Second arrival"):
        await xapi.post("/xapi/statements", json=[make_statement(actor={"mbox": "mailto:l@example.com", "name": name})])
        await asyncio.sleep(0.05)
    await page.locator("#rows > li").nth(1).wait_for(timeout=15_000)
    assert [await a.text_content() for a in await page.locator("#rows .actor").all()] == [
        "Second arrival",
        "First arrival",
    ]
    await asyncio.sleep(2.5)  # later polls add nothing twice
    assert await page.locator("#rows > li").count() == 2
    await no_violations(page)


async def test_every_control_is_labelled_and_pages_fit_a_phone(browser, base):
    page = await sign_in(browser, base, viewport={"width": 390, "height": 844})
    for path in PAGES:
        await page.goto(base + path)
        unlabelled = await page.evaluate("""() => [...document.querySelectorAll("input, select, textarea")]
            .filter((c) => c.type !== "hidden" && !c.labels.length && !c.getAttribute("aria-label"))
            .map((c) => c.name || c.id)""")
        assert unlabelled == [], (path, unlabelled)
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
