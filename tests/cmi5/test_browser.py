"""cmi5 AUs built on the npm package `@xapi/cmi5` (and `@xapi/xapi`), run in headless Chromium.

Each test imports a real course zip, served on a content origin of its own: cmi5.xml, the AU page (tests/cmi5/library_au/) and the
libraries' own browser bundles from node_modules (installed by `npm ci`, pinned in
package-lock.json), packed into the zip as content ships them. The LMS launches the AU; the page
is opened at the launch URL, and the test makes the AU call the library step by step
(`au.call("initialize")`, `au.call("pass", 0.9)`, ...), then checks what reached the LRS
through `GET /xapi/statements` and the LMS API. Refusals by the LMS come back to the page as the
library's errors, with the HTTP status and the rule named in the detail.

Needs the Debian package `chromium` and `npm ci`; skipped, saying so, when either is missing.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from cmi5 import vocab
from cmi5.config import Cmi5Settings
from tests.browser import requires_chromium, watch_errors
from tests.cmi5.conftest import LEARNER, au, block, course_xml
from tests.cmi5.library import library_course_zip, requires_libraries

QUIZ = "https://example.com/aus/quiz"
READING = "https://example.com/aus/reading"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
PROGRESSED = "http://adlnet.gov/expapi/verbs/progressed"

pytestmark = [requires_chromium, requires_libraries]


@pytest.fixture(scope="module")
async def browser():
    """One Chromium for the module (each test opens its own page, in a context of its own)."""
    from tests.browser import launched_chromium

    async with launched_chromium() as launched:
        yield launched


@pytest.fixture
def port(unused_tcp_port):
    return unused_tcp_port


@pytest.fixture
def cmi5_settings(port):
    # Content on its own origin (this server as `localhost`; the LRS is 127.0.0.1), as real AUs
    # need: the library's HTTP client (axios) reads document.cookie, which the sandbox of content
    # served on the LRS's own origin forbids (cmi5/README.md, "Package content").
    return Cmi5Settings(content_url=f"http://localhost:{port}")


@pytest.fixture
async def client(app, aiohttp_client, port):
    return await aiohttp_client(app, server_kwargs={"port": port})


def course_package(*members: str) -> bytes:
    return library_course_zip(course_xml(*members))


def quiz(move_on: str = "CompletedAndPassed", mastery: str | None = "0.8", au_id: str = QUIZ) -> str:
    extra = {"masteryScore": mastery} if mastery else {}
    return au(au_id, url="au/index.html", moveOn=move_on, **extra)


class Page:
    """An AU page opened at its launch URL; `call` runs one step of the library in it."""

    def __init__(self, page, launch: dict) -> None:
        self.page = page
        self.launch = launch
        self.session = launch["session"]

    async def call(self, name: str, *args):
        return await self.page.evaluate("([name, args]) => au.call(name, ...args)", [name, list(args)])

    async def evaluate(self, expression: str, arg=None):
        return await self.page.evaluate(expression, arg)

    async def refused(self, expression: str, rule: str, arg=None) -> dict:
        """The step must be refused by the LMS with 403 naming `rule`."""
        answer = await self.page.evaluate(expression, arg)
        assert answer["ok"] is False and answer["status"] == 403, answer
        assert rule in answer["detail"], answer
        return answer


@pytest.fixture
async def open_au(lms, browser):
    """`await open_au(registration, au_id, **launch)`: launch and open the AU page."""

    pages = []

    async def opened(registration: str, au_id: str = QUIZ, url=lambda url: url, **launch) -> Page:
        launched = await lms.launch(registration, au_id, **launch)
        page = await browser.new_page()
        pages.append(page)
        errors = watch_errors(page)
        await page.goto(url(launched["url"]))
        await page.wait_for_function("document.getElementById('status').textContent !== 'loading'", timeout=20_000)
        assert await page.text_content("#status") == "ready", errors
        return Page(page, launched)

    yield opened
    for page in pages:
        await page.context.close()


async def start(lms, open_au, *members: str, au_id: str = QUIZ, **launch) -> tuple[str, Page]:
    course = await lms.import_course(course_package(*(members or (quiz(),))), "application/zip")
    registration = await lms.register(course["id"])
    page = await open_au(registration, au_id, **launch)
    answer = await page.call("initialize")
    assert answer["ok"], answer
    return registration, page


# --- a whole session --------------------------------------------------------------------------


async def test_whole_session_through_the_library_satisfies_block_and_course(lms, xapi, open_au):
    preferences = {"languagePreference": "fr-CA,en-US", "audioPreference": "off"}
    response = await xapi.put(
        "/xapi/agents/profile",
        json=preferences,
        headers={"If-None-Match": "*"},
        params={"agent": json.dumps(LEARNER), "profileId": vocab.LEARNER_PREFERENCES_PROFILE_ID},
    )
    assert response.status == 204
    course = await lms.import_course(
        course_package(block("https://example.com/blocks/unit", quiz())), "application/zip"
    )
    registration = await lms.register(course["id"])
    page = await open_au(registration, returnURL="https://lms.example.com/done")
    # initialize: the library fetches the token, reads LMS.LaunchData and the preferences, sends initialized.
    answer = await page.call("initialize")
    assert answer["ok"], answer
    launch_data = await page.evaluate("au.launchData()")
    assert launch_data["contextTemplate"]["extensions"][vocab.EXT_SESSION_ID] == page.session
    assert (launch_data["launchMode"], launch_data["masteryScore"], launch_data["moveOn"]) == (
        "Normal",
        0.8,
        "CompletedAndPassed",
    )
    assert launch_data["returnURL"] == "https://lms.example.com/done"
    assert await page.evaluate("au.learnerPreferences()") == preferences
    for step in (("progress", 50), ("complete",), ("pass", 0.9), ("terminate",)):
        answer = await page.call(*step)
        assert answer["ok"], (step, answer)

    statements = await lms.statements(registration=registration)
    verbs = [vocab.VERB_NAMES.get(s["verb"]["id"], s["verb"]["id"]) for s in statements]
    assert verbs == [
        "launched",
        "initialized",
        PROGRESSED,
        "completed",
        "passed",
        "satisfied",
        "satisfied",
        "terminated",
    ]
    passed = statements[4]
    assert passed["result"]["score"]["scaled"] == 0.9
    assert passed["context"]["extensions"][vocab.EXT_MASTERY_SCORE] == 0.8
    assert passed["authority"]["name"] == "cmi5 AU launch"
    assert statements[2]["result"]["extensions"][vocab.EXT_PROGRESS] == 50
    block_satisfied, course_satisfied = statements[5], statements[6]
    assert block_satisfied["object"]["definition"]["type"] == vocab.TYPE_BLOCK
    assert course_satisfied["object"]["definition"]["type"] == vocab.TYPE_COURSE
    assert course_satisfied["object"]["id"] == course["activityId"]
    for satisfied in (block_satisfied, course_satisfied):
        assert satisfied["context"]["extensions"][vocab.EXT_SESSION_ID] == page.session
    status = await lms.status(registration)
    assert status["satisfied"] is True and status["blocks"][0]["satisfied"] is True
    [session] = status["aus"][0]["sessions"]
    assert (session["status"], session["tokenFetched"], session["learnerPreferencesRead"]) == ("terminated", True, True)


async def test_failed_then_passed_in_a_later_session(lms, open_au):
    registration, page = await start(lms, open_au, quiz(move_on="Passed"))
    for step in (("fail", 0.5), ("terminate",)):
        assert (await page.call(*step))["ok"], step
    status = await lms.status(registration)
    assert (status["aus"][0]["failed"], status["satisfied"]) == (True, False)
    page = await open_au(registration)
    for step in (("initialize",), ("pass", 0.95), ("terminate",)):
        assert (await page.call(*step))["ok"], step
    assert (await lms.status(registration))["satisfied"] is True
    assert (await lms.verbs(registration)).count("satisfied") == 1


async def test_waived_au_and_a_completed_one_satisfy_the_course(lms, open_au):
    registration, page = await start(
        lms, open_au, quiz(move_on="Completed", mastery=None, au_id=READING), quiz(move_on="Passed"), au_id=READING
    )
    for step in (("complete",), ("terminate",)):
        assert (await page.call(*step))["ok"], step
    assert (await lms.status(registration))["satisfied"] is False
    waiver = await lms.waive(registration, QUIZ, "Tested Out")
    statements = await lms.statements(registration=registration)
    waived, satisfied = statements[-2:]
    assert (waived["verb"]["id"], satisfied["verb"]["id"]) == (vocab.WAIVED, vocab.SATISFIED)
    assert waived["result"]["extensions"][vocab.EXT_REASON] == "Tested Out"
    assert satisfied["context"]["extensions"][vocab.EXT_SESSION_ID] == waiver["session"] != page.session
    assert (await lms.status(registration))["satisfied"] is True


async def test_an_au_opened_on_the_lrs_origin_runs_on_the_content_origin(lms, open_au, port):
    # A launch URL rewritten to the LRS's own host (as a link or bookmark might be): the 307 takes
    # the browser, query and all, to the content origin, where the library starts as usual.
    content, lrs = f"http://localhost:{port}/", f"http://127.0.0.1:{port}/"
    course = await lms.import_course(course_package(quiz()), "application/zip")
    registration = await lms.register(course["id"])
    page = await open_au(registration, url=lambda url: url.replace(content, lrs, 1))
    landed, launched = urlsplit(page.page.url), urlsplit(page.launch["url"])
    assert page.launch["url"].startswith(content) and page.page.url.startswith(content)
    assert (landed.path, parse_qs(landed.query)) == (launched.path, parse_qs(launched.query))
    for step in (("initialize",), ("complete",), ("terminate",)):
        assert (await page.call(*step))["ok"], step
    assert await lms.verbs(registration) == ["launched", "initialized", "completed", "terminated"]


async def test_abandoned_session_refuses_the_librarys_calls(lms, xapi, open_au):
    registration, page = await start(lms, open_au)
    response = await xapi.post(f"/cmi5/sessions/{page.session}/abandon")
    assert response.status == 200
    await page.refused("au.call('complete')", "9.3.6")
    await page.refused("au.call('terminate')", "9.3.6")
    abandoned = (await lms.statements(registration=registration, verb=vocab.ABANDONED))[0]
    assert abandoned["context"]["extensions"][vocab.EXT_SESSION_ID] == page.session
    assert await lms.verbs(registration) == ["launched", "initialized", "abandoned"]


# --- the rules of cmi5 9 (and 10, 11) as the library meets them -----------------------------------


async def test_initialized_before_the_learner_preferences_is_refused(lms, open_au):
    course = await lms.import_course(course_package(quiz()), "application/zip")
    registration = await lms.register(course["id"])
    page = await open_au(registration)
    # The handshake done with @xapi/xapi alone, skipping the learner preferences.
    assert (await page.evaluate("au.startWithoutLibrary()"))["ok"]
    initialized = "au.direct('sendStatement', {statement: au.defined('initialized')})"
    await page.refused(initialized, "11.0")
    answer = await page.evaluate(
        "au.direct('getAgentProfile', {agent: au.params.actor, profileId: 'cmi5LearnerPreferences'})"
    )
    assert answer["status"] == 404  # none written yet; asking is what counts
    assert (await page.evaluate(initialized))["ok"]
    assert await lms.verbs(registration) == ["launched", "initialized"]


async def test_the_librarys_client_writes_only_well_formed_preferences_and_cannot_delete_them(lms, xapi, open_au):
    registration, page = await start(lms, open_au)
    write = """profile => au.libraryXapi('setAgentProfile', {
        agent: au.params.actor, profileId: 'cmi5LearnerPreferences', profile: profile,
        etag: '*', matchHeader: 'If-None-Match'})"""
    await page.refused(write, "11.2", {"languagePreference": "en-US", "audioPreference": "loud"})
    await page.refused(write, "11.1", {"languagePreference": "en_US", "audioPreference": "on"})
    preferences = {"languagePreference": "de-CH,en-GB", "audioPreference": "on"}
    answer = await page.evaluate(write, preferences)
    assert answer["ok"], answer
    await page.refused(
        "au.libraryXapi('deleteAgentProfile', {agent: au.params.actor, profileId: 'cmi5LearnerPreferences'})", "11.0"
    )
    response = await xapi.get(
        "/xapi/agents/profile",
        params={"agent": json.dumps(LEARNER), "profileId": vocab.LEARNER_PREFERENCES_PROFILE_ID},
    )
    assert await response.json() == preferences


async def test_a_cmi5_verb_twice_in_a_session_is_refused(lms, open_au):
    registration, page = await start(lms, open_au)
    assert (await page.call("complete"))["ok"]
    await page.refused("au.call('complete')", "completed was already used in this session")
    assert (await page.call("pass", 0.9))["ok"]
    await page.refused("au.call('pass', 0.95)", "passed was already used in this session")


async def test_passed_and_failed_in_one_session_are_refused(lms, open_au):
    registration, page = await start(lms, open_au)
    assert (await page.call("pass", 0.9))["ok"]
    await page.refused("au.call('fail', 0.1)", "a session has at most one of passed and failed")


async def test_completed_and_passed_once_per_registration_and_no_failed_after_passed(lms, open_au):
    registration, page = await start(lms, open_au)
    for step in (("complete",), ("pass", 0.9), ("terminate",)):
        assert (await page.call(*step))["ok"], step
    page = await open_au(registration)
    answer = await page.call("initialize")
    assert answer["ok"], answer
    await page.refused("au.call('complete')", "completed is sent at most once per registration")
    await page.refused("au.call('pass', 1)", "passed is sent at most once per registration")
    await page.refused("au.call('fail', 0.2)", "failed must not follow passed")
    assert (await page.call("terminate"))["ok"]


async def test_scores_must_agree_with_the_mastery_score(lms, open_au):
    registration, page = await start(lms, open_au)
    # The library itself will not send passed below the masteryScore; sent anyway, the LMS refuses it.
    answer = await page.call("pass", 0.5)
    assert (answer["ok"], answer["status"]) == (False, None) and "Mastery Score" in answer["message"]
    below = "{success: true, duration: 'PT1S', score: {scaled: 0.5}}"
    await page.refused(f"au.sendDefined('passed', {below})", "9.6.3.2")
    await page.refused(
        f"""(() => {{
        const s = au.defined('passed', {below});
        s.context.extensions['{vocab.EXT_MASTERY_SCORE}'] = 0.8;
        return au.call('sendXapiStatement', s);
    }})()""",
        "9.3.4",
    )
    await page.refused("au.call('fail', 0.85)", "9.3.5")
    assert (await page.call("fail", 0.75))["ok"]


async def test_nothing_is_accepted_after_terminated(lms, open_au):
    registration, page = await start(lms, open_au)
    assert (await page.call("terminate"))["ok"]
    await page.refused("au.call('progress', 60)", "9.3.8")
    await page.refused("au.call('complete')", "9.3.8")


async def test_progress_is_an_integer_from_0_to_100(lms, open_au):
    registration, page = await start(lms, open_au)
    await page.refused("au.call('progress', 150)", "9.5.5.1")
    await page.refused("au.call('progress', 12.5)", "9.5.5.1")
    assert (await page.call("progress", 100))["ok"]


@pytest.mark.parametrize("mode", ["Browse", "Review"])
async def test_browse_and_review_refuse_judged_statements(lms, open_au, mode):
    registration, page = await start(lms, open_au, launchMode=mode)
    # The library keeps to the launch mode itself; a statement sent past it is refused by the LMS.
    answer = await page.call("complete")
    assert (answer["ok"], answer["status"]) == (False, None)
    await page.refused("au.sendDefined('completed', {completion: true, duration: 'PT1S'})", "10.2.2")
    await page.refused("au.sendDefined('failed', {success: false, duration: 'PT1S'})", "10.2.2")
    assert (await page.call("terminate"))["ok"]


async def test_the_au_cannot_void_a_statement(lms, open_au):
    registration, page = await start(lms, open_au)
    initialized = (await lms.statements(registration=registration, verb=vocab.INITIALIZED))[0]
    answer = await page.evaluate(
        "id => au.libraryXapi('voidStatement', {actor: au.params.actor, statementId: id})", initialized["id"]
    )
    assert (answer["ok"], answer["status"]) == (False, 403) and "cannot void" in answer["detail"]


# Statements the library builds right, bent by the AU's own `transform` (SendStatementOptions):
# each breaks one rule of cmi5 9 that the LMS enforces, and is refused naming it.
BENT = [
    ("9.1", "s => { delete s.id; return s; }"),
    ("9.2", "s => { s.actor = {objectType: 'Agent', mbox: 'mailto:someone@example.com'}; return s; }"),
    (
        "9.4",
        "s => { s.object = {objectType: 'Activity', id: s.object.id + '/page-2'}; "
        "s.context.contextActivities.parent = [{id: au.params.activityId}]; return s; }",
    ),
    ("9.5.1", "s => { s.result.score = {scaled: 0.5}; return s; }"),
    ("9.5.2", "s => { s.result.success = true; return s; }"),
    ("9.5.3", "s => { s.result.completion = false; return s; }"),
    ("9.5.4.1", "s => { delete s.result.duration; return s; }"),
    ("9.6.1", "s => { s.context.registration = '6a1c94a0-0f16-4a4d-9d6b-6f1f3b0cbb3d'; return s; }"),
    ("9.6.2", "s => { delete s.context.contextActivities.grouping; return s; }"),
    (
        "9.6.2.2",
        "s => { s.context.contextActivities.category = s.context.contextActivities.category"
        ".filter(c => !c.id.endsWith('/moveon')); return s; }",
    ),
    (
        "10.2.1",
        "s => { delete s.context.extensions['https://w3id.org/xapi/cmi5/context/extensions/sessionid']; return s; }",
    ),
    ("9.7", "s => { s.timestamp = s.timestamp.replace('Z', '-06:00'); return s; }"),
    ("7.1.3", "s => { s.verb = {id: 'http://adlnet.gov/expapi/verbs/experienced'}; return s; }"),
]


async def test_statements_bent_against_a_rule_are_refused_and_the_session_goes_on(lms, open_au):
    registration, page = await start(lms, open_au)
    for rule, transform in BENT:
        answer = await page.evaluate(f"au.call('complete', {{transform: {transform}}})")
        assert (answer["ok"], answer["status"]) == (False, 403), (rule, answer)
        assert answer["detail"].startswith(f"cmi5 {rule}:"), (rule, answer)
    # None of them counted: the session completes and ends as the library would have it.
    for step in (("complete",), ("pass", 0.8), ("terminate",)):
        assert (await page.call(*step))["ok"], step
    assert await lms.verbs(registration) == [
        "launched",
        "initialized",
        "completed",
        "passed",
        "satisfied",
        "terminated",
    ]
