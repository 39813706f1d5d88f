"""Each cmi5 9 rule, broken by an AU over HTTP, gets a 403 naming the rule; nothing is stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from cmi5 import vocab
from cmi5.rules import (
    TERMINATED_GRACE,
    Launch,
    RegistrationAU,
    RuleViolation,
    SessionState,
    apply_rules,
    reads_registration,
)
from tests.cmi5.conftest import au, course_xml, now_iso

AU_ID = "https://example.com/aus/quiz"


@pytest.fixture
async def started(lms):
    """(lms, registration, start) where start() launches the quiz AU and fetches its token."""
    course = await lms.import_course(course_xml(au(AU_ID, moveOn="Passed", masteryScore="0.8")))
    registration = await lms.register(course["id"])

    async def start(**launch):
        return await lms.start(registration, AU_ID, **launch)

    return lms, registration, start


def drop(statement: dict, *path: str) -> dict:
    target = statement
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return statement


def with_result(statement: dict, **values) -> dict:
    statement.setdefault("result", {}).update(values)
    return statement


def categories(statement: dict, *ids: str) -> dict:
    statement["context"]["contextActivities"]["category"] = [{"id": i} for i in ids]
    return statement


def about_a_page(statement: dict, activity_id: str) -> dict:
    """The statement made about a page of the AU (which it names as parent)."""
    statement["object"] = {"id": activity_id + "/page-2"}
    statement["context"]["contextActivities"]["parent"] = [{"id": activity_id}]
    return statement


# name, what comes first, the offending statement, words the 403 must contain
CASES = [
    ("statement before initialized", [], lambda s: s.completed(), "9.3.2"),
    (
        "allowed statement before initialized",
        [],
        lambda s: s.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False),
        "9.3.2",
    ),
    ("initialized twice", ["initialized"], lambda s: s.initialized(), "already used in this session"),
    ("completed twice in a session", ["initialized", "completed"], lambda s: s.completed(), "already used"),
    (
        "passed and failed in one session",
        ["initialized", "failed"],
        lambda s: s.passed(),
        "at most one of passed and failed",
    ),
    (
        "statement after terminated",
        ["initialized", "terminated"],
        lambda s: s.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False, timestamp=now_iso(5)),
        "9.3.8",
    ),
    ("terminated twice", ["initialized", "terminated"], lambda s: s.terminated(), "9.3.8"),
    (
        "terminated timestamped before an earlier statement",
        ["initialized", lambda s: s.completed() | {"timestamp": now_iso(60)}],
        lambda s: s.terminated(),
        "terminated must be the last",
    ),
    (
        "statement timestamped before initialized",
        ["initialized"],
        lambda s: s.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False, timestamp=now_iso(-3600)),
        "before the session's initialized",
    ),
    ("score on completed", ["initialized"], lambda s: with_result(s.completed(), score={"scaled": 0.5}), "9.5.1"),
    (
        "raw score without min and max",
        ["initialized"],
        lambda s: with_result(s.passed(), score={"raw": 9}),
        "score.raw needs score.min",
    ),
    (
        "negative scaled score",
        ["initialized"],  # xAPI allows -1 to 1, cmi5 only 0 to 1
        lambda s: with_result(s.failed(), score={"scaled": -0.5}),
        "9.5.1",
    ),
    ("passed with success false", ["initialized"], lambda s: with_result(s.passed(), success=False), "9.5.2"),
    (
        "failed without success",
        ["initialized"],
        lambda s: categories(drop(s.failed(), "result", "success"), vocab.CATEGORY_CMI5),
        "9.5.2",
    ),
    (
        "success on initialized",
        [],
        lambda s: categories(
            s.statement(vocab.INITIALIZED, {"success": True}), vocab.CATEGORY_CMI5, vocab.CATEGORY_MOVEON
        ),
        "9.5.2",
    ),
    (
        "completed without completion",
        ["initialized"],
        lambda s: categories(s.statement(vocab.COMPLETED, {"duration": "PT1S"}), vocab.CATEGORY_CMI5),
        "9.5.3",
    ),
    ("completion on passed", ["initialized"], lambda s: with_result(s.passed(), completion=True), "9.5.3"),
    ("completed without duration", ["initialized"], lambda s: drop(s.completed(), "result", "duration"), "9.5.4.1"),
    ("terminated without duration", ["initialized"], lambda s: drop(s.terminated(), "result"), "9.5.4.1"),
    (
        "progress above 100",
        ["initialized"],
        lambda s: with_result(s.completed(), extensions={vocab.EXT_PROGRESS: 150}),
        "9.5.5.1",
    ),
    (
        "progress not an integer",
        ["initialized"],
        lambda s: with_result(s.completed(), extensions={vocab.EXT_PROGRESS: 50.5}),
        "9.5.5.1",
    ),
    (
        "progress out of range in a cmi5 allowed statement",
        ["initialized"],
        lambda s: s.statement(
            "http://adlnet.gov/expapi/verbs/progressed", {"extensions": {vocab.EXT_PROGRESS: -1}}, defined=False
        ),
        "9.5.5.1",
    ),
    (
        "moveon category missing on passed",
        ["initialized"],
        lambda s: categories(s.passed(), vocab.CATEGORY_CMI5),
        "9.6.2.2",
    ),
    (
        "moveon category on terminated",
        ["initialized"],
        lambda s: categories(s.terminated(), vocab.CATEGORY_CMI5, vocab.CATEGORY_MOVEON),
        "9.6.2.2",
    ),
    (
        "cmi5 category on a verb cmi5 does not define",
        ["initialized"],
        lambda s: s.statement("http://adlnet.gov/expapi/verbs/experienced"),
        "7.1.3",
    ),
    ("LMS verb from the AU", ["initialized"], lambda s: s.statement(vocab.SATISFIED), "LMS's verb"),
    (
        "session id missing from context",
        ["initialized"],
        lambda s: drop(s.completed(), "context", "extensions", vocab.EXT_SESSION_ID),
        "10.2.1",
    ),
    (
        "publisher id grouping missing",
        ["initialized"],
        lambda s: drop(s.completed(), "context", "contextActivities", "grouping"),
        "9.6.2",
    ),
    ("cmi5 defined object not the AU", ["initialized"], lambda s: about_a_page(s.completed(), s.activity_id), "9.4"),
    ("passed below masteryScore", ["initialized"], lambda s: s.passed(scaled=0.5), "9.3.4"),
    ("failed at masteryScore", ["initialized"], lambda s: s.failed(scaled=0.8), "9.3.5"),
    (
        "passed with a score but without the masteryScore extension",
        ["initialized"],
        lambda s: drop(s.passed(scaled=0.9), "context", "extensions", vocab.EXT_MASTERY_SCORE),
        "9.6.3.2",
    ),
    ("statement without an id", [], lambda s: drop(s.initialized(), "id"), "9.1"),
    (
        "statement without a timestamp",
        ["initialized"],
        lambda s: drop(s.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False), "timestamp"),
        "9.7",
    ),
    (
        "timestamp not in UTC",
        ["initialized"],
        lambda s: s.statement(
            "http://adlnet.gov/expapi/verbs/experienced", defined=False, timestamp=now_iso().replace("Z", "-06:00")
        ),
        "9.7",
    ),
    (
        "masteryScore extension disagrees",
        ["initialized"],
        lambda s: (lambda st: (st["context"]["extensions"].__setitem__(vocab.EXT_MASTERY_SCORE, 0.5), st)[1])(
            s.passed(scaled=0.9)
        ),
        "9.6.3.2",
    ),
]


@pytest.mark.parametrize("name, before, offending, rule", CASES, ids=[c[0] for c in CASES])
async def test_rule_violation_is_403_and_not_stored(started, name, before, offending, rule):
    lms, registration, start = started
    session = await start()
    for step in before:
        await session.send(step(session) if callable(step) else getattr(session, step)())
    statement = offending(session)
    body = await session.send(statement, expect=403)
    assert rule in body["detail"], body["detail"]
    assert statement.get("id", "none") not in [s["id"] for s in await lms.statements(registration=registration)]


@pytest.mark.parametrize("mode", ["Browse", "Review"])
@pytest.mark.parametrize("verb", ["completed", "passed", "failed"])
async def test_browse_and_review_forbid_judged_statements(started, mode, verb):
    lms, registration, start = started
    session = await start(launchMode=mode)
    await session.send(session.initialized())
    body = await session.send(getattr(session, verb)(), expect=403)
    assert "10.2.2" in body["detail"] and mode in body["detail"]
    await session.send(session.terminated())


async def test_completed_and_passed_once_per_registration(started):
    lms, registration, start = started
    first = await start()
    await first.send(first.initialized(), first.completed(), first.passed(scaled=0.9), first.terminated())
    second = await start()
    await second.send(second.initialized())
    body = await second.send(second.completed(), expect=403)
    assert "completed is sent at most once per registration" in body["detail"]
    body = await second.send(second.passed(scaled=0.95), expect=403)
    assert "passed is sent at most once per registration" in body["detail"]
    body = await second.send(second.failed(scaled=0.1), expect=403)
    assert "failed must not follow passed" in body["detail"]


async def test_failed_then_passed_in_later_session_is_allowed(started):
    lms, registration, start = started
    first = await start()
    await first.send(first.initialized(), first.failed(scaled=0.2), first.terminated())
    second = await start()
    await second.send(second.initialized(), second.passed(scaled=0.85), second.terminated())
    status = await lms.status(registration)
    assert status["aus"][0]["failed"] and status["aus"][0]["passed"] and status["satisfied"]


async def test_allowed_statements_between_initialized_and_terminated_are_stored(started):
    lms, registration, start = started
    session = await start()
    await session.send(session.initialized())
    experienced = session.statement(
        "http://adlnet.gov/expapi/verbs/experienced",
        defined=False,
        object={"id": session.activity_id + "/slide-1"},
        context={**session.statement(vocab.INITIALIZED)["context"]},
    )
    experienced["context"]["contextActivities"]["parent"] = [{"id": session.activity_id}]
    del experienced["context"]["contextActivities"]["category"]
    await session.send(experienced)
    await session.send(session.terminated())
    assert [s["verb"]["id"] for s in await lms.statements(registration=registration)][-2:] == [
        "http://adlnet.gov/expapi/verbs/experienced",
        vocab.TERMINATED,
    ]


async def test_a_batch_is_judged_in_timestamp_order(started):
    lms, registration, start = started
    session = await start()
    initialized = session.initialized()
    completed = session.completed()
    completed["timestamp"] = now_iso(1)
    initialized["timestamp"] = now_iso(0)
    await session.send(completed, initialized)  # listed out of order, timestamped in order
    bad = session.terminated()
    bad["timestamp"] = now_iso(-60)
    body = await session.send(session.terminated() | {"timestamp": now_iso(3)}, bad, expect=403)
    assert "cannot be timestamped before the session's initialized" in body["detail"]


async def test_rejected_batch_changes_nothing(started):
    lms, registration, start = started
    session = await start()
    await session.send(session.initialized())
    body = await session.send(session.completed(), session.passed(scaled=0.1), expect=403)
    assert "9.3.4" in body["detail"]
    await session.send(session.completed())  # completed was not claimed by the refused batch
    status = await lms.status(registration)
    assert status["aus"][0]["completed"] and not status["aus"][0]["passed"]


async def test_identical_statement_sent_again_is_accepted_once(started):
    lms, registration, start = started
    session = await start()
    initialized = session.initialized()
    completed = session.completed()
    await session.send(initialized)
    await session.send(completed)
    await session.send(completed)
    verbs = [s["verb"]["id"] for s in await lms.statements(registration=registration)]
    assert verbs.count(vocab.COMPLETED) == 1


async def test_concurrent_once_per_session_statements_pass_once(started):
    lms, registration, start = started
    session = await start()
    await session.send(session.initialized())
    tries = [session.completed() for _ in range(6)]
    responses = await asyncio.gather(
        *(session.client.post(session.xapi_path("statements"), json=[t], headers=session.headers()) for t in tries)
    )
    assert sorted(r.status for r in responses) == [200] + [403] * 5
    verbs = [s["verb"]["id"] for s in await lms.statements(registration=registration)]
    assert verbs.count(vocab.COMPLETED) == 1


async def test_concurrent_passed_and_failed_pass_once(started):
    lms, registration, start = started
    session = await start()
    await session.send(session.initialized())
    tries = [session.passed(scaled=0.9) if n % 2 else session.failed(scaled=0.1) for n in range(6)]
    responses = await asyncio.gather(
        *(session.client.post(session.xapi_path("statements"), json=[t], headers=session.headers()) for t in tries)
    )
    assert sorted(r.status for r in responses) == [200] + [403] * 5


async def test_statement_timestamped_before_terminated_may_arrive_just_after_it(started):
    lms, registration, start = started
    session = await start()
    await session.send(session.initialized() | {"timestamp": now_iso(-5)})
    earlier = session.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False, timestamp=now_iso(-1))
    await session.send(session.terminated())
    await session.send(earlier)  # sent before terminated by the AU, arrived after it
    assert earlier["id"] in [s["id"] for s in await lms.statements(registration=registration)]


async def test_a_stored_statement_sent_again_after_terminated_is_refused(started):
    # Nothing is lost by refusing it (it is stored), and a request after terminated is refused.
    lms, registration, start = started
    session = await start()
    await session.send(session.initialized() | {"timestamp": now_iso(-5)})
    experienced = session.statement("http://adlnet.gov/expapi/verbs/experienced", defined=False, timestamp=now_iso(-1))
    await session.send(experienced)
    terminated = session.terminated()
    await session.send(terminated)
    body = await session.send(experienced, expect=403)
    assert "9.3.8" in body["detail"]
    # The terminated statement itself again is the one statement stored once, as any repeat.
    await session.send(terminated)
    assert await lms.verbs(registration) == ["launched", "initialized", experienced["verb"]["id"], "terminated"]


# --- the pure rules, where time matters ----------------------------------------------------------


def pure_statement(verb: str, at: str, defined: bool = True, result: dict | None = None) -> dict:
    categories = [{"id": vocab.CATEGORY_CMI5}] if defined else []
    statement = {
        "id": f"{verb.rsplit('/', 1)[-1]}-{at}",
        "verb": {"id": verb},
        "object": {"objectType": "Activity", "id": "urn:uuid:au"},
        "timestamp": at,
        "context": {
            "registration": "r",
            "contextActivities": {"grouping": [{"id": "https://p/au"}], "category": categories},
            "extensions": {vocab.EXT_SESSION_ID: "s"},
        },
    }
    if result:
        statement["result"] = result
    return statement


def pure_launch():
    return Launch(
        "s",
        "r",
        "urn:uuid:au",
        "Normal",
        None,
        {"contextActivities": {"grouping": [{"id": "https://p/au"}]}, "extensions": {vocab.EXT_SESSION_ID: "s"}},
    )


def test_late_statement_is_refused_once_the_grace_after_terminated_is_over():
    terminated_at = datetime(2026, 1, 1, 12, 0, 10, tzinfo=UTC)
    state = SessionState(
        initialized_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
        terminated_at=terminated_at,
        terminated_received=terminated_at,
        last_at=terminated_at,
    )
    late = pure_statement("http://adlnet.gov/expapi/verbs/experienced", "2026-01-01T12:00:05Z", defined=False)
    assert apply_rules(pure_launch(), state, RegistrationAU(), [late], terminated_at + TERMINATED_GRACE).changed
    with pytest.raises(RuleViolation, match="9.3.8"):
        apply_rules(pure_launch(), state, RegistrationAU(), [late], terminated_at + TERMINATED_GRACE * 2)


def test_accepted_batch_claims_completed_and_passed_for_the_registration():
    batch = [
        pure_statement(vocab.INITIALIZED, "2026-01-01T12:00:00Z"),
        pure_statement(vocab.COMPLETED, "2026-01-01T12:00:01Z", result={"completion": True, "duration": "PT1S"}),
    ]
    batch[1]["context"]["contextActivities"]["category"].append({"id": vocab.CATEGORY_MOVEON})
    outcome = apply_rules(
        pure_launch(), SessionState(preferences_read=True), RegistrationAU(), batch, datetime.now(UTC)
    )
    assert outcome.claims == {"completed": batch[1]["id"]}
    assert set(outcome.state.verbs) == {vocab.INITIALIZED, vocab.COMPLETED}


def test_only_cmi5_defined_completed_passed_and_failed_need_the_registration():
    initialized = pure_statement(vocab.INITIALIZED, "2026-01-01T12:00:00Z")
    experienced = pure_statement("http://adlnet.gov/expapi/verbs/experienced", "2026-01-01T12:00:01Z", defined=False)
    assert not reads_registration([initialized, experienced])
    assert not reads_registration([pure_statement(vocab.COMPLETED, "2026-01-01T12:00:01Z", defined=False)])
    for verb in (vocab.COMPLETED, vocab.PASSED, vocab.FAILED):
        assert reads_registration([initialized, pure_statement(verb, "2026-01-01T12:00:01Z")])
