"""validate_statements (POST bodies), validate_agent and parse_agent_param (query parameters)."""

from __future__ import annotations

import json

import pytest

from lrs.errors import InvalidParameter, InvalidStatement
from lrs.statements.validate import parse_agent_param, validate_agent, validate_statements
from tests.lrs.statements.samples import ACCOUNT_AGENT, AGENT, ANONYMOUS_GROUP, IDENTIFIED_GROUP, statement

# ------------------------------------------------------------------ batches


def batch_rejection(raw: object) -> InvalidStatement:
    with pytest.raises(InvalidStatement) as info:
        validate_statements(raw)
    return info.value


def test_single_statement_body_becomes_a_list_of_one():
    raw = statement()
    assert validate_statements(raw) == [raw]
    assert validate_statements(raw)[0] is raw


def test_array_body_is_returned_as_is():
    raw = [statement(), statement(id="fd41c918-b88b-4b20-a0a5-a4c32391aaa0")]
    assert validate_statements(raw) is raw


def test_empty_array_is_accepted_as_nothing_to_store():
    assert validate_statements([]) == []


@pytest.mark.parametrize("raw", [None, "statements", 3, True])
def test_body_that_is_neither_object_nor_array_is_rejected(raw):
    error = batch_rejection(raw)
    assert error.path == ""
    assert "statement object or an array of statements" in error.rule


def test_error_inside_an_array_names_the_index():
    raw = [statement(), statement(actor={"mbox": "http://should.fail.com"})]
    error = batch_rejection(raw)
    assert (error.path, "mailto" in error.rule) == ("[1].actor.mbox", True)


def test_non_object_inside_an_array_names_the_index():
    error = batch_rejection([statement(), "not a statement"])
    assert error.path == "[1]"
    assert error.rule == "a statement must be a JSON object"


def test_error_in_the_first_invalid_statement_is_reported():
    raw = [statement(), statement(verb={"id": "should fail"}), statement(id="bad")]
    assert batch_rejection(raw).path == "[1].verb.id"


def test_same_id_twice_in_a_batch_is_rejected():
    same = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"
    raw = [statement(id=same), statement(), statement(id=same)]
    error = batch_rejection(raw)
    assert error.path == "[2].id"
    assert "[0]" in error.rule


def test_same_id_in_different_case_is_the_same_statement():
    raw = [statement(id="aa97b177-9383-4934-8543-0f91a7a02836"), statement(id="AA97B177-9383-4934-8543-0F91A7A02836")]
    assert batch_rejection(raw).path == "[1].id"


def test_statements_without_ids_do_not_collide():
    raw = [statement(), statement(), statement()]
    assert validate_statements(raw) is raw


# ------------------------------------------------------------------ validate_agent


