"""Packages shaped like real authoring-tool output, played in headless Chromium through the player.

Each folder of `authoring/` is a package as a tool publishes it (manifest layout and metadata,
file tree, schema files beside the manifest, the tool's way of finding the SCORM 1.2 API),
written for these tests; they are zipped here, imported over HTTP and clicked through as a
learner would. What reaches the LRS is checked in the statements and in the cmi5 registration.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from bridge import vocab
from tests.bridge.conftest import requires_runtime, verbs
from tests.bridge.test_browser import eventually
from tests.browser import requires_chromium, watch_errors
from tests.cmi5.conftest import LEARNER, make_zip

pytestmark = [requires_chromium, requires_runtime]
AUTHORING = Path(__file__).parent / "authoring"


def package_zip(name: str, folder: str = "", extra: dict[str, bytes] | None = None) -> bytes:
    """The folder `authoring/<name>` as a real zip (deflated, as tools write them), inside
    `folder` when given, with `extra` members added."""
    root = AUTHORING / name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.write(path, folder + path.relative_to(root).as_posix())
        for member, data in (extra or {}).items():
            archive.writestr(member, data)
    return buffer.getvalue()


async def open_sco(scorm, browser, package: dict, registration: str, sco: int = 0):
    """The learner's browser on the launch URL of a SCO, once the player has opened the SCO."""
    launched = await scorm.launch(registration, package["scos"][sco]["au"])
    page = await browser.new_page()
    page.errors = watch_errors(page)
    await page.goto(launched["url"])
    await page.wait_for_function("document.getElementById('status').dataset.state !== 'starting'", timeout=20_000)
    assert await page.get_attribute("#status", "data-state") == "ready", await page.text_content("#status")
    return page


async def frame_named(page, name: str, timeout: float = 20.0):
    async def found():
        return page.frame(name=name)

    frame = await eventually(found, timeout)
    assert frame is not None, f"no frame {name!r}: {[f.name for f in page.frames]}"
    return frame


async def text_of(frame, selector: str, expected: str, start: bool = False) -> str:
    """Waits until the element's text is `expected` (or starts with it); the text it has then."""
    test = "e.textContent.startsWith(expected)" if start else "e.textContent === expected"
    await frame.wait_for_function(
        f"([selector, expected]) => {{ const e = document.querySelector(selector); return !!e && {test}; }}",
        arg=[selector, expected],
        timeout=20_000,
    )
    return await frame.text_content(selector)


async def statements_of(scorm, registration: str) -> list[dict]:
    return await scorm.statements(registration=registration)


async def has_verb(scorm, registration: str, verb: str, count: int = 1) -> bool:
    return verbs(await statements_of(scorm, registration)).count(verb) >= count


def about(statements: list[dict], verb: str) -> list[dict]:
    return [s for s in statements if s["verb"]["display"]["en-US"] == verb]


