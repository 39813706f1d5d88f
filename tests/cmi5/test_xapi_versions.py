"""cmi5 whichever xAPI version an AU speaks: the same rules, the same moveOn, readable by both."""

from __future__ import annotations

import pytest

from cmi5 import vocab
from tests.cmi5.conftest import au, course_xml

AU_ID = "https://example.com/aus/only"
COACH = {
    "objectType": "contextAgent",
    "agent": {"mbox": "mailto:coach@example.com"},
    "relevantTypes": ["https://example.com/relevant-types/coach"],
}


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
async def test_an_au_speaking_either_version_satisfies_its_course(lms, version):
    course = await lms.import_course(course_xml(au(AU_ID, moveOn="CompletedAndPassed")))
    registration = await lms.register(course["id"])
    session = await lms.start(registration, AU_ID, version=version)
    await session.send(session.initialized())
    await session.send(session.completed(), session.passed(0.9))
    await session.send(session.terminated())
    assert (await lms.status(registration))["satisfied"]
    stored = await lms.statements(registration=registration)
    assert [vocab.VERB_NAMES.get(s["verb"]["id"]) for s in stored] == [
        "launched",
        "initialized",
        "completed",
        "passed",
        "satisfied",
        "terminated",
    ]
    # Read under 2.0, each keeps the version it was stored under.
    stored = await reader_2_0(lms).statements(registration=registration)
    sent_by_au = {"initialized", "completed", "passed", "terminated"}
    expected = "2.0.0" if version == "2.0.0" else "1.0.0"
    assert {s["version"] for s in stored if vocab.VERB_NAMES.get(s["verb"]["id"]) in sent_by_au} == {expected}


def reader_2_0(lms):
    return type(lms)(lms.xapi.speaking("2.0.0"))


async def test_cmi5_rules_still_apply_to_a_2_0_au(lms):
    course = await lms.import_course(course_xml(au(AU_ID)))
    registration = await lms.register(course["id"])
    session = await lms.start(registration, AU_ID, version="2.0.0")
    # 9.3: nothing before initialized, whichever version the AU speaks.
    body = await session.send(session.completed(), expect=403)
    assert "9.3" in body["detail"]


async def test_a_2_0_au_may_name_context_agents_and_a_1_0_3_lms_reads_its_statements(lms):
    course = await lms.import_course(course_xml(au(AU_ID)))
    registration = await lms.register(course["id"])
    session = await lms.start(registration, AU_ID, version="2.0.0")
    initialized = session.initialized()
    initialized["context"]["contextAgents"] = [COACH]
    await session.send(initialized)
    [as_1_0_3] = await lms.statements(registration=registration, verb=vocab.INITIALIZED)
    assert "contextAgents" not in as_1_0_3["context"] and as_1_0_3["version"] == "1.0.3"
    assert as_1_0_3["context"]["extensions"][vocab.EXT_SESSION_ID] == session.session
    [as_2_0] = await reader_2_0(lms).statements(registration=registration, verb=vocab.INITIALIZED)
    assert as_2_0["context"]["contextAgents"] == [COACH] and as_2_0["version"] == "2.0.0"
