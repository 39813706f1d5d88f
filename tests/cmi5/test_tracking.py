"""Satisfaction over HTTP: a multi-AU course with nested blocks and every moveOn value, waivers,
registration-time moveOn, and a course of more than 1000 AUs."""

from __future__ import annotations

import pytest

from cmi5 import vocab
from tests.cmi5.conftest import au, au_ids, block, course_xml

P, C, CAP, COP, NA = (f"https://example.com/aus/{n}" for n in ("p", "c", "cap", "cop", "na"))
B1, B2, B3 = (f"https://example.com/blocks/{n}" for n in (1, 2, 3))


def nested_course() -> bytes:
    return course_xml(
        au(P, moveOn="Passed"),
        block(
            B1,
            au(C, moveOn="Completed"),
            block(B2, au(CAP, moveOn="CompletedAndPassed"), au(COP, moveOn="CompletedOrPassed")),
        ),
        block(B3, au(NA, moveOn="NotApplicable")),
    )


async def satisfied_statements(lms, registration: str) -> list[dict]:
    return await lms.statements(registration=registration, verb=vocab.SATISFIED)


async def run(lms, registration: str, au_id: str, *verbs: str):
    session = await lms.start(registration, au_id)
    await session.send(session.initialized())
    for verb in verbs:
        await session.send(getattr(session, verb)())
    await session.send(session.terminated())
    return session


async def test_nested_course_is_satisfied_block_by_block(lms):
    course = await lms.import_course(nested_course())
    ids = {b["id"]: b["activityId"] for b in course["blocks"]}
    registration = await lms.register(course["id"])

    # At registration, the NotApplicable AU satisfies its block (9.6.1).
    [b3] = await satisfied_statements(lms, registration)
    assert b3["object"]["id"] == ids[B3]
    assert b3["object"]["definition"]["type"] == vocab.TYPE_BLOCK
    assert b3["context"]["contextActivities"]["grouping"][0]["id"] == B3
    assert b3["actor"]["account"]["name"] == "learner-1"

    await run(lms, registration, P, "passed")
    await run(lms, registration, C, "completed")
    await run(lms, registration, COP, "passed")
    await run(lms, registration, CAP, "completed")
    assert len(await satisfied_statements(lms, registration)) == 1
    status = await lms.status(registration)
    assert {a["id"]: a["satisfied"] for a in status["aus"]} == {P: True, C: True, CAP: False, COP: True, NA: True}
    assert not status["satisfied"]

    second = await lms.start(registration, CAP)
    await second.send(second.initialized())
    await second.send(second.passed())
    satisfied = await satisfied_statements(lms, registration)
    assert [s["object"]["id"] for s in satisfied] == [ids[B3], ids[B2], ids[B1], course["activityId"]]
    assert {s["context"]["extensions"][vocab.EXT_SESSION_ID] for s in satisfied[1:]} == {second.session}
    # They follow the passed statement that triggered them, in stored order.
    verbs = await lms.verbs(registration)
    assert verbs[-4:] == ["passed", "satisfied", "satisfied", "satisfied"]
    status = await lms.status(registration)
    assert status["satisfied"] and all(b["satisfied"] for b in status["blocks"])
    blocks = {b["id"]: (b["completed"], b["passed"], b["waived"]) for b in status["blocks"]}
    assert blocks == {B1: (False, False, False), B2: (False, True, False), B3: (False, False, False)}
    await second.send(second.terminated())
    assert len(await satisfied_statements(lms, registration)) == 4


async def test_failed_does_not_satisfy_passed(lms):
    course = await lms.import_course(nested_course())
    registration = await lms.register(course["id"])
    await run(lms, registration, P, "failed")
    status = await lms.status(registration)
    p = status["aus"][0]
    assert (p["failed"], p["passed"], p["satisfied"]) == (True, False, False)