async def test_a_storyline_style_quiz_reports_every_interaction_type_a_score_and_passed(scorm, browser):
    package = await scorm.import_package(package_zip("storyline_quiz"))
    assert (package["title"], package["warnings"], package["scos"][0]["masteryscore"]) == ("Fire Safety Quiz", [], "80")
    registration = await scorm.register(package["course"])
    page = await open_sco(scorm, browser, package, registration)
    quiz = await frame_named(page, "sco")
    await text_of(quiz, "#lms", "connected")
    await quiz.check("input[name=q1][value=f]")
    await quiz.select_option("select[name=q2]", "b")
    await quiz.check("input[name=q3][value=a]")
    await quiz.check("input[name=q3][value=c]")
    for name, answer in (
        ("q4", "Extinguisher"),
        ("q5", "1.b,2.c,3.a"),
        ("q6", "c,a,b,d"),
        ("q7", "112"),
        ("q8", "4"),
        ("q9", "pull,aim,squeeze,sweep"),
    ):
        await quiz.fill(f"input[name={name}]", answer)
    await quiz.click("#submit")
    assert await quiz.text_content("#result") == "87.5%"  # 7 of the 8 graded questions
    assert await eventually(lambda: has_verb(scorm, registration, "responded", 9))
    await quiz.click("#exit")
    assert await eventually(lambda: has_verb(scorm, registration, "terminated"))

    found = await statements_of(scorm, registration)
    assert verbs(found) == [
        "launched",
        "initialized",
        "completed",
        "passed",
        "scored",
        *["responded"] * 9,
        "satisfied",
        "terminated",
    ]
    responded = {s["object"]["id"].rsplit("/", 1)[-1]: s for s in about(found, "responded")}
    shapes = {
        key: (
            s["object"]["definition"]["interactionType"],
            s["result"]["response"],
            s["result"].get("success"),
            s["object"]["definition"].get("correctResponsesPattern"),
        )
        for key, s in responded.items()
    }
    assert shapes == {
        "Scene1_Slide2_TrueFalse_0_0": ("true-false", "false", True, ["false"]),
        "Scene1_Slide3_MultiChoice_0_0": ("choice", "b", True, ["b"]),
        "Scene1_Slide4_MultiResponse_0_0": ("choice", "a[,]c", True, ["a[,]c"]),
        "Scene1_Slide5_FillIn_0_0": ("fill-in", "Extinguisher", True, ["extinguisher"]),
        "Scene1_Slide6_DragDrop_0_0": ("matching", "1[.]b[,]2[.]c[,]3[.]a", False, ["1[.]b[,]2[.]a[,]3[.]c"]),
        "Scene1_Slide7_Sequence_0_0": ("sequencing", "c[,]a[,]b[,]d", True, ["c[,]a[,]b[,]d"]),
        "Scene1_Slide8_Numeric_0_0": ("numeric", "112", True, ["112[:]112"]),
        "Scene1_Slide9_Likert_0_0": ("likert", "4", None, None),
        "Scene1_Slide10_Hotspot_0_0": ("performance", "pull,aim,squeeze,sweep", True, ["pull,aim,squeeze,sweep"]),
    }
    sco_activity = package["scos"][0]["activityId"]
    quiz_statement = responded["Scene1_Slide3_MultiChoice_0_0"]
    assert quiz_statement["context"]["contextActivities"]["parent"] == [{"objectType": "Activity", "id": sco_activity}]
    assert [a["id"].rsplit("/", 1)[-1] for a in quiz_statement["context"]["contextActivities"]["other"]] == [
        "FireSafety_Quiz"
    ]
    assert about(found, "scored")[0]["result"]["score"] == {"raw": 87.5, "min": 0, "max": 100, "scaled": 0.875}
    assert about(found, "passed")[0]["result"]["score"] == {"scaled": 0.875}
    au = (await scorm.status(registration))["aus"][0]
    assert (au["completed"], au["passed"], au["satisfied"]) == (True, True, True)
    assert page.errors == []
    suspend = await scorm_state(scorm, registration, package, vocab.SUSPEND_DATA_STATE_ID)
    assert suspend == b"quiz:7/8"


async def scorm_state(scorm, registration, package, state_id, sco=0):
    params = {
        "activityId": package["scos"][sco]["activityId"],
        "registration": registration,
        "stateId": state_id,
        "agent": json.dumps(LEARNER),
    }
    response = await scorm.xapi.get("/xapi/activities/state", params=params)
    assert response.status == 200, await response.text()
    return await response.read()


async def test_a_rise_style_course_that_sets_completed_then_passed_in_one_commit_keeps_both(scorm, browser):
    package = await scorm.import_package(package_zip("rise_course"))
    assert package["scos"][0]["launch"] == "scormdriver/indexAPI.html"
    registration = await scorm.register(package["course"])
    page = await open_sco(scorm, browser, package, registration)
    course = await frame_named(page, "content-frame")  # below the driver page, which holds the API
    await text_of(course, "#state", "lesson 1 of 3")
    for _ in range(3):
        await course.click("#continue")
    await course.check("input[name=kc][value=car-park]")
    await course.click("#submit-check")
    assert await course.text_content("#state") == "done: passed"
    assert await eventually(lambda: has_verb(scorm, registration, "satisfied"))
    found = await statements_of(scorm, registration)
    assert verbs(found) == ["launched", "initialized", "completed", "passed", "scored", "satisfied"]
    completed, passed = about(found, "completed")[0], about(found, "passed")[0]
    assert completed["result"]["completion"] is True and passed["result"]["success"] is True
    au = (await scorm.status(registration))["aus"][0]
    assert (au["completed"], au["passed"], au["satisfied"]) == (True, True, True)
    await course.click("#exit-course")
    assert await eventually(lambda: has_verb(scorm, registration, "terminated"))
    attempt = json.loads(await scorm_state(scorm, registration, package, vocab.ATTEMPT_STATE_ID))
    assert attempt["location"] == "#/lessons/2"
    assert page.errors == []


