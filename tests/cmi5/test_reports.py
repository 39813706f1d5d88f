"""Reports per course and AU and per learner, from what real AU sessions recorded."""

from __future__ import annotations

import json

from tests.cmi5.conftest import LEARNER, OTHER_LEARNER, au, course_xml

THIRD = {"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": "learner-3"}}
READ, QUIZ, LAB = "https://example.com/aus/read", "https://example.com/aus/quiz", "https://example.com/aus/lab"


async def session(lms, registration: str, au_id: str, *outcomes: str, score: float | None = None) -> None:
    """Launch, initialize, send the outcomes, terminate (each terminated session takes PT3M)."""
    current = await lms.start(registration, au_id)
    statements = [current.initialized()]
    for outcome in outcomes:
        statements.append(current.completed() if outcome == "completed" else getattr(current, outcome)(score))
    await current.send(*statements)
    await current.send(current.terminated())


async def test_course_report_counts_each_outcome_apart_with_average_score_and_time(lms, xapi):
    course = await lms.import_course(
        course_xml(
            au(READ, moveOn="Completed", title="Read"),
            au(QUIZ, moveOn="Passed", title="Quiz"),
            au(LAB, moveOn="CompletedAndPassed", title="Lab"),
        )
    )
    first = await lms.register(course["id"], LEARNER)
    second = await lms.register(course["id"], OTHER_LEARNER)
    await lms.register(course["id"], THIRD)  # registered, nothing done
    await session(lms, first, READ, "completed")
    await session(lms, first, QUIZ, "passed", score=0.9)
    await lms.waive(first, LAB)
    await session(lms, second, READ, "completed")
    await session(lms, second, QUIZ, "failed", score=0.4)
    await session(lms, second, QUIZ, "failed", score=0.5)  # the latest score counts

    response = await xapi.get(f"/cmi5/reports/courses/{course['id']}")
    assert response.status == 200
    report = await response.json()
    assert (report["registered"], report["satisfied"]) == (3, 1)
    assert report["averageTimeSeconds"] == 450.0  # (2 x 180 s) and (3 x 180 s)
    read, quiz, lab = report["aus"]
    assert {k: read[k] for k in ("completed", "passed", "failed", "satisfied")} == {
        "completed": 2,
        "passed": 0,
        "failed": 0,
        "satisfied": 2,
    }
    assert {k: quiz[k] for k in ("completed", "passed", "failed", "satisfied")} == {
        "completed": 0,
        "passed": 1,
        "failed": 1,
        "satisfied": 1,
    }
    assert quiz["averageScore"] == 0.7 and quiz["averageTimeSeconds"] == 270.0
    assert (lab["waived"], lab["satisfied"], lab["averageScore"], lab["averageTimeSeconds"]) == (1, 1, None, None)

    listed = await (await xapi.get("/cmi5/reports/courses")).json()
    assert listed["courses"] == [
        {"course": course["id"], "title": {"en-US": "Geology"}, "aus": 3, "registered": 3, "satisfied": 1}
    ]


async def test_learner_report_shows_progress_in_each_registration(lms, xapi):
    course = await lms.import_course(course_xml(au(READ, moveOn="Completed"), au(QUIZ, moveOn="Passed")))
    registration = await lms.register(course["id"], LEARNER)
    await session(lms, registration, READ, "completed")
    await session(lms, registration, QUIZ, "failed", score=0.3)
    current = await lms.start(registration, QUIZ)
    await current.send(current.initialized())
    await lms.start(registration, QUIZ)  # the open session is abandoned: its time counts too

    report = await (await xapi.get("/cmi5/reports/learners", params={"agent": json.dumps(LEARNER)})).json()
    [entry] = report["registrations"]
    assert entry["registration"] == registration and entry["satisfied"] is False
    read, quiz = entry["aus"]
    assert (read["completed"], read["passed"], read["satisfied"], read["timeSeconds"]) == (True, False, True, 180.0)
    assert (quiz["completed"], quiz["passed"], quiz["failed"], quiz["score"]) == (False, False, True, 0.3)
    assert quiz["timeSeconds"] >= 180.0
    other = await (await xapi.get("/cmi5/reports/learners", params={"agent": json.dumps(OTHER_LEARNER)})).json()
    assert other["registrations"] == []


async def test_report_errors(xapi, xapi_with):
    assert (await xapi.get("/cmi5/reports/courses/nope")).status == 404
    bad = await xapi.get("/cmi5/reports/learners", params={"agent": '{"name": "x"}'})
    assert bad.status == 400 and "agent" in (await bad.json())["detail"]
    assert (await xapi.get("/cmi5/reports/learners")).status == 400
    # Every report refuses what it does not know, as an xAPI resource does (a format it does not have).
    # So does the rest of the LMS API.
    for path, known in (
        ("/cmi5/reports/courses", {}),
        ("/cmi5/reports/courses/nope", {}),
        ("/cmi5/reports/learners", {"agent": json.dumps(LEARNER)}),
        ("/cmi5/courses", {}),
        ("/cmi5/courses/nope", {}),
        ("/cmi5/registrations/nope", {}),
        ("/cmi5/sessions/nope", {}),
    ):
        unknown = await xapi.get(path, params={**known, "format": "xml"})
        assert unknown.status == 400 and "format" in (await unknown.json())["detail"], path
    limited = await xapi_with("statements/read")
    assert (await limited.get("/cmi5/reports/courses")).status == 403
