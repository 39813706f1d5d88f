"""The pure layers of the run-time: the attempt record, data model parsing and statement shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bridge import vocab
from bridge.attempts import (
    Commit,
    Facts,
    apply_commit,
    begin_session,
    effective_status,
    is_record,
    kept_status,
    new_record,
)
from bridge.cmi import Interaction, Score, check_commit, format_timespan, parse_snapshot, parse_timespan
from bridge.errors import RuntimeDataError
from bridge.interactions import definition, to_xapi_pattern, to_xapi_response
from bridge.statements import Launch, scaled_of, xapi_score
from cmi5 import vocab as cmi5_vocab
from tests.bridge.conftest import cmi

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ACTOR = {"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": "learner-1"}}


def launch(session: str = "s1", mode: str = "Normal", mastery: float | None = 0.8) -> Launch:
    return Launch(
        session=session,
        registration="4e1d0a52-3c71-4b34-9b43-0f8c2a8f4d11",
        actor=ACTOR,
        au={
            "id": "https://lrs.example.com/scorm/packages/p/scos/I1",
            "activityId": "urn:uuid:1f0e2bd4-6d6b-4a8e-9f52-2d4a4c7a9b10",
            "title": {"und": "One"},
            "description": {"und": "One"},
            "activityType": vocab.TYPE_LESSON,
        },
        context_template={
            "contextActivities": {"grouping": [{"id": "https://lrs.example.com/scorm/packages/p/scos/I1"}]},
            "extensions": {cmi5_vocab.EXT_SESSION_ID: session},
        },
        course_activity="urn:uuid:0b9c2a57-1b4e-4f38-8c3f-5b0f9d7e2a61",
        launch_mode=mode,
        mastery_score=mastery,
    )


def run(record, session_launch, *commits, facts=Facts(), at=T0):
    record = begin_session(record, session_launch, at)
    made = []
    for number, (event, data, *statuses) in enumerate(commits, start=record["session"]["sequence"] + 1):
        snapshot = parse_snapshot(data) if data is not None else None
        record, statements = apply_commit(
            record,
            session_launch,
            Commit(number, event, snapshot, tuple(*statuses)),
            at + timedelta(seconds=number),
            facts,
        )
        made += statements
    return record, made


def names(statements):
    return [s["verb"]["display"]["en-US"] for s in statements]


def is_defined(statement):
    return cmi5_vocab.CATEGORY_CMI5 in [c["id"] for c in statement["context"]["contextActivities"]["category"]]


def test_a_new_attempt_starts_ab_initio_and_a_suspended_one_resumes():
    record, _ = run(
        new_record(),
        launch("s1"),
        ("initialize", None),
        ("finish", cmi(location="p4", suspend_data="d", exit="suspend", session_time="00:01:00")),
    )
    resumed = begin_session(record, launch("s2"), T0 + timedelta(hours=1))
    assert resumed["session"]["entry"] == "resume"
    assert (resumed["attempt"]["location"], resumed["attempt"]["suspendData"], resumed["attempt"]["totalSeconds"]) == (
        "p4",
        "d",
        60,
    )
    assert resumed["session"]["attempt"] == record["session"]["attempt"]
    record, _ = run(resumed, launch("s2"), ("initialize", None), ("finish", cmi(status="completed", location="p9")))
    fresh = begin_session(record, launch("s3"), T0 + timedelta(hours=2))
    assert fresh["session"]["entry"] == "ab-initio"
    assert (fresh["attempt"]["location"], fresh["attempt"]["lessonStatus"]) == ("", "completed")
    assert fresh["session"]["attempt"] != record["session"]["attempt"]
    assert len(fresh["attempt"]["attempts"]) == 2


def test_records_this_module_writes_match_the_record_schema():
    record, _ = run(
        new_record(),
        launch("s1"),
        ("initialize", None),
        (
            "commit",
            cmi(
                status="passed",
                raw="90",
                location="p",
                suspend_data="d",
                comments="c",
                interactions={"0": {"id": "q", "type": "choice", "student_response": "a", "result": "correct"}},
                objectives={"0": {"id": "o", "status": "passed", "score": {"raw": "1", "min": "", "max": ""}}},
            ),
        ),
        ("finish", cmi(exit="suspend")),
    )
    for written in (new_record(), record, begin_session(record, launch("s2", "Review"), T0 + timedelta(hours=1))):
        assert is_record(json.loads(json.dumps(written)))
    assert not is_record({**record, "session": {**record["session"], "launchedAt": "2026-13-01T00:00:00.000Z"}})


def test_begin_session_is_a_no_op_for_the_current_session():
    record = begin_session(new_record(), launch("s1"), T0)
    assert begin_session(record, launch("s1"), T0 + timedelta(minutes=5)) is record


def test_browse_and_review_leave_the_attempt_untouched():
    record, _ = run(
        new_record(), launch("s1"), ("initialize", None), ("finish", cmi(status="passed", raw="90", location="end"))
    )
    before = record["attempt"]
    record, made = run(
        record,
        launch("s2", "Review"),
        ("initialize", None),
        ("finish", cmi(status="failed", raw="5", location="x", exit="suspend")),
    )
    assert record["attempt"] == before
    assert names(made) == ["initialized", "terminated"]


@pytest.mark.parametrize(
    "reported, raw, mastery, finishing, expected",
    [
        ("passed", "85", 0.8, False, "passed"),
        ("passed", "79", 0.8, False, "failed"),
        ("completed", "80", 0.8, False, "passed"),
        ("incomplete", "95", 0.8, False, "incomplete"),
        ("incomplete", "95", 0.8, True, "passed"),
        ("failed", "95", None, True, "failed"),
        ("passed", "", 0.8, True, "passed"),
    ],
)
def test_a_raw_score_decides_passed_or_failed_against_the_mastery_score(reported, raw, mastery, finishing, expected):
    assert effective_status(reported, Score(raw=raw), launch(mastery=mastery), finishing) == expected


def test_a_completion_is_never_taken_back():
    assert kept_status("passed", "incomplete") == "passed"
    assert kept_status("completed", "browsed") == "completed"
    assert kept_status("passed", "failed") == "passed"
    assert kept_status("failed", "passed") == "passed"
    assert kept_status("incomplete", "completed") == "completed"


def test_outcomes_cmi5_would_refuse_are_sent_without_the_cmi5_category():
    _, made = run(
        new_record(), launch(), ("initialize", None), ("commit", cmi(status="completed")), facts=Facts(completed=True)
    )
    completed = made[-1]
    assert names(made) == ["initialized", "completed"] and not is_defined(completed)
    _, made = run(
        new_record(),
        launch(mastery=None),
        ("initialize", None),
        ("commit", cmi(status="failed")),
        ("commit", cmi(status="passed")),
    )
    assert names(made) == ["initialized", "failed", "completed", "passed"]
    assert [is_defined(s) for s in made] == [True, True, True, False]


def test_a_finish_makes_terminated_last_with_the_session_time():
    _, made = run(
        new_record(),
        launch(),
        ("initialize", None),
        ("finish", cmi(status="incomplete", exit="suspend", session_time="00:00:42.5")),
    )
    assert names(made) == ["initialized", "suspended", "terminated"]
    assert made[-1]["result"] == {"duration": "PT42.5S"} and is_defined(made[-1])
    assert not is_defined(made[1])


def test_without_session_time_the_duration_is_the_time_since_initialized():
    _, made = run(new_record(), launch(), ("initialize", None), ("finish", cmi()))
    assert made[-1]["result"] == {"duration": "PT1S"}  # initialized at +1 s, finished at +2 s


# --- completion and success: two facts (SCORM 1.2 RTE 3.4.4) ---------------------------------


def outcome_of(made):
    return [
        (names([s])[0], s["result"].get("completion"), s["result"].get("success"))
        for s in made
        if names([s])[0] in ("completed", "passed", "failed")
    ]


@pytest.mark.parametrize("status", ["", "not attempted"])
def test_a_sco_that_only_initializes_and_finishes_is_completed_by_the_lms(status):
    record, made = run(new_record(), launch(mastery=None), ("initialize", None), ("finish", cmi(status=status)))
    assert names(made) == ["initialized", "completed", "terminated"]
    assert is_defined(made[1]) and made[1]["result"]["completion"] is True
    assert (record["attempt"]["lessonStatus"], record["attempt"]["completed"]) == ("completed", True)


@pytest.mark.parametrize(
    "raw, expected, completed",
    [
        ("90", [("completed", True, None), ("passed", None, True)], True),
        # The LMS sets completed, then the mastery score judges it failed: the status is failed, which
        # (as for scorm-again and most LMSes) is not a completion.
        ("50", [("failed", None, False)], False),
    ],
)
def test_at_finish_with_no_status_a_raw_score_is_judged_against_the_mastery_score(raw, expected, completed):
    record, made = run(new_record(), launch(mastery=0.8), ("initialize", None), ("finish", cmi(status="", raw=raw)))
    assert outcome_of(made) == expected
    assert record["attempt"]["completed"] is completed


def test_a_status_the_sco_set_is_not_replaced_at_finish():
    record, made = run(new_record(), launch(mastery=None), ("initialize", None), ("finish", cmi(status="incomplete")))
    assert names(made) == ["initialized", "terminated"]
    assert (record["attempt"]["lessonStatus"], record["attempt"]["completed"]) == ("incomplete", False)
    resumed, made = run(record, launch("s2", mastery=None), ("initialize", None), ("finish", cmi(status="incomplete")))
    assert names(made) == ["initialized", "terminated"] and resumed["attempt"]["lessonStatus"] == "incomplete"


@pytest.mark.parametrize("mode", ["Browse", "Review"])
def test_browse_and_review_sessions_that_only_finish_complete_nothing(mode):
    record, made = run(
        new_record(),
        launch(mode=mode, mastery=None),
        ("initialize", None),
        ("finish", cmi(status="browsed" if mode == "Browse" else "completed")),
    )
    assert names(made) == ["initialized", "terminated"]
    assert (record["attempt"]["lessonStatus"], record["attempt"]["completed"]) == ("not attempted", False)


@pytest.mark.parametrize(
    "statuses, final, expected, completed",
    [
        # completed, then passed before one commit: the snapshot holds passed only.
        (["completed", "passed"], "passed", [("completed", True, None), ("passed", None, True)], True),
        ([], "passed", [("completed", True, None), ("passed", None, True)], True),  # passed means completed
        (["completed", "failed"], "failed", [("completed", True, None), ("failed", None, False)], True),
        ([], "failed", [("failed", None, False)], False),
        (["passed"], "incomplete", [("completed", True, None), ("passed", None, True)], True),
        (
            ["failed", "passed"],
            "passed",
            [("completed", True, None), ("failed", None, False), ("passed", None, True)],
            True,
        ),
    ],
)
def test_completion_and_success_are_both_kept(statuses, final, expected, completed):
    record, made = run(
        new_record(), launch(mastery=None), ("initialize", None), ("commit", cmi(status=final), statuses)
    )
    assert outcome_of(made) == expected
    assert record["attempt"]["completed"] is completed
    _, again = run(record, launch(mastery=None), ("commit", cmi(status=final)))
    assert outcome_of(again) == []  # the next commit, with the same status: nothing twice


def test_with_a_mastery_score_what_the_sco_said_passed_is_judged_by_the_raw_score():
    _, made = run(
        new_record(),
        launch(mastery=0.8),
        ("initialize", None),
        ("commit", cmi(status="passed", raw="60"), ["completed", "passed"]),
    )
    assert outcome_of(made) == [("completed", True, None), ("failed", None, False)]


def test_timespans_parse_and_format_as_scorm_1_2_keeps_them():
    assert parse_timespan("0001:02:03.5") == 3723.5
    assert parse_timespan("") == 0
    assert format_timespan(3723.5) == "0001:02:03.50"
    assert format_timespan(60) == "0000:01:00"
    with pytest.raises(ValueError):
        parse_timespan("1h")


@pytest.mark.parametrize(
    "data, element",
    [
        (cmi(suspend_data="x" * 64001), "cmi.suspend_data"),
        (cmi(location="x" * 256), "cmi.core.lesson_location"),
        (cmi(status="done"), "cmi.core.lesson_status"),
        (cmi(exit="quit"), "cmi.core.exit"),
        (cmi(raw="lots"), "cmi.core.score.raw"),
        (cmi(session_time="5 minutes"), "cmi.core.session_time"),
        (cmi(raw="9" * 11), "cmi.core.score.raw"),
        (cmi(interactions={"0": {"id": "q", "weighting": "1" * 11}}), "cmi.interactions.0.weighting"),
        (cmi(interactions={"0": {"id": "q", "type": "essay"}}), "cmi.interactions.0.type"),
        # Rows sent as lists are checked like numbered ones.
        (cmi(objectives=[{"id": "o", "status": "done"}]), "cmi.objectives.0.status"),
        (
            cmi(interactions={"0": {"id": "q", "correct_responses": [{"pattern": "x" * 256}]}}),
            "cmi.interactions.0.correct_responses.0.pattern",
        ),
        (cmi(interactions={"0": {"id": "q", "objectives": [{"id": 5}]}}), "cmi.interactions.0.objectives.0.id"),
        # Row keys are row numbers (they became a 500 when int() refused them).
        (cmi(interactions={"\u00b2": {"id": "q", "student_response": "a"}}), "cmi.interactions"),
        (cmi(objectives={"9" * 5000: {"id": "o"}}), "cmi.objectives"),
        (
            cmi(interactions={"0": {"id": "q", "correct_responses": {"_count": {}}}}),
            "cmi.interactions.0.correct_responses",
        ),
    ],
)
def test_the_server_refuses_what_the_data_model_does_not_allow(data, element):
    with pytest.raises(RuntimeDataError) as raised:
        check_commit({"sequence": 1, "event": "commit", "cmi": data})
    assert raised.value.element == element and raised.value.scorm_error == 405


@pytest.mark.parametrize(
    "body, element",
    [
        ({"event": "commit"}, "body"),
        ({"sequence": 0}, "sequence"),
        ({"sequence": "1"}, "sequence"),
        ({"sequence": 1, "event": "close"}, "event"),
        ([], "body"),
    ],
)
def test_a_broken_envelope_is_a_general_error(body, element):
    with pytest.raises(RuntimeDataError) as raised:
        check_commit(body)
    assert raised.value.element == element and raised.value.scorm_error == 101


def test_a_commit_as_scorm_again_renders_it_passes_the_schema():
    check_commit(
        {
            "auth": "t",
            "sequence": 3,
            "event": "finish",
            "cmi": cmi(
                status="passed",
                raw="85",
                session_time="0001:02:03.5",
                location="p",
                suspend_data="x" * 4096,
                interactions={
                    "0": {
                        "id": "q",
                        "type": "choice",
                        "student_response": "a",
                        "latency": "00:00:05",
                        "weighting": "1.5",
                        "correct_responses": {"0": {"pattern": "a"}},
                        "objectives": {"0": {"id": "o"}},
                    }
                },
                objectives={"0": {"id": "o", "status": "passed", "score": {"raw": "1", "min": "", "max": ""}}},
            ),
        }
    )


@pytest.mark.parametrize(
    "kind, scorm, xapi",
    [
        ("true-false", "t", "true"),
        ("true-false", "0", "false"),
        ("choice", "{a,b}", "a[,]b"),
        ("sequencing", "c,a,b", "c[,]a[,]b"),
        ("matching", "1.a,2.b", "1[.]a[,]2[.]b"),
        ("fill-in", "Paris", "Paris"),
        ("likert", "3", "3"),
        ("numeric", "4.5", "4.5"),
    ],
)
def test_responses_use_the_xapi_formats(kind, scorm, xapi):
    assert to_xapi_response(kind, scorm) == xapi


def test_patterns_and_components_come_from_what_is_known():
    assert to_xapi_pattern("numeric", "42") == "42[:]42"
    likert = definition(Interaction(0, "feel", "likert", "4", correct_patterns=("5",)))
    assert [s["id"] for s in likert["scale"]] == ["5", "4"]
    bare = definition(Interaction(0, "q"))
    assert bare == {"type": vocab.TYPE_INTERACTION, "name": {"und": "q"}}


def score_12(score: Score):
    return xapi_score(score, scaled_of(score))


def test_scores_keep_xapi_consistent():
    assert score_12(Score("85", "0", "100")) == {"raw": 85, "min": 0, "max": 100, "scaled": 0.85}
    assert score_12(Score("120", "0", "100")) == {"raw": 120}  # outside its range: no min/max, no scaled
    assert score_12(Score("7.5", "", "")) == {"raw": 7.5, "scaled": 0.075}
    assert score_12(Score("", "0", "100")) is None
