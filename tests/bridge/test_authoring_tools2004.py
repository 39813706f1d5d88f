"""SCORM 2004 packages shaped like real authoring-tool output, played in headless Chromium through
the player and clicked through as a learner would (as tests/bridge/test_authoring_tools.py does
for SCORM 1.2). Each folder of `authoring/` is a package as a tool publishes it: manifest layout,
sequencing collections, file tree, schema files, the tool's way of finding API_1484_11. What
reaches the LRS is checked in the statements and in the cmi5 registration."""

from __future__ import annotations

import contextlib

from playwright.async_api import Error as PlaywrightError

from tests.bridge.conftest import requires_runtime, verbs
from tests.bridge.test_authoring_tools import about, package_zip, statements_of
from tests.bridge.test_browser import eventually
from tests.browser import requires_chromium, watch_errors

pytestmark = [requires_chromium, requires_runtime]


class Learner:
    """The learner's browser page on the player, which moves from SCO to SCO as the course does."""

    def __init__(self, page):
        self.page = page
        self.errors = watch_errors(page)

    async def playing(self, title: str) -> Learner:
        """Waits until the player plays the SCO titled `title`."""
        await self.page.wait_for_function(
            "title => document.title === title && document.getElementById('status').dataset.state === 'ready'",
            arg=title,
            timeout=30_000,
        )
        return self

    async def ended(self) -> str:
        await self.page.wait_for_function("document.getElementById('status').dataset.state === 'ended'", timeout=30_000)
        return await self.page.text_content("#status")

    def frame(self, name: str = "sco"):
        return self.page.frame(name=name)

    async def sco_text(self, selector: str, expected: str, frame: str = "sco"):
        """Waits until the element of the frame named `frame` (which may be replaced meanwhile) reads `expected`."""

        async def found():
            target = self.page.frame(name=frame)
            try:
                return target is not None and await target.text_content(selector, timeout=1000) == expected
            except PlaywrightError:
                return False

        assert await eventually(found), f"{frame} {selector} never read {expected!r}"

    async def hidden(self, selector: str) -> bool:
        return await self.page.eval_on_selector(selector, "e => e.hidden || e.closest('[hidden]') !== null")


async def launch(scorm, browser, package: dict, registration: str, sco: int = 0, **options) -> Learner:
    launched = await scorm.launch(registration, package["scos"][sco]["au"], **options)
    learner = Learner(await browser.new_page())
    await learner.page.goto(launched["url"])
    return learner


def by_sco(found: list[dict], package: dict) -> dict[str, list[str]]:
    """The verbs of the statements about each SCO, by item identifier."""
    names = {s["activityId"]: s["id"] for s in package["scos"]}
    grouped: dict[str, list[str]] = {}
    for statement in found:
        name = names.get(statement["object"]["id"])
        if name:
            grouped.setdefault(name, []).append(statement["verb"]["display"]["en-US"])
    return grouped


