"""A statement as each xAPI version stores and returns it."""

from __future__ import annotations

import copy

from lrs.statements.versioning import convert_for_storage, returned_form
from lrs.versions import XAPI_1_0_3, XAPI_2_0_0

AGENT = {"mbox": "mailto:ann@example.com"}
CONTEXT_2_0 = {
    "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
    "contextAgents": [{"objectType": "contextAgent", "agent": AGENT}],
    "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "member": [AGENT]}}],
}


def stored_2_0() -> dict:
    sub = {
        "objectType": "SubStatement",
        "actor": AGENT,
        "verb": {"id": "http://x.org/v"},
        "object": {"id": "http://x.org/a"},
        "context": copy.deepcopy(CONTEXT_2_0),
        "timestamp": "2024-01-01T12:00:00+02:00",
    }
    return {
        "id": "6f0c8e3a-2b1d-4c55-9f0e-3a7b1c2d4e5f",
        "actor": AGENT,
        "verb": {"id": "http://x.org/v"},
        "object": sub,
        "context": copy.deepcopy(CONTEXT_2_0),
        "timestamp": "2024-01-01T10:00:00.000Z",
        "stored": "2024-01-01T10:00:01.000Z",
        "version": "2.0.0",
    }


def test_a_1_0_3_reader_gets_no_context_agents_or_groups_and_a_1_0_x_version():
    statement = stored_2_0()
    before = copy.deepcopy(statement)
    returned = returned_form(statement, XAPI_1_0_3)
    assert returned["context"] == {"registration": CONTEXT_2_0["registration"]}
    assert returned["object"]["context"] == {"registration": CONTEXT_2_0["registration"]}
    assert returned["version"] == "1.0.3"
    assert statement == before  # the stored statement is not touched


def test_a_2_0_reader_gets_the_statement_as_stored_with_utc_timestamps():
    returned = returned_form(stored_2_0(), XAPI_2_0_0)
    assert returned["context"] == CONTEXT_2_0 and returned["version"] == "2.0.0"
    assert returned["object"]["timestamp"] == "2024-01-01T10:00:00.000Z"


def test_a_1_0_3_statement_keeps_its_version_and_offsets_for_1_0_3_readers():
    statement = {**stored_2_0(), "version": "1.0.0", "timestamp": "2024-01-01T12:00:00+02:00", "context": {}}
    assert returned_form(statement, XAPI_1_0_3)["timestamp"] == "2024-01-01T12:00:00+02:00"
    assert returned_form(statement, XAPI_1_0_3)["version"] == "1.0.0"
    assert returned_form(statement, XAPI_2_0_0)["version"] == "1.0.0"
    assert returned_form(statement, XAPI_2_0_0)["timestamp"] == "2024-01-01T10:00:00.000Z"


def test_2_0_stores_timestamps_in_utc_and_1_0_3_as_sent():
    for version, expected in ((XAPI_2_0_0, "2024-01-01T10:00:00.000Z"), (XAPI_1_0_3, "2024-01-01T12:00:00+02:00")):
        statement = stored_2_0()
        statement["timestamp"] = "2024-01-01T12:00:00+02:00"
        convert_for_storage(statement, version)
        assert statement["timestamp"] == expected
        assert statement["object"]["timestamp"] == expected
