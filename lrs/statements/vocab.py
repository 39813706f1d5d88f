"""xAPI vocabulary IRIs that change what the LRS does with a statement."""

from __future__ import annotations

from typing import Any

# A statement with this verb voids the statement its StatementRef targets (Data 2.3.2).
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"


def is_voiding_statement(statement: dict[str, Any]) -> bool:
    """Whether `statement` voids another: the voided verb with a StatementRef object. Safe on
    statements not validated yet (another LRS's, before an import checks them)."""
    verb, target = statement.get("verb"), statement.get("object")
    return (
        isinstance(verb, dict)
        and verb.get("id") == VOIDED_VERB
        and isinstance(target, dict)
        and target.get("objectType") == "StatementRef"
    )
