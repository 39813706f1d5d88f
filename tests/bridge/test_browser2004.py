"""SCORM 2004 SCOs played in headless Chromium through the player: scorm-again's SCORM 2004 API
as content sees it, its sequencing engine handing the course from SCO to SCO, and what reaches
the LRS. The test SCO (browser_sco/sco2004.html) finds API_1484_11 by walking up its parents and
the test makes its calls through it."""

from __future__ import annotations

from tests.bridge.conftest import requires_runtime, sequenced_course, verbs
from tests.bridge.test_browser import eventually
from tests.browser import requires_chromium, watch_errors

pytestmark = [requires_chromium, requires_runtime]


class Player2004:
    """The learner's page: the player of one SCO at a time, following the course's navigation."""

    def __init__(self, page, errors):
        self.page, self.errors = page, errors

    @property
    def frame(self):
        return self.page.frame(name="sco")

    async def ready(self, title: str | None = None):
        """Waits until the player plays a SCO (the one titled `title`) and the SCO has found the API."""
        await self.page.wait_for_function(
            "title => { const s = document.getElementById('status'); return s && s.dataset.state === 'ready'"
            " && (!title || document.title === title); }",
            arg=title,
            timeout=30_000,
        )
        await self.page.wait_for_function(
            "() => { try { return !!document.getElementById('sco').contentWindow.call } catch (e) { return false } }",
            timeout=20_000,
        )
        assert await self.frame.text_content("#api") == "found"
        return self

    async def state(self) -> str:
        return await self.page.get_attribute("#status", "data-state")

    async def wait_state(self, state: str):
        await self.page.wait_for_function(
            f"document.getElementById('status').dataset.state === {state!r}", timeout=30_000
        )

    async def call(self, *calls):
        return await self.frame.evaluate("calls => window.call(calls)", [list(c) for c in calls])

    async def get(self, element):
        return (await self.call(("GetValue", element)))[0][0]

    async def title(self) -> str:
        return await self.page.title()


async def open_player(scorm, browser, package, registration, sco=0, **launch) -> Player2004:
    launched = await scorm.launch(registration, package["scos"][sco]["au"], **launch)
    page = await browser.new_page()
    errors = watch_errors(page)
    await page.goto(launched["url"])
    return Player2004(page, errors)


async def registration_verbs(scorm, registration):
    return verbs(await scorm.statements(registration=registration))


async def test_continue_from_a_sco_opens_the_next_sco_in_a_new_cmi5_session(scorm, browser):
    package = await scorm.import_package(sequenced_course())
    assert package["edition"] == "2004-4th"
    registration = await scorm.register(package["course"])
    player = await (await open_player(scorm, browser, package, registration)).ready("Lesson one")
    assert await player.call(("Initialize", "")) == [["true", "0"]]
    assert [await player.get(e) for e in ("cmi.learner_id", "cmi.mode", "cmi.credit", "cmi.entry")] == [
        "learner-1",
        "normal",
        "credit",
        "ab-initio",
    ]
    assert (
        await player.call(
            ("SetValue", "cmi.completion_status", "completed"),
            ("SetValue", "adl.nav.request", "continue"),
            ("Terminate", ""),
        )
        == [["true", "0"]] * 3
    )
    await player.ready("Lesson two")
    assert await player.call(("Initialize", "")) == [["true", "0"]]
    await player.call(
        ("SetValue", "cmi.completion_status", "completed"),
        ("SetValue", "adl.nav.request", "previous"),
        ("Terminate", ""),
    )
    await player.ready("Lesson one")
    assert await player.get("cmi.entry") == ""  # not yet initialized: nothing to read
    assert await eventually(lambda: _count(scorm, registration, "terminated", 2))
    found = await registration_verbs(scorm, registration)
    assert found.count("launched") == 3 and found.count("completed") == 2
    assert player.errors == []


async def _count(scorm, registration, verb, count):
    return (await registration_verbs(scorm, registration)).count(verb) >= count


async def test_suspend_all_and_a_later_launch_resume_the_whole_course_where_the_learner_left(scorm, browser):
    package = await scorm.import_package(sequenced_course())
    registration = await scorm.register(package["course"])
    first = await (await open_player(scorm, browser, package, registration)).ready("Lesson one")
    await first.call(
        ("Initialize", ""),
        ("SetValue", "cmi.completion_status", "completed"),
        ("SetValue", "adl.nav.request", "continue"),
        ("Terminate", ""),
    )
    await first.ready("Lesson two")
    assert (
        await first.call(
            ("Initialize", ""),
            ("SetValue", "cmi.location", "page-7"),
            ("SetValue", "cmi.suspend_data", "answers=a,b"),
            ("SetValue", "cmi.exit", "suspend"),
            ("SetValue", "adl.nav.request", "suspendAll"),
            ("Terminate", ""),
        )
        == [["true", "0"]] * 6
    )
    await first.wait_state("ended")
    assert "suspended" in await first.page.text_content("#status")
    await first.page.close()
    assert await eventually(lambda: _count(scorm, registration, "terminated", 2))
    assert (await registration_verbs(scorm, registration))[-2:] == ["suspended", "terminated"]

    # The LMS launches the course's last SCO; the course resumes in the suspended one.
    second = await (await open_player(scorm, browser, package, registration, sco=2)).ready("Lesson two")
    assert await second.call(("Initialize", "")) == [["true", "0"]]
    assert [await second.get(e) for e in ("cmi.entry", "cmi.location", "cmi.suspend_data")] == [
        "resume",
        "page-7",
        "answers=a,b",
    ]
    assert await eventually(lambda: _has(scorm, registration, "resumed"))
    assert second.errors == []


async def test_the_players_menu_and_buttons_navigate_even_when_the_sco_does_not_terminate_itself(scorm, browser):
    package = await scorm.import_package(sequenced_course())
    registration = await scorm.register(package["course"])
    player = await (await open_player(scorm, browser, package, registration)).ready("Lesson one")
    await player.call(("Initialize", ""), ("SetValue", "cmi.completion_status", "incomplete"))
    await player.page.click('#menu button[data-item="item_three"]')  # choice
    await player.ready("Lesson three")
    assert await eventually(lambda: _count(scorm, registration, "terminated", 1))
    await player.call(("Initialize", ""))
    await player.page.click("#previous")
    await player.ready("Lesson two")
    assert await eventually(lambda: _count(scorm, registration, "terminated", 2))
    assert await player.page.get_attribute('#menu button[data-item="item_two"]', "aria-current") == "true"
    await player.page.click("#exitAll")
    await player.wait_state("ended")
    assert player.errors == []


async def _has(scorm, registration, verb):
    return verb in await registration_verbs(scorm, registration)


async def test_exit_from_a_sco_leaves_the_learner_to_choose_where_to_go(scorm, browser):
    package = await scorm.import_package(sequenced_course())
    registration = await scorm.register(package["course"])
    player = await (await open_player(scorm, browser, package, registration)).ready("Lesson one")
    await player.call(("Initialize", ""), ("SetValue", "adl.nav.request", "exit"), ("Terminate", ""))
    await player.wait_state("waiting")
    assert await player.page.is_visible("#menu") and await player.page.is_enabled("#continue")
    await player.page.click("#continue")
    await player.ready("Lesson two")
    assert await eventually(lambda: _count(scorm, registration, "terminated", 1))
    assert player.errors == []
