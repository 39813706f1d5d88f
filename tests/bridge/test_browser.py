"""SCOs played in headless Chromium through the player: the SCORM 1.2 API as content sees it, and
what reaches the LRS. The test SCO (browser_sco/sco.html) finds `API` by walking up its parents,
as SCORM 1.2 content does, and the test makes its calls through it."""

from __future__ import annotations

import asyncio
import json

from bridge import vocab
from tests.bridge.conftest import SCO_PAGE, item, make_zip, manifest, requires_runtime, resource, single_sco, verbs
from tests.browser import requires_chromium, watch_errors
from tests.cmi5.conftest import LEARNER

pytestmark = [requires_chromium, requires_runtime]


class Sco:
    """One launch of a SCO in a browser page."""

    def __init__(self, page, frame, errors):
        self.page, self.frame, self.errors = page, frame, errors

    async def call(self, *calls):
        return await self.frame.evaluate("calls => window.call(calls)", [list(c) for c in calls])

    async def get(self, element):
        return (await self.call(("LMSGetValue", element)))[0][0]


async def play(scorm, browser, package, registration, sco=0, **launch) -> Sco:
    launched = await scorm.launch(registration, package["scos"][sco]["au"], **launch)
    page = await browser.new_page()
    errors = watch_errors(page)
    await page.goto(launched["url"])
    await page.wait_for_function("document.getElementById('status').dataset.state !== 'starting'", timeout=20_000)
    assert await page.get_attribute("#status", "data-state") == "ready", (await page.text_content("#status"), errors)
    await page.wait_for_function(
        "() => { try { return !!document.getElementById('sco').contentWindow.call } catch (e) { return false } }",
        timeout=20_000,
    )
    frame = page.frame(name="sco")
    assert await frame.text_content("#api") == "found"
    return Sco(page, frame, errors)


