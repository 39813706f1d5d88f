"""Sample statements for the validation tests: small, valid, and easy to break one piece at a time."""

from __future__ import annotations

import copy

import pytest

from lrs.errors import InvalidStatement
from lrs.statements.validate import validate_statement

AGENT = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
OTHER_AGENT = {"mbox": "mailto:grace@example.com"}
ACCOUNT_AGENT = {"account": {"homePage": "https://lms.example.com", "name": "u-1625378"}}
IDENTIFIED_GROUP = {"objectType": "Group", "name": "Team A", "openid": "https://id.example.com/team-a"}
ANONYMOUS_GROUP = {"objectType": "Group", "member": [copy.deepcopy(AGENT), copy.deepcopy(OTHER_AGENT)]}
VERB = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed", "de": "abgeschlossen"}}
ACTIVITY = {"objectType": "Activity", "id": "http://example.com/activities/course-1"}
STATEMENT_REF = {"objectType": "StatementRef", "id": "0c9b0b6e-8d39-4bd5-9a3f-2d8d3a9d5e11"}
ATTACHMENT = {
    "usageType": "http://example.com/attachment-usage/certificate",
    "display": {"en-US": "Certificate"},
    "description": {"en-US": "Certificate of completion"},
    "contentType": "application/pdf",
    "length": 4235,
    "sha2": "672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634",
    "fileUrl": "https://files.example.com/certificate.pdf",
}


def statement(**properties) -> dict:
    """A minimal valid statement (actor, verb, object) with `properties` set on top."""
    base = {"actor": AGENT, "verb": VERB, "object": ACTIVITY}
    base.update(properties)
    return copy.deepcopy(base)


def sub_statement(**properties) -> dict:
    """A valid SubStatement with `properties` set on top."""
    base = {"objectType": "SubStatement", "actor": OTHER_AGENT, "verb": VERB, "object": ACTIVITY}
    base.update(properties)
    return copy.deepcopy(base)


def full_statement() -> dict:
    """A valid statement that uses every top-level property."""
    return statement(
        id="6f0c8e3a-2b1d-4c55-9f0e-3a7b1c2d4e5f",
        object={
            "id": "http://example.com/activities/quiz-1/q3",
            "definition": {
                "name": {"en-US": "Question 3"},
                "description": {"en-US": "Pick the primes"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "moreInfo": "https://example.com/quiz-1/q3",
                "interactionType": "choice",
                "correctResponsesPattern": ["two[,]three"],
                "choices": [{"id": "two", "description": {"en-US": "2"}}, {"id": "three"}, {"id": "four"}],
                "extensions": {"http://example.com/ext/difficulty": 3},
            },
        },
        result={
            "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
            "success": False,
            "completion": True,
            "response": "two",
            "duration": "PT1M30.5S",
            "extensions": {"http://example.com/ext/attempts": 2},
        },
        context={
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "instructor": copy.deepcopy(OTHER_AGENT),
            "team": copy.deepcopy(ANONYMOUS_GROUP),
            "contextActivities": {
                "parent": [{"id": "http://example.com/activities/quiz-1"}],
                "grouping": {"id": "http://example.com/activities/course-1"},
                "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}],
                "other": [],
            },
            "revision": "r2",
            "platform": "Example LMS",
            "language": "en-US",
            "statement": copy.deepcopy(STATEMENT_REF),
            "extensions": {"http://example.com/ext/session": {"seat": 4}},
        },
        timestamp="2024-03-01T10:15:00.123+01:00",
        stored="2024-03-01T09:15:01.000Z",
        authority=copy.deepcopy(ACCOUNT_AGENT),
        version="1.0.0",
        attachments=[copy.deepcopy(ATTACHMENT)],
    )


def rejection(raw: object) -> InvalidStatement:
    with pytest.raises(InvalidStatement) as info:
        validate_statement(raw)
    return info.value


def assert_rejected(raw: object, path: str, rule: str) -> None:
    """The statement is rejected at `path` with a rule sentence containing `rule`."""
    error = rejection(raw)
    assert error.path == path, f"rejected at {error.path!r} ({error.rule}), expected {path!r}"
    assert rule in error.rule, f"rule at {path!r} was {error.rule!r}, expected it to mention {rule!r}"


def assert_accepted(raw: dict) -> None:
    assert validate_statement(raw) is raw
