"""The Statements page: its form as `GET /xapi/statements` parameters, pages, the live window and
exports. Every filter goes through the xAPI list's own parsing (`lrs.http.statements.list_query`)
and every read through `lrs.statements.service`, so the console applies the very same rules.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from console.sentences import Sentence, activity_name, actor_name, describe, verb_name
from lrs.http.params import required_uuid
from lrs.http.statements import list_query
from lrs.ifi import ifi_key
from lrs.statements import service
from lrs.statements.query import Position, StatementQuery
from lrs.statements.vocab import is_voiding_statement

PAGE_SIZES = (25, 50, 100)
EXPORT_PAGE = 500
LIVE_MOST = 50
# A datetime-local field's value ("2024-05-01T10:30"), read as UTC.
LOCAL_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$")
# The console reads as an `all/read` credential does: every statement, no launch-token policy.
CSV_COLUMNS = (
    "id",
    "stored",
    "timestamp",
    "actor",
    "actor_id",
    "verb",
    "verb_id",
    "object",
    "object_id",
    "object_type",
    "success",
    "completion",
    "score_scaled",
    "score_raw",
    "duration",
    "registration",
    "sentence",
)


@dataclass
class Row:
    """A statement as the page shows it."""

    statement: dict
    sentence: Sentence
    json: str
    voided_target: Row | None = None  # for a voiding statement: the statement it voided
    voided: bool = False


def form_parameters(form: Mapping[str, str]) -> dict[str, str]:
    """The form's fields as xAPI parameters; empty fields are left out, the rest checked later."""
    parameters: dict[str, str] = {}
    for name in ("agent", "verb", "activity", "registration", "since", "until"):
        value = (form.get(name) or "").strip()
        if value:
            parameters[name] = value
    agent = parameters.get("agent")
    if agent and not agent.startswith("{"):
        # An e-mail address for short; anything else is left to the agent parameter's rule.
        mbox = agent if agent.startswith("mailto:") else f"mailto:{agent}" if "@" in agent else None
        if mbox:
            parameters["agent"] = json.dumps({"mbox": mbox})
    for name in ("since", "until"):
        if name in parameters and LOCAL_TIME.match(parameters[name]):
            parameters[name] += "Z"
    for name in ("related_activities", "related_agents", "ascending"):
        if form.get(name) in ("on", "true"):
            parameters[name] = "true"
    return parameters


def page_size(form: Mapping[str, str]) -> int:
    return {str(size): size for size in PAGE_SIZES}.get(form.get("size", ""), PAGE_SIZES[0])


def build_query(parameters: Mapping[str, str], after: Position | None = None) -> StatementQuery:
    return list_query(parameters, None, after)


def make_row(statement: dict, voided: bool = False) -> Row:
    return Row(statement, describe(statement), json.dumps(statement, indent=2, ensure_ascii=False), voided=voided)


async def rows_of(database, statements: list[dict]) -> list[Row]:
    """Rows, each voiding statement with the statement it voided beside it, marked (all the
    targets of a page in one read)."""
    targets = [s["object"]["id"] for s in statements if is_voiding_statement(s)]
    found = await service.find_statements_by_id(database, targets) if targets else {}
    rows = []
    for statement in statements:
        row = make_row(statement)
        if is_voiding_statement(statement):
            target = found.get(statement["object"]["id"].lower())
            row.voided_target = make_row(*target) if target else None
        rows.append(row)
    return rows


async def find_one(database, statement_id: str) -> Row | None:
    """A statement by id, live or voided (then marked)."""
    found = await service.find_statements_by_id(database, [statement_id])
    target = found.get(statement_id.lower())
    return make_row(*target) if target else None


async def read_page(database, q: StatementQuery, size: int) -> tuple[list[Row], Position | None]:
    result = await service.query_statements(database, q, size, "exact", None, False)
    return await rows_of(database, result.statements), result.more


async def read_live(
    database, parameters: Mapping[str, str], since: datetime, until: datetime
) -> tuple[list[Row], bool]:
    """What arrived in (since, until], newest first, at most LIVE_MOST; True when more arrived."""
    window = {k: v for k, v in parameters.items() if k not in ("since", "until", "ascending")}
    q = replace(build_query(window), since=since, until=until)
    result = await service.query_statements(database, q, LIVE_MOST, "exact", None, False)
    return await rows_of(database, result.statements), result.more is not None


def check_statement_id(value: str) -> str:
    return required_uuid({"statementId": value}, "statementId")


# --- export -------------------------------------------------------------------------------------


async def all_statements(database, q: StatementQuery) -> AsyncIterator[list[dict]]:
    """Every statement the query matches, a page at a time (keyset paging, as `more` does)."""
    while True:
        result = await service.query_statements(database, q, EXPORT_PAGE, "exact", None, False)
        if result.statements:
            yield result.statements
        if result.more is None:
            return
        q = replace(q, after=result.more)


def ndjson_lines(statements: list[dict]) -> bytes:
    return "".join(json.dumps(s, ensure_ascii=False, separators=(",", ":")) + "\n" for s in statements).encode()


def spreadsheet_safe(value: object) -> object:
    """A text cell a spreadsheet would read as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_record(statement: dict) -> list[object]:
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    result = statement.get("result") or {}
    score = result.get("score") or {}
    if kind == "Activity":
        object_text = activity_name(obj)
    elif kind in ("Agent", "Group"):
        object_text = actor_name(obj)
    else:
        object_text = describe(statement).object
    record = [
        statement["id"],
        statement["stored"],
        statement.get("timestamp", ""),
        actor_name(statement["actor"]),
        ifi_key(statement["actor"]) or "",
        verb_name(statement["verb"]),
        statement["verb"]["id"],
        object_text,
        obj.get("id", ""),
        kind,
        result.get("success", ""),
        result.get("completion", ""),
        score.get("scaled", ""),
        score.get("raw", ""),
        result.get("duration", ""),
        (statement.get("context") or {}).get("registration", ""),
        describe(statement).text,
    ]
    return [spreadsheet_safe(value) for value in record]


def csv_lines(statements: list[dict], header: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        writer.writerow(CSV_COLUMNS)
    for statement in statements:
        writer.writerow(csv_record(statement))
    return buffer.getvalue().encode()