async def test_waived_au_counts_as_satisfied_once(lms):
    course = await lms.import_course(nested_course())
    registration = await lms.register(course["id"])
    waived = await lms.waive(registration, C, reason="Tested Out")
    await lms.waive(registration, C, expect=409)
    statements = await lms.statements(registration=registration, verb=vocab.WAIVED)
    [statement] = statements
    assert statement["result"] == {"success": True, "completion": True, "extensions": {vocab.EXT_REASON: "Tested Out"}}
    assert statement["context"]["extensions"][vocab.EXT_SESSION_ID] == waived["session"]
    categories = [a["id"] for a in statement["context"]["contextActivities"]["category"]]
    assert categories == [vocab.CATEGORY_CMI5, vocab.CATEGORY_MOVEON]
    for au_id in (P, CAP, COP):
        await lms.waive(registration, au_id)
    satisfied = await satisfied_statements(lms, registration)
    assert len(satisfied) == 4
    # Satisfied statements triggered by a waiver use the waiver's session id (9.3.7).
    assert (
        satisfied[-1]["context"]["extensions"][vocab.EXT_SESSION_ID]
        == (
            (await lms.statements(registration=registration, verb=vocab.WAIVED))[-1]["context"]["extensions"][
                vocab.EXT_SESSION_ID
            ]
        )
    )
    status = await lms.status(registration)
    assert status["satisfied"] and status["aus"][1]["waived"] and status["aus"][1]["waiveReason"] == "Tested Out"


async def test_all_not_applicable_course_is_satisfied_at_registration(lms):
    course = await lms.import_course(course_xml(au(P), block(B1, au(C))))
    registration = await lms.register(course["id"])
    satisfied = await satisfied_statements(lms, registration)
    assert [s["object"]["id"] for s in satisfied] == [course["blocks"][0]["activityId"], course["activityId"]]
    assert len({s["context"]["extensions"][vocab.EXT_SESSION_ID] for s in satisfied}) == 1


async def test_course_of_1500_aus_is_imported_launched_and_satisfied(lms):
    ids = au_ids(1500)
    course = await lms.import_course(
        course_xml(
            *(au(i) for i in ids[:1000]),
            block(B1, *(au(i) for i in ids[1000:-1])),
            au(ids[-1], moveOn="Completed"),
        )
    )
    assert len(course["aus"]) == 1500
    registration = await lms.register(course["id"])
    assert [s["object"]["id"] for s in await satisfied_statements(lms, registration)] == [
        course["blocks"][0]["activityId"]
    ]
    await run(lms, registration, ids[-1], "completed")
    status = await lms.status(registration)
    assert status["satisfied"] and len(status["aus"]) == 1500


async def test_completed_refused_for_a_taken_statement_id_does_not_use_up_the_completion(lms):
    course = await lms.import_course(nested_course())
    registration = await lms.register(course["id"])
    session = await lms.start(registration, C)
    [initialized_id] = await session.send(session.initialized())
    # The AU reuses the id of a statement already stored with other content: 409, nothing judged.
    await session.send({**session.completed(), "id": initialized_id}, expect=409)
    await session.send(session.completed())
    assert {a["id"]: a["completed"] for a in (await lms.status(registration))["aus"]}[C]


@pytest.mark.filterwarnings("ignore:Sending a large body:ResourceWarning")
async def test_completed_that_fails_to_store_gives_back_the_completion_and_the_session(lms):
    course = await lms.import_course(nested_course())
    registration = await lms.register(course["id"])
    session = await lms.start(registration, C)
    await session.send(session.initialized())
    huge = session.completed()
    huge["context"].setdefault("extensions", {})["https://example.com/blob"] = "x" * (17 * 1024 * 1024)
    await session.send(huge, expect=413)  # judged and claimed, then too large to store
    await session.send(session.completed())
    await session.send(session.terminated())
    assert {a["id"]: a["completed"] for a in (await lms.status(registration))["aus"]}[C]