async def test_a_course_in_a_window_it_opened_finds_the_api_through_the_opener(scorm, browser):
    package = await scorm.import_package(package_zip("captivate_popup"))
    sco = package["scos"][0]
    assert (sco["masteryscore"], sco["maxTimeAllowed"], sco["timeLimitAction"]) == (
        "80",
        "00:30:00",
        "continue,no message",
    )
    registration = await scorm.register(package["course"])
    page = await open_sco(scorm, browser, package, registration)
    launcher = await frame_named(page, "sco")
    async with page.expect_popup() as opened:
        await launcher.click("#launch")
    course = await opened.value
    course.on("pageerror", lambda error: page.errors.append(str(error)))
    await text_of(course, "#cp-state", "connected")
    await course.check("input[name=i1][value=c]")
    await course.check("input[name=i2][value=f]")  # wrong: 50 of 100, under the mastery score
    await course.click("#cp-submit")
    assert await course.text_content("#cp-state") == "result 50"
    await course.click("#cp-exit")
    assert await eventually(lambda: has_verb(scorm, registration, "terminated"))
    found = await statements_of(scorm, registration)
    # The course said completed, then failed, before one commit: both facts are kept.
    assert verbs(found) == [
        "launched",
        "initialized",
        "completed",
        "failed",
        "scored",
        "responded",
        "responded",
        "satisfied",
        "terminated",
    ]
    assert about(found, "failed")[0]["result"]["score"] == {"scaled": 0.5}
    au = (await scorm.status(registration))["aus"][0]
    assert (au["completed"], au["passed"], au["satisfied"]) == (True, False, True)
    assert page.errors == []
    await course.close()


async def test_a_presentation_that_only_initializes_and_finishes_is_completed_at_finish(scorm, browser):
    package = await scorm.import_package(package_zip("ispring_presentation"))
    registration = await scorm.register(package["course"])
    page = await open_sco(scorm, browser, package, registration)
    slides = await frame_named(page, "sco")
    await text_of(slides, "#lms-state", "initialized")
    await slides.click("#next")
    await slides.click("#close")
    assert await eventually(lambda: has_verb(scorm, registration, "satisfied"))  # stored after terminated
    found = await statements_of(scorm, registration)
    assert verbs(found) == ["launched", "initialized", "completed", "terminated", "satisfied"]
    assert about(found, "completed")[0]["result"]["completion"] is True
    status = await scorm.status(registration)
    assert (status["aus"][0]["completed"], status["aus"][0]["satisfied"], status["satisfied"]) == (True, True, True)
    assert page.errors == []
    await page.close()
    # The next launch starts from what the LMS set: completed.
    again = await open_sco(scorm, browser, package, registration)
    assert await again.evaluate("window.API.cmi.core.lesson_status") == "completed"