async def eventually(check, timeout: float = 30.0):
    """Beacons arrive after the page has moved on: poll until `check()` is truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.1)


async def registration_verbs(scorm, registration):
    return verbs(await scorm.statements(registration=registration))


async def test_a_full_session_reaches_the_lrs_as_statements(scorm, browser, content_origin):
    package = await scorm.import_package(single_sco(extra="<adlcp:datafromlms>go=1</adlcp:datafromlms>"))
    registration = await scorm.register(package["course"])
    sco = await play(scorm, browser, package, registration)
    assert sco.page.url.startswith(f"{content_origin}/scorm/player/")
    assert await sco.page.evaluate("self.origin") == content_origin  # the player keeps its (content) origin
    assert await sco.call(("LMSInitialize", "")) == [["true", "0"]]
    assert [
        await sco.get(e)
        for e in (
            "cmi.core.student_id",
            "cmi.core.student_name",
            "cmi.core.lesson_mode",
            "cmi.core.credit",
            "cmi.core.entry",
            "cmi.launch_data",
            "cmi.student_data.mastery_score",
            "cmi.core.lesson_status",
        )
    ] == ["learner-1", "Learner", "normal", "credit", "ab-initio", "go=1", "80", "not attempted"]
    results = await sco.call(
        ("LMSSetValue", "cmi.core.lesson_location", "page-3"),
        ("LMSSetValue", "cmi.core.score.raw", "92"),
        ("LMSSetValue", "cmi.core.lesson_status", "passed"),
        ("LMSSetValue", "cmi.core.session_time", "00:03:00"),
        ("LMSCommit", ""),
        ("LMSFinish", ""),
    )
    assert results == [["true", "0"]] * 6, results
    assert await eventually(lambda: _ends_with(scorm, registration, "terminated"))
    assert await registration_verbs(scorm, registration) == [
        "launched",
        "initialized",
        "completed",
        "passed",
        "scored",
        "satisfied",
        "terminated",
    ]
    passed = (await scorm.statements(registration=registration, verb=vocab.PASSED))[0]
    assert passed["result"]["score"] == {"scaled": 0.92}
    terminated = (await scorm.statements(registration=registration, verb=vocab.TERMINATED))[0]
    assert terminated["result"]["duration"] == "PT180S"
    assert (await scorm.status(registration))["satisfied"] is True
    assert sco.errors == []


async def _ends_with(scorm, registration, verb):
    found = await registration_verbs(scorm, registration)
    return bool(found) and found[-1] == verb


async def test_suspend_and_relaunch_resume_where_the_learner_left(scorm, browser):
    package = await scorm.import_package(single_sco())
    registration = await scorm.register(package["course"])
    first = await play(scorm, browser, package, registration)
    await first.call(
        ("LMSInitialize", ""),
        ("LMSSetValue", "cmi.core.lesson_status", "incomplete"),
        ("LMSSetValue", "cmi.core.lesson_location", "slide-12"),
        ("LMSSetValue", "cmi.suspend_data", "visited=1,2,3|quiz=a"),
        ("LMSSetValue", "cmi.core.exit", "suspend"),
        ("LMSSetValue", "cmi.core.session_time", "00:10:00"),
        ("LMSFinish", ""),
    )
    assert await eventually(lambda: _ends_with(scorm, registration, "terminated"))
    assert (await registration_verbs(scorm, registration))[-2:] == ["suspended", "terminated"]
    await first.page.close()
    second = await play(scorm, browser, package, registration)
    assert await second.call(("LMSInitialize", "")) == [["true", "0"]]
    assert [
        await second.get(e)
        for e in (
            "cmi.core.entry",
            "cmi.core.lesson_location",
            "cmi.suspend_data",
            "cmi.core.total_time",
            "cmi.core.lesson_status",
        )
    ] == ["resume", "slide-12", "visited=1,2,3|quiz=a", "00:10:00", "incomplete"]
    await eventually(lambda: _has(scorm, registration, "resumed"))
    assert (await registration_verbs(scorm, registration))[-2:] == ["initialized", "resumed"]


async def _has(scorm, registration, verb):
    return verb in await registration_verbs(scorm, registration)


async def test_a_score_at_the_mastery_score_passes(scorm, browser):
    package = await scorm.import_package(single_sco(mastery="75"))
    registration = await scorm.register(package["course"])
    sco = await play(scorm, browser, package, registration)
    # The SCO reports completion and a score; with a mastery score, the score decides (SCORM 1.2 RTE).
    await sco.call(
        ("LMSInitialize", ""),
        ("LMSSetValue", "cmi.core.score.raw", "75"),
        ("LMSSetValue", "cmi.core.lesson_status", "completed"),
        ("LMSFinish", ""),
    )
    assert await eventually(lambda: _has(scorm, registration, "terminated"))
    passed = await scorm.statements(registration=registration, verb=vocab.PASSED)
    assert len(passed) == 1 and passed[0]["result"]["score"] == {"scaled": 0.75}
    au = (await scorm.status(registration))["aus"][0]
    assert (au["passed"], au["satisfied"]) == (True, True)


async def test_interactions_become_responded_statements(scorm, browser):
    package = await scorm.import_package(single_sco(mastery=None))
    registration = await scorm.register(package["course"])
    sco = await play(scorm, browser, package, registration)
    results = await sco.call(
        ("LMSInitialize", ""),
        ("LMSSetValue", "cmi.interactions.0.id", "capital-of-france"),
        ("LMSSetValue", "cmi.interactions.0.type", "choice"),
        ("LMSSetValue", "cmi.interactions.0.correct_responses.0.pattern", "b"),
        ("LMSSetValue", "cmi.interactions.0.student_response", "b"),
        ("LMSSetValue", "cmi.interactions.0.result", "correct"),
        ("LMSSetValue", "cmi.interactions.0.latency", "00:00:07"),
        ("LMSSetValue", "cmi.interactions.1.id", "fire-exits"),
        ("LMSSetValue", "cmi.interactions.1.type", "true-false"),
        ("LMSSetValue", "cmi.interactions.1.student_response", "t"),
        ("LMSSetValue", "cmi.interactions.1.result", "wrong"),
        ("LMSCommit", ""),
    )
    assert all(r == ["true", "0"] for r in results), results
    responded = await scorm.statements(registration=registration, verb=vocab.RESPONDED)
    assert [
        (s["object"]["definition"]["interactionType"], s["result"]["response"], s["result"]["success"])
        for s in responded
    ] == [("choice", "b", True), ("true-false", "true", False)]
    assert responded[0]["object"]["definition"]["correctResponsesPattern"] == ["b"]
    assert responded[0]["result"]["duration"] == "PT7S"


async def test_invalid_calls_get_the_scorm_1_2_error_codes(scorm, browser):
    package = await scorm.import_package(single_sco())
    registration = await scorm.register(package["course"])
    sco = await play(scorm, browser, package, registration)
    assert (await sco.call(("LMSGetValue", "cmi.core.lesson_location")))[0][1] == "301"  # not initialized
    await sco.call(("LMSInitialize", ""), ("LMSSetValue", "cmi.suspend_data", "kept"), ("LMSCommit", ""))
    assert await sco.call(
        ("LMSSetValue", "cmi.core.lesson_status", "finished"),  # not in the vocabulary
        ("LMSSetValue", "cmi.core.student_id", "someone-else"),  # read only
        ("LMSGetValue", "cmi.core.exit"),  # write only
        ("LMSSetValue", "cmi.suspend_data", "x" * 64001),  # over scorm-again's 64000
        ("LMSSetValue", "cmi.core.score.raw", "high"),  # not a number
    ) == [["false", "405"], ["false", "403"], ["", "404"], ["false", "405"], ["false", "405"]]
    assert await sco.get("cmi.suspend_data") == "kept"
    # Past SCORM 1.2's 4096, as long Storyline and Rise courses write: kept whole.
    assert await sco.call(("LMSSetValue", "cmi.suspend_data", "y" * 20000), ("LMSCommit", "")) == [["true", "0"]] * 2
    assert len(await scorm_state(scorm, registration, package, vocab.SUSPEND_DATA_STATE_ID)) == 20000


async def scorm_state(scorm, registration, package, state_id):
    params = {
        "activityId": package["scos"][0]["activityId"],
        "registration": registration,
        "stateId": state_id,
        "agent": json.dumps(LEARNER),
    }
    response = await scorm.xapi.get("/xapi/activities/state", params=params)
    assert response.status == 200, await response.text()
    return await response.read()


async def test_closing_the_page_mid_session_loses_nothing_committed(scorm, browser):
    package = await scorm.import_package(single_sco())
    registration = await scorm.register(package["course"])
    sco = await play(scorm, browser, package, registration)
    await sco.call(
        ("LMSInitialize", ""),
        ("LMSSetValue", "cmi.core.lesson_location", "chapter-2"),
        ("LMSSetValue", "cmi.suspend_data", "progress=40"),
        ("LMSSetValue", "cmi.interactions.0.id", "q1"),
        ("LMSSetValue", "cmi.interactions.0.type", "fill-in"),
        ("LMSSetValue", "cmi.interactions.0.student_response", "Paris"),
        ("LMSCommit", ""),
    )
    await sco.page.close()  # no LMSFinish: the tab is simply closed
    assert "responded" in await registration_verbs(scorm, registration)
    again = await play(scorm, browser, package, registration)
    await again.call(("LMSInitialize", ""))
    assert [await again.get(e) for e in ("cmi.core.entry", "cmi.core.lesson_location", "cmi.suspend_data")] == [
        "resume",
        "chapter-2",
        "progress=40",
    ]
    assert "abandoned" in await registration_verbs(scorm, registration)


async def test_leaving_the_page_keeps_what_was_set_after_the_last_commit(scorm, browser):
    package = await scorm.import_package(single_sco())
    registration = await scorm.register(package["course"])
    sco = await play(scorm, browser, package, registration)
    await sco.call(
        ("LMSInitialize", ""),
        ("LMSSetValue", "cmi.core.lesson_location", "chapter-2"),
        ("LMSCommit", ""),
        ("LMSSetValue", "cmi.core.lesson_location", "chapter-3"),
    )  # set, not committed
    # Navigating away fires pagehide; the player's beacon carries the uncommitted value. (Closing
    # the tab sends the same beacon, but headless Chromium does not always deliver it then.)
    await sco.page.goto("about:blank")
    assert await eventually(
        lambda: _state_is(scorm, registration, package, vocab.ATTEMPT_STATE_ID, b'"location": "chapter-3"')
    )
    again = await play(scorm, browser, package, registration)
    await again.call(("LMSInitialize", ""))
    assert await again.get("cmi.core.lesson_location") == "chapter-3"


async def _state_is(scorm, registration, package, state_id, fragment):
    return fragment in await scorm_state(scorm, registration, package, state_id)


async def test_an_asset_without_api_calls_still_plays(scorm, browser):
    data = make_zip(
        {
            "imsmanifest.xml": manifest(item("A", "R", "Handout"), resource("R", "a.html", scormtype="asset")),
            "a.html": SCO_PAGE,
        }
    )
    package = await scorm.import_package(data)
    registration = await scorm.register(package["course"])
    sco = await play(scorm, browser, package, registration)
    assert await sco.frame.evaluate("window.location_query") == ""