@pytest.mark.parametrize(
    "agent",
    [
        AGENT,
        ACCOUNT_AGENT,
        {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
        IDENTIFIED_GROUP,
        {**IDENTIFIED_GROUP, "member": [AGENT]},
    ],
)
def test_agent_or_identified_group_is_returned_unchanged(agent):
    assert validate_agent(agent) is agent


def test_anonymous_group_is_not_an_agent_parameter():
    with pytest.raises(InvalidStatement) as info:
        validate_agent(ANONYMOUS_GROUP)
    assert info.value.path == "agent"
    assert "identified Group" in info.value.rule


def test_group_is_rejected_where_only_agents_are_allowed():
    with pytest.raises(InvalidStatement) as info:
        validate_agent(IDENTIFIED_GROUP, allow_group=False)
    assert info.value.path == "agent.objectType"
    assert "a Group is not allowed here" in info.value.rule
    assert validate_agent(AGENT, allow_group=False) is AGENT


@pytest.mark.parametrize(
    "raw, path, rule",
    [
        ({"mbox": "xapi@adlnet.gov"}, "agent.mbox", "mailto"),
        (
            {"name": "Rick James", "objectType": "Agent"},
            "agent",
            "exactly one inverse functional identifier is required",
        ),
        (
            {**AGENT, "openid": "http://openid.example.org/1"},
            "agent",
            "exactly one inverse functional identifier is allowed",
        ),
        ({"objectType": "Person", "mbox": "mailto:a@example.com"}, "agent.objectType", "must be one of"),
        ({"account": {"homePage": "www.example.com", "name": "x"}}, "agent.account.homePage", "absolute IRI"),
        ({**AGENT, "role": "x"}, "agent.role", "unknown property"),
        (True, "agent", "must be an object"),
        ("mailto:a@example.com", "agent", "must be an object"),
        (None, "agent", "must not be null"),
        (
            {**IDENTIFIED_GROUP, "member": [{"name": "x"}]},
            "agent.member[0]",
            "exactly one inverse functional identifier is required",
        ),
    ],
)
def test_invalid_agent_is_rejected_with_its_path(raw, path, rule):
    with pytest.raises(InvalidStatement) as info:
        validate_agent(raw)
    assert info.value.path == path
    assert rule in info.value.rule


def test_agent_path_prefix_is_the_callers():
    with pytest.raises(InvalidStatement) as info:
        validate_agent({"mbox": "nope"}, "instructor")
    assert info.value.path == "instructor.mbox"


# ------------------------------------------------------------------ parse_agent_param


def test_agent_parameter_is_decoded_and_validated():
    agent = {"objectType": "Agent", "account": {"homePage": "http://www.example.com/agentId/1", "name": "Rick James"}}
    assert parse_agent_param(json.dumps(agent)) == agent


@pytest.mark.parametrize(
    "text",
    [
        "not JSON",
        "",
        "{'mbox': 'mailto:a@example.com'}",
        '{"mbox": "mailto:a@example.com"',
        "%7B%22mbox%22%3A%22mailto%3Aa%40example.com%22%7D",
    ],
)
def test_agent_parameter_that_is_not_json_is_rejected(text):
    with pytest.raises(InvalidParameter) as info:
        parse_agent_param(text)
    assert info.value.name == "agent"
    assert "must be a JSON-encoded Agent object" in info.value.detail


@pytest.mark.parametrize(
    "text, rule",
    [
        ("true", "must be an object"),
        ('"mailto:a@example.com"', "must be an object"),
        ('{"name": "Rick James"}', "exactly one inverse functional identifier is required"),
        (
            '{"mbox": "mailto:a@example.com", "mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"}',
            "exactly one inverse functional identifier is allowed",
        ),
        ('{"mbox": "a@example.com"}', "mbox: must be a mailto IRI"),
        ('{"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}', "identified Group"),
    ],
)
def test_agent_parameter_that_is_not_a_valid_agent_is_rejected(text, rule):
    with pytest.raises(InvalidParameter) as info:
        parse_agent_param(text)
    assert info.value.name == "agent"
    assert rule in info.value.detail


def test_agent_parameter_error_names_the_parameter():
    with pytest.raises(InvalidParameter) as info:
        parse_agent_param('{"mbox": "nope"}', "instructor")
    assert info.value.name == "instructor"
    assert info.value.detail.startswith("instructor: mbox:")


def test_group_agent_parameter_can_be_refused():
    text = json.dumps(IDENTIFIED_GROUP)
    assert parse_agent_param(text) == IDENTIFIED_GROUP
    with pytest.raises(InvalidParameter) as info:
        parse_agent_param(text, allow_group=False)
    assert "objectType" in info.value.detail


def test_agent_path_prefix_may_itself_be_a_dotted_path():
    with pytest.raises(InvalidStatement) as info:
        validate_agent(
            {"objectType": "Group", "member": [{"name": "x"}], "mbox": "mailto:t@example.com"}, "context.team"
        )
    assert info.value.path == "context.team.member[0]"