async def test_lectora_style_chapters_in_framesets_report_shared_objectives_per_sco(scorm, browser):
    package = await scorm.import_package(package_zip("lectora_chapters"))
    assert [(s["id"], s["launch"], s["prerequisites"], s["masteryscore"]) for s in package["scos"]] == [
        ("I_SCO1", "a001index.html", "", None),
        ("I_SCO2", "a002index.html", "I_SCO1", None),
        ("I_SCO3", "a003index.html", "I_SCO1&I_SCO2", "70"),
    ]
    registration = await scorm.register(package["course"])
    for chapter in (1, 2, 3):
        page = await open_sco(scorm, browser, package, registration, sco=chapter - 1)
        titlemgr = await frame_named(page, "titlemgrframe")
        # SCORM 1.2 objectives belong to their SCO: each chapter starts without the others'.
        assert (
            await text_of(titlemgr, "#titlemgr-state", "connected", start=True) == "connected; objectives at start: 0"
        )
        widget = await frame_named(page, "checkpoint")
        await text_of(widget, "#widget-state", "found the API 4 levels up")
        await widget.check("input[name=answer][value=b]")
        await widget.click("#record")
        content = await frame_named(page, "contentframe")
        if chapter == 3:
            await content.fill("#score", "90")
        await content.click("#finish-chapter")
        await text_of(titlemgr, "#titlemgr-state", f"chapter {chapter} done")
        await content.click("#exit-chapter")
        assert await eventually(lambda chapter=chapter: has_verb(scorm, registration, "terminated", chapter))
        assert page.errors == []
        await page.close()

    found = await statements_of(scorm, registration)
    scos = [s["au"] for s in package["scos"]]
    objectives = [
        (
            s["verb"]["display"]["en-US"],
            s["object"]["id"],
            s["object"]["definition"]["name"]["und"],
            s["context"]["contextActivities"]["parent"][0]["id"],
        )
        for s in found
        if "/objectives/" in s["object"]["id"]
    ]
    assert objectives == [
        item
        for n, sco in enumerate(scos, 1)
        for item in (
            ("passed", f"{sco}/objectives/OBJ_FIRE_SAFETY", "OBJ_FIRE_SAFETY", package["scos"][n - 1]["activityId"]),
            (
                "completed",
                f"{sco}/objectives/OBJ_CHAPTER_{n}",
                f"OBJ_CHAPTER_{n}",
                package["scos"][n - 1]["activityId"],
            ),
        )
    ]
    checkpoints = about(found, "responded")
    assert [s["object"]["id"] for s in checkpoints] == [
        f"{sco}/interactions/checkpoint_{n}" for n, sco in enumerate(scos, 1)
    ]
    assert [s["context"]["contextActivities"]["other"][0]["id"] for s in checkpoints] == [
        f"{sco}/objectives/OBJ_FIRE_SAFETY" for sco in scos
    ]
    status = await scorm.status(registration)
    assert [(a["completed"], a["passed"], a["satisfied"]) for a in status["aus"]] == [
        (True, False, True),
        (True, False, True),
        (True, True, True),
    ]
    assert status["satisfied"] is True
    sco_outcomes = [
        (s["verb"]["display"]["en-US"], s["object"]["id"])
        for s in found
        if s["verb"]["display"]["en-US"] in ("completed", "passed", "failed")
        and "/objectives/" not in s["object"]["id"]
    ]
    assert sco_outcomes == [
        ("completed", package["scos"][0]["activityId"]),
        ("completed", package["scos"][1]["activityId"]),
        ("completed", package["scos"][2]["activityId"]),
        ("passed", package["scos"][2]["activityId"]),
    ]


# The sloppiness of real packages, all in one: byte order mark and blank lines before the XML
# declaration, an IMS CP 1.1 DOCTYPE naming its DTD, Windows-1252 text under a UTF-8 declaration,
# no <metadata>, a default organization that names none, an identifierref and a launch file in
# another case, adlcp:scormType with an upper-case value, xml:base without its slash, an href with
# a query, a resource without scormtype, and the whole zipped with its folder on a Mac.
LEGACY_MANIFEST = (
    b"\xef\xbb\xbf\r\n\r\n"
    + """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE manifest SYSTEM "imscp_rootv1p1.dtd">
<manifest identifier="SAFETY_101" version="1.1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <organizations default="TOC1">
    <organization identifier="ORG_1">
      <title>Sécurité incendie – module 1</title>
      <item identifier="ITEM_1" identifierref="res_1">
        <title>Leçon 1</title>
        <adlcp:maxtimeallowed>0:45:00</adlcp:maxtimeallowed>
      </item>
      <item identifier="ITEM_2" identifierref="RES_2"><title>Glossaire</title></item>
    </organization>
  </organizations>
  <resources xml:base="content">
    <resource identifier="RES_1" type="webcontent" adlcp:scormType="SCO" href="Start.htm?lang=fr">
      <file href="start.htm"/><file href="apiwrapper.js"/>
    </resource>
    <resource identifier="RES_2" type="webcontent" href="glossary.htm"><file href="glossary.htm"/></resource>
  </resources>
</manifest>
""".encode("windows-1252")
)


