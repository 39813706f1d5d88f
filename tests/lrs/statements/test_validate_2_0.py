"""Validation under xAPI 2.0 (IEEE 9274.1.1 4.2.2.5): context agents and groups, versions, and
what a 1.0.3 request may not send."""

from __future__ import annotations

import copy

import pytest

from lrs.errors import InvalidStatement
from lrs.statements.validate import validate_statement
from lrs.versions import XAPI_1_0_3, XAPI_2_0_0
from tests.lrs.statements.samples import AGENT, ANONYMOUS_GROUP, IDENTIFIED_GROUP, OTHER_AGENT, statement, sub_statement

TYPE = "https://example.com/relevant-types/mentor"


def context_agent(agent=OTHER_AGENT, **extra) -> dict:
    return {"objectType": "contextAgent", "agent": copy.deepcopy(agent), **extra}


def context_group(group=IDENTIFIED_GROUP, **extra) -> dict:
    return {"objectType": "contextGroup", "group": copy.deepcopy(group), **extra}


def with_context(**context) -> dict:
    return statement(context=context)


def rejected_2_0(raw: dict) -> InvalidStatement:
    with pytest.raises(InvalidStatement) as info:
        validate_statement(raw, XAPI_2_0_0)
    return info.value


@pytest.mark.parametrize(
    "raw",
    [
        with_context(contextAgents=[context_agent(), context_agent(AGENT, relevantTypes=[TYPE])]),
        with_context(contextGroups=[context_group(), context_group(ANONYMOUS_GROUP, relevantTypes=[TYPE, TYPE + "2"])]),
        with_context(contextAgents=[], contextGroups=[]),
        statement(
            object=sub_statement(context={"contextAgents": [context_agent()], "contextGroups": [context_group()]})
        ),
    ],
)
def test_context_agents_and_groups_are_accepted_under_2_0(raw):
    assert validate_statement(raw, XAPI_2_0_0) is raw


@pytest.mark.parametrize(
    "raw, path, rule",
    [
        (
            with_context(contextAgents=[context_agent(objectType="Agent")]),
            "context.contextAgents[0].objectType",
            '"contextAgent"',
        ),
        (with_context(contextAgents=[{"agent": OTHER_AGENT}]), "context.contextAgents[0].objectType", "is required"),
        (with_context(contextAgents=[{"objectType": "contextAgent"}]), "context.contextAgents[0].agent", "is required"),
        (
            with_context(contextAgents=[context_agent({"key": "x"})]),
            "context.contextAgents[0].agent.key",
            "unknown property",
        ),
        (
            with_context(contextAgents=[context_agent({"name": "no identifier"})]),
            "context.contextAgents[0].agent",
            "inverse functional identifier",
        ),
        (
            with_context(contextAgents=[context_agent(IDENTIFIED_GROUP)]),
            "context.contextAgents[0].agent.objectType",
            '"Agent"',
        ),
        (
            with_context(contextAgents=[context_agent(relevantTypes=[])]),
            "context.contextAgents[0].relevantTypes",
            "non-empty array",
        ),
        (
            with_context(contextAgents=[context_agent(relevantTypes=["abc"])]),
            "context.contextAgents[0].relevantTypes[0]",
            "IRI",
        ),
        (
            with_context(contextAgents=[context_agent(role="mentor")]),
            "context.contextAgents[0].role",
            "unknown property",
        ),
        (with_context(contextAgents=context_agent()), "context.contextAgents", "an array"),
        (
            with_context(contextGroups=[context_group(objectType="Group")]),
            "context.contextGroups[0].objectType",
            '"contextGroup"',
        ),
        (
            with_context(contextGroups=[context_group({"key": "x"})]),
            "context.contextGroups[0].group.objectType",
            "is required",
        ),
        (with_context(contextGroups=[context_group(AGENT)]), "context.contextGroups[0].group.objectType", '"Group"'),
        (
            with_context(contextGroups=[context_group({"objectType": "Group"})]),
            "context.contextGroups[0].group.member",
            "anonymous Group",
        ),
        (
            with_context(contextGroups=[context_group(relevantTypes=[])]),
            "context.contextGroups[0].relevantTypes",
            "non-empty array",
        ),
        (
            statement(object=sub_statement(context={"contextAgents": [context_agent(relevantTypes=["abc"])]})),
            "object.context.contextAgents[0].relevantTypes[0]",
            "IRI",
        ),
    ],
)
def test_malformed_context_agents_and_groups_are_rejected_under_2_0(raw, path, rule):
    error = rejected_2_0(raw)
    assert error.path == path, error
    assert rule in error.rule, error


@pytest.mark.parametrize("key", ["contextAgents", "contextGroups"])
def test_context_agents_and_groups_are_not_part_of_1_0_3(key):
    for raw, path in (
        (with_context(**{key: []}), f"context.{key}"),
        (statement(object=sub_statement(context={key: []})), f"object.context.{key}"),
    ):
        with pytest.raises(InvalidStatement) as info:
            validate_statement(raw, XAPI_1_0_3)
        assert info.value.path == path
        assert "not part of xAPI 1.0.3" in info.value.rule and "2.0.0" in info.value.rule


@pytest.mark.parametrize("version", ["1.0", "1.0.9", "2.0", "2.0.0"])
def test_2_0_accepts_1_0_x_and_2_0_x_statement_versions(version):
    raw = statement(version=version)
    assert validate_statement(raw, XAPI_2_0_0) is raw


@pytest.mark.parametrize("version", ["1.1.0", "0.9.9", "2.1.0", "should fail", 2.0])
def test_2_0_rejects_other_statement_versions(version):
    error = rejected_2_0(statement(version=version))
    assert (error.path, error.rule) == ("version", "must be 1.0, 1.0.x, 2.0 or 2.0.x")


def test_1_0_3_rejects_a_2_0_statement_version():
    with pytest.raises(InvalidStatement) as info:
        validate_statement(statement(version="2.0.0"), XAPI_1_0_3)
    assert (info.value.path, info.value.rule) == ("version", "must be 1.0 or 1.0.x")