async def test_a_golf_style_linear_course_flows_from_lesson_to_lesson_to_a_post_test(scorm, browser):
    package = await scorm.import_package(package_zip("golf_linear_posttest"))
    assert (package["edition"], package["warnings"]) == ("2004-3rd", [])
    assert [(s["id"], s["launch"], s["moveOn"]) for s in package["scos"]] == [
        ("playing_item", "shared/launchpage.html?content=playing", "Completed"),
        ("etiquette_item", "shared/launchpage.html?content=etiquette", "Completed"),
        ("assessment_item", "shared/launchpage.html?content=assessment", "CompletedAndPassed"),
    ]
    registration = await scorm.register(package["course"])
    learner = await (await launch(scorm, browser, package, registration)).playing("Playing the Game")
    # The lessons hide the player's Continue and Previous (adlnav:presentation); choice is off: no menu.
    assert (await learner.hidden("#continue"), await learner.hidden("#previous"), await learner.hidden("#menu")) == (
        True,
        True,
        True,
    )
    for title in ("Playing the Game", "Etiquette"):
        await learner.playing(title)
        await learner.sco_text("#lms", "connected")
        await learner.frame().click("#butNext")
        await learner.sco_text("#page", "2 / 2")
        await learner.frame().click("#butNext")  # the end of the lesson: completed, and on
    await learner.playing("Post Test")
    await learner.sco_text("#lms", "connected")
    test = learner.frame("contentFrame")
    await test.wait_for_selector("#submit")
    await test.check("input[name=q1][value='18']")
    await test.fill("input[name=q2]", "Fore!")
    await test.check("input[name=q3][value=true]")
    await test.click("#submit")
    await learner.sco_text("#result", "100%", frame="contentFrame")
    await test.click("#finish")
    assert "left the course" in await learner.ended()

    assert await eventually(lambda: _terminated(scorm, registration, 3))
    found = await statements_of(scorm, registration)
    assert by_sco(found, package) == {
        "playing_item": ["launched", "initialized", "completed", "passed", "terminated"],
        "etiquette_item": ["launched", "initialized", "completed", "passed", "terminated"],
        "assessment_item": ["launched", "initialized", "completed", "passed", "scored", "terminated"],
    }
    passed = [s for s in about(found, "passed") if s["object"]["id"] == package["scos"][2]["activityId"]][0]
    assert (
        passed["result"]["score"] == {"scaled": 1}
        and passed["context"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/masteryscore"] == 0.7
    )
    responded = {s["object"]["id"].rsplit("/", 1)[-1]: s["result"] for s in about(found, "responded")}
    assert responded == {
        "Q_holes": {"response": "18", "success": True},
        "Q_fore": {"response": "Fore!", "success": True},
        "Q_ball": {"response": "true", "success": True},
    }
    status = await scorm.status(registration)
    assert status["satisfied"] is True
    assert learner.errors == []


async def _terminated(scorm, registration, count):
    return verbs(await statements_of(scorm, registration)).count("terminated") >= count


async def answer_post_test(learner: Learner, rules: str, etiquette: str, expected: str) -> None:
    await learner.playing("Post Test")
    await learner.sco_text("#lms", "connected")
    test = learner.frame()
    await test.check(f"input[name=rules][value={rules}]")
    await test.check(f"input[name=etiquette][value={etiquette}]")
    await test.click("#submit")
    await learner.sco_text("#result", expected)
    await test.click("#finish")


async def finish_lesson(learner: Learner, title: str) -> str:
    await learner.playing(title)
    await learner.sco_text("#lms", "connected")
    entry = await learner.frame().text_content("#entry")
    await learner.frame().click("#done")
    return entry


async def test_a_failed_post_test_remediates_only_the_lessons_not_mastered(scorm, browser):
    package = await scorm.import_package(package_zip("golf_remediation"))
    assert (package["edition"], package["warnings"]) == ("2004-4th", [])
    assert [s["moveOn"] for s in package["scos"]] == ["NotApplicable", "NotApplicable", "CompletedAndPassed"]
    registration = await scorm.register(package["course"])
    learner = await launch(scorm, browser, package, registration)
    assert await finish_lesson(learner, "The Rules of Golf") == "ab-initio"
    await finish_lesson(learner, "Golf Etiquette")
    await answer_post_test(learner, "stroke_and_distance", "ignore", "50%")
    # Failed: the post condition retries the course, the rules lesson (mastered, read from its
    # global objective) is skipped, the etiquette lesson comes again, then the test.
    assert await finish_lesson(learner, "Golf Etiquette") == "ab-initio"
    await answer_post_test(learner, "stroke_and_distance", "repair", "100%")
    assert "left the course" in await learner.ended()

    assert await eventually(lambda: _terminated(scorm, registration, 5))
    found = await statements_of(scorm, registration)
    assert by_sco(found, package) == {
        "lesson_rules": ["launched", "initialized", "completed", "terminated"],
        "lesson_etiquette": ["launched", "initialized", "completed", "terminated"] * 2,
        "post_test": [
            "launched",
            "initialized",
            "completed",
            "failed",
            "scored",
            "progressed",
            "terminated",
            "launched",
            "initialized",
            "completed",
            "passed",
            "scored",
            "progressed",
            "terminated",
        ],
    }
    course_objectives = [
        (s["verb"]["display"]["en-US"], s["object"]["id"].replace(package["activityId"], ""))
        for s in found
        if "/objectives/" in s["object"]["id"]
    ]
    assert course_objectives == [
        ("passed", "/objectives/com.example.golf.obj_rules"),
        ("failed", "/objectives/com.example.golf.obj_etiquette"),
        ("passed", "/objectives/com.example.golf.obj_rules"),
        ("passed", "/objectives/com.example.golf.obj_etiquette"),
    ]
    status = await scorm.status(registration)
    post_test = status["aus"][2]
    assert (post_test["completed"], post_test["passed"], post_test["failed"], status["satisfied"]) == (
        True,
        True,
        True,
        True,
    )
    assert learner.errors == []


async def test_captivate_style_scos_share_a_global_objective_its_score_and_shared_data(scorm, browser):
    package = await scorm.import_package(package_zip("captivate_shared_objectives"))
    assert (package["edition"], package["warnings"]) == ("2004-4th", [])
    registration = await scorm.register(package["course"])
    # The LMS launches the drill first: its precondition (the extinguisher objective, not yet
    # satisfied) disables it, so the course starts with the quiz instead.
    learner = await (await launch(scorm, browser, package, registration, sco=1)).playing("Extinguisher basics")
    assert await learner.page.is_disabled('#menu button[data-item="SCO_2_ITEM"]')
    await learner.sco_text("#lms", "connected")
    quiz = learner.frame()
    await quiz.check("input[name=q1][value=C]")
    await quiz.fill("input[name=q2]", "2")
    await quiz.fill("input[name=notes]", "PASS: pull, aim, squeeze, sweep")
    await quiz.click("#submit")
    await learner.sco_text("#score", "10/10")
    await quiz.click("#next")
    await learner.playing("Evacuation drill")
    # What the quiz wrote, the drill reads: the objective's status and (4th Edition) raw and max
    # score through the global objective, the notes through adl.data.
    await learner.sco_text("#skill", "passed 10/10")
    await learner.sco_text("#notes", "PASS: pull, aim, squeeze, sweep")
    await learner.frame().click("#done")
    assert "left the course" in await learner.ended()

    assert await eventually(lambda: _terminated(scorm, registration, 2))
    found = await statements_of(scorm, registration)
    objective = [
        (s["verb"]["display"]["en-US"], s["object"]["id"].replace(package["activityId"], ""), s["result"])
        for s in found
        if "/objectives/" in s["object"]["id"]
    ]
    # The quiz's objective writes the global one: it is the course's objective.
    assert objective == [
        ("completed", "/objectives/com.example.fire.extinguisher", {"completion": True}),
        (
            "passed",
            "/objectives/com.example.fire.extinguisher",
            {"success": True, "score": {"raw": 10, "max": 10, "scaled": 1}},
        ),
    ]
    status = await scorm.status(registration)
    assert [(au["completed"], au["passed"]) for au in status["aus"]] == [(True, True), (True, True)]
    assert status["satisfied"] is True and learner.errors == []


async def test_an_ispring_style_course_is_navigated_by_the_menu_suspended_resumed_and_reviewed(scorm, browser):
    package = await scorm.import_package(package_zip("ispring_choice_course"))
    assert (package["edition"], package["warnings"]) == ("2004-3rd", [])
    assert [s["moveOn"] for s in package["scos"]] == ["Completed", "Completed", "Completed", "NotApplicable"]
    registration = await scorm.register(package["course"])
    learner = await (await launch(scorm, browser, package, registration)).playing("Chapter 1: Fire basics")
    entries = await learner.page.eval_on_selector_all("#menu button", "bs => bs.map(b => [b.dataset.item, b.disabled])")
    assert entries == [["chapter_1", False], ["chapter_2", False], ["chapter_3", False], ["glossary", False]]
    await learner.sco_text("#counter", "1 / 3")
    await learner.frame().click("#next")
    await learner.sco_text("#counter", "2 / 3")
    await learner.page.click('#menu button[data-item="chapter_3"]')  # choice: chapter 1 suspends itself
    await learner.playing("Chapter 3: In an emergency")
    await learner.frame().click("#next")
    await learner.sco_text("#counter", "2 / 3")
    await learner.page.click("#suspendAll")
    assert "suspended" in await learner.ended()
    await learner.page.close()
    assert await eventually(lambda: _terminated(scorm, registration, 2))

    # Later the LMS launches the course's first chapter: the course resumes in chapter 3.
    learner = await (await launch(scorm, browser, package, registration)).playing("Chapter 3: In an emergency")
    await learner.sco_text("#resumed", "Resumed at slide 2")
    await learner.frame().click("#next")
    await learner.sco_text("#counter", "3 / 3")
    await learner.page.click("#continue")
    await learner.playing("Glossary")  # an asset: no API calls, the player's controls move on
    await learner.sco_text("#glossary", "Glossary")
    await learner.page.click('#menu button[data-item="chapter_1"]')
    await learner.playing("Chapter 1: Fire basics")
    await learner.sco_text("#resumed", "Resumed at slide 2")
    await learner.page.click("#exitAll")
    assert "left the course" in await learner.ended()
    assert await eventually(lambda: _terminated(scorm, registration, 4))
    before = await scorm.status(registration)
    assert [(au["completed"], au["satisfied"]) for au in before["aus"]] == [
        (False, False),
        (False, False),
        (True, True),
        (False, True),
    ]  # the glossary: an asset, NotApplicable

    # A review visit plays the chapters and changes nothing the learner achieved.
    reviewer = await (await launch(scorm, browser, package, registration, launchMode="Review")).playing(
        "Chapter 1: Fire basics"
    )
    await reviewer.sco_text("#mode", "review")
    await reviewer.frame().click("#next")
    await reviewer.frame().click("#next")
    await reviewer.sco_text("#counter", "3 / 3")
    await reviewer.page.click('#menu button[data-item="chapter_2"]')
    await reviewer.playing("Chapter 2: Prevention")
    await reviewer.sco_text("#mode", "review")
    await reviewer.page.click("#exitAll")
    await reviewer.ended()
    assert await eventually(lambda: _terminated(scorm, registration, 6))
    after = await scorm.status(registration)
    assert [(au["completed"], au["satisfied"]) for au in after["aus"]] == [
        (False, False),
        (False, False),
        (True, True),
        (False, True),
    ]
    found = await statements_of(scorm, registration)
    chapter_1 = by_sco(found, package)["chapter_1"]
    # The review visit saw the suspended chapter where the learner left it (resumed) and the last
    # slide, which completes a chapter: nothing of it counts.
    assert chapter_1.count("completed") == 0 and chapter_1.count("resumed") == 2
    assert learner.errors == [] and reviewer.errors == []


async def test_an_s1000d_style_frameset_navigates_its_sibling_content_frame(scorm, browser):
    # The viewer's navigation frame loads each data module into the frameset's "content" frame
    # beside it (parent.content.location = ...) before it initializes: a sandboxed frameset
    # forbids navigating a sibling frame, so the SCO never reached Initialize.
    package = await scorm.import_package(package_zip("s1000d_frameset"))
    assert (package["edition"], package["warnings"]) == ("2004-3rd", [])
    registration = await scorm.register(package["course"])
    learner = await (await launch(scorm, browser, package, registration)).playing(
        "Module 1 - Introduction to the scooter"
    )
    await learner.sco_text("#lms", "connected", frame="nav_frame")
    await learner.sco_text("#dmtitle", "Description of the scooter", frame="content")
    await learner.frame("nav_frame").click("#btnNext")
    await learner.sco_text("#dmtitle", "Scooter components", frame="content")
    # The last module completes the SCO, which terminates without a navigation request: the
    # learner picks the next module from the menu (no sequencing: choice, no flow).
    await learner.page.wait_for_function("document.getElementById('status').dataset.state === 'waiting'")
    await learner.page.click('#menu button[data-item="ACT-1201"]')
    await learner.playing("Brake Description")
    await learner.sco_text("#dmtitle", "Brake description", frame="content")
    await learner.frame("nav_frame").click("#btnNext")
    await learner.sco_text("#dmtitle", "Brake pad replacement", frame="content")
    await learner.page.wait_for_function("document.getElementById('status').dataset.state === 'waiting'")
    await learner.page.click("#exitAll")
    assert "left the course" in await learner.ended()

    assert await eventually(lambda: _terminated(scorm, registration, 2))
    found = await statements_of(scorm, registration)
    # No delivery controls: the content leaves success to the LMS, which passes the SCO at the
    # end of its attempt (SN End Attempt Process).
    assert by_sco(found, package) == {
        "ACT-1101": ["launched", "initialized", "completed", "passed", "terminated"],
        "ACT-1201": ["launched", "initialized", "completed", "passed", "terminated"],
    }
    status = await scorm.status(registration)
    assert [au["completed"] for au in status["aus"]] == [True, True] and status["satisfied"] is True
    assert learner.errors == []


async def test_exiting_before_a_frameset_sco_initializes_takes_the_sco_away(scorm, browser):
    # The learner leaves while the viewer's frames are still loading (the SCO initializes only when
    # its navigation frame has loaded): the SCO must not initialize afterwards in a session that
    # nobody would end.
    package = await scorm.import_package(package_zip("s1000d_frameset"))
    registration = await scorm.register(package["course"])
    launched = await scorm.launch(registration, package["scos"][0]["au"])
    page = await browser.new_page()
    held = []
    await page.route("**/navPage.htm*", lambda route: held.append(route))
    learner = Learner(page)
    await page.goto(launched["url"])
    await learner.playing("Module 1 - Introduction to the scooter")
    assert await eventually(lambda: _true(bool(held)))
    await page.click("#exitAll")
    assert "left the course" in await learner.ended()
    assert page.frame(name="sco").url == "about:blank" and await learner.hidden("#sco")
    for route in held:
        with contextlib.suppress(PlaywrightError):  # the frame that asked is gone
            await route.continue_()
    found = await statements_of(scorm, registration)
    assert by_sco(found, package) == {"ACT-1101": ["launched"]}
    assert page.frame(name="nav_frame") is None


async def _true(value: bool) -> bool:
    return value