async def test_a_sloppy_legacy_package_imports_as_meant_says_how_and_plays(scorm, browser):
    folder = "Sicherheit 101/"
    data = package_zip(
        "legacy_sloppy",
        folder,
        {folder + "imsmanifest.xml": LEGACY_MANIFEST, "__MACOSX/Sicherheit 101/._imsmanifest.xml": b"\x00\x05\x16\x07"},
    )
    package = await scorm.import_package(data)
    assert package["title"] == "Sécurité incendie – module 1"
    assert [(s["title"], s["scormType"], s["launch"], s["maxTimeAllowed"]) for s in package["scos"]] == [
        ("Leçon 1", "sco", "content/start.htm?lang=fr", "0:45:00"),
        ("Glossaire", "asset", "content/glossary.htm", ""),
    ]
    assert package["warnings"] == [
        "the package was zipped with its folder 'Sicherheit 101/'; that folder is its root",
        "imsmanifest.xml is not UTF-8 as it says: it was read as Windows-1252",
        "organizations: default 'TOC1' names no organization; the first one, 'ORG_1', is played",
        "organizations/organization[1]/item[1]: identifierref 'res_1' names resource 'RES_1' in another case",
        "organizations/organization[1]/item[1]: launch file 'content/Start.htm' is 'content/start.htm' in the zip",
        "organizations/organization[1]/item[2]: resource 'RES_2' has no adlcp:scormtype; it is played as an asset "
        "(its AU is satisfied without a status)",
    ]
    registration = await scorm.register(package["course"])
    page = await open_sco(scorm, browser, package, registration)
    lesson = await frame_named(page, "sco")
    await text_of(lesson, "#lms", "initialized ?lang=fr")
    await lesson.click("#done")
    assert await eventually(lambda: has_verb(scorm, registration, "satisfied"))  # stored after terminated
    assert verbs(await statements_of(scorm, registration)) == [
        "launched",
        "initialized",
        "completed",
        "terminated",
        "satisfied",
    ]
    status = await scorm.status(registration)
    assert [a["satisfied"] for a in status["aus"]] == [True, True] and status["satisfied"] is True
    assert page.errors == []


async def test_an_adapt_style_course_that_commits_as_the_window_closes_finishes_its_session(scorm, browser):
    # Browsers refuse synchronous requests while a page is being closed; a course that commits in
    # beforeunload and finishes only when that commit succeeds (as Adapt's does) must still finish.
    package = await scorm.import_package(package_zip("adapt_course"))
    registration = await scorm.register(package["course"])
    context = await browser.new_context()  # outlives the page, as a browser outlives a closed tab
    launched = await scorm.launch(registration, package["scos"][0]["au"])
    page = await context.new_page()
    await page.goto(launched["url"])
    course = await frame_named(page, "sco")
    await text_of(course, "#lms", "connected")
    await course.click("#next-block")
    await course.click("#next-block")
    assert await course.text_content("#block") == "Block 3 of 3"
    await page.close(run_before_unload=True)  # the learner closes the window
    assert await eventually(lambda: has_verb(scorm, registration, "terminated"))
    assert verbs(await statements_of(scorm, registration)) == ["launched", "initialized", "suspended", "terminated"]

    again = await open_sco(scorm, browser, package, registration)
    course = await frame_named(again, "sco")
    await text_of(course, "#block", "Block 3 of 3")
    assert await again.evaluate("[API.cmi.core.entry, API.cmi.core.lesson_location]") == ["resume", "b3"]
    await context.close()


async def test_the_same_course_in_a_window_of_its_own_finishes_when_that_window_closes(scorm, browser):
    # As Storyline's "launch in a new window" does: the player stays, the course's window closes.
    # Chromium refuses synchronous requests in the closing window's handlers then too.
    launcher = (
        b"<!DOCTYPE html><title>Launch</title>"
        b"<button id=\"launch\" onclick=\"window.open('index_lms.html', 'course')\">Launch</button>"
    )
    root = AUTHORING / "adapt_course"
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    files["imsmanifest.xml"] = files["imsmanifest.xml"].replace(
        b'href="index_lms.html" adlcp', b'href="launcher.html" adlcp'
    )
    package = await scorm.import_package(make_zip({**files, "launcher.html": launcher}))
    registration = await scorm.register(package["course"])
    page = await open_sco(scorm, browser, package, registration)
    frame = await frame_named(page, "sco")
    async with page.expect_popup() as opened:
        await frame.click("#launch")
    course = await opened.value
    await text_of(course, "#lms", "connected")
    await course.click("#next-block")
    await course.close(run_before_unload=True)
    assert await eventually(lambda: has_verb(scorm, registration, "terminated"))
    attempt = json.loads(await scorm_state(scorm, registration, package, vocab.ATTEMPT_STATE_ID))
    assert attempt["location"] == "b2"
    assert page.errors == []
