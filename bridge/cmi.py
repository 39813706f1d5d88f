"""The SCORM 1.2 data model as the player commits it (`{"cmi": {...}}`, every value a string). Pure.

The browser runtime validates each LMSSetValue; the server checks again what it keeps
(schemas/scorm_commit.json), with the SCORM error code the SCO would have got (405 for a value
of the wrong type or size), because a commit is just an HTTP request. Values are never cut: a
value too long is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from jsonschema import ValidationError

from bridge import vocab
from bridge.errors import RuntimeDataError
from bridge.schemas import validator

# Types, sizes and vocabularies of a commit are stated once, in this schema.
COMMIT_SCHEMA = "scorm_commit.json"
TIMESPAN = re.compile(r"^(\d{1,4}):(\d{2}):(\d{2})(\.\d{1,2})?$", re.ASCII)
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$", re.ASCII)


@dataclass(frozen=True)
class Score:
    raw: str = ""
    min: str = ""
    max: str = ""

    def to_json(self) -> dict:
        return {"raw": self.raw, "min": self.min, "max": self.max}


@dataclass(frozen=True)
class Interaction:
    index: int
    id: str
    type: str = ""
    student_response: str = ""
    result: str = ""
    latency: str = ""
    weighting: str = ""
    correct_patterns: tuple[str, ...] = ()
    objective_ids: tuple[str, ...] = ()

    @property
    def response(self) -> str:
        return self.student_response

    def fingerprint(self) -> str:
        return "\x1f".join(
            (
                self.id,
                self.type,
                self.student_response,
                self.result,
                self.latency,
                self.weighting,
                "\x1e".join(self.correct_patterns),
                "\x1e".join(self.objective_ids),
            )
        )


@dataclass(frozen=True)
class Objective:
    id: str
    status: str = ""
    score: Score = field(default_factory=Score)

    def to_json(self) -> dict:
        return {"id": self.id, "status": self.status, "score": self.score.to_json()}


@dataclass(frozen=True)
class Snapshot:
    """What one commit says about the SCO."""

    location: str = ""
    suspend_data: str = ""
    lesson_status: str = ""
    exit: str = ""
    session_time: str = ""
    score: Score = field(default_factory=Score)
    comments: str = ""
    preferences: dict = field(default_factory=dict)
    interactions: tuple[Interaction, ...] = ()
    objectives: tuple[Objective, ...] = ()


def parse_timespan(value: str) -> float:
    """CMITimespan HHHH:MM:SS.SS in seconds; "" is 0."""
    if not value:
        return 0.0
    match = TIMESPAN.match(value)
    if not match:
        raise ValueError(value)
    hours, minutes, seconds, fraction = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + float(fraction or 0)


def format_timespan(seconds: float) -> str:
    """Seconds as CMITimespan HHHH:MM:SS.SS (centiseconds, as SCORM 1.2 keeps them)."""
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    whole, centi = divmod(rest, 100)
    text = f"{min(hours, 9999):04d}:{minutes:02d}:{whole:02d}"
    return f"{text}.{centi:02d}" if centi else text


def decimal_of(value: str) -> Decimal | None:
    if not value or not DECIMAL.match(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def describe(error: ValidationError) -> str:
    # jsonschema types these attributes as possibly unset; the errors `iter_errors` yields have them
    # all, and the isinstance checks only let mypy see the str, list and dict they hold.
    value, limit, schema = error.instance, error.validator_value, error.schema
    if error.validator == "maxLength" and isinstance(value, str):
        return f"holds {len(value)} characters; at most {limit} are allowed"
    if error.validator == "enum" and isinstance(limit, list):
        return f"{value!r} is not one of {', '.join(repr(v) for v in limit)}"
    if error.validator == "pattern" and isinstance(schema, Mapping):
        return f"{value!r} is not {schema.get('description', 'in the right format')}"
    if error.validator == "type":
        return f"must be of type {limit}"
    if error.validator in ("maxProperties", "maxItems"):
        return f"has more than {limit} rows"
    if error.validator == "minimum":
        return f"must be at least {limit}"
    return error.message


def check_commit(
    body: object,
    schema: str = COMMIT_SCHEMA,
    codes: tuple[int, int] = (vocab.ERROR_INCORRECT_DATA_TYPE, vocab.ERROR_GENERAL),
) -> None:
    """The commit against its schema (SCORM 1.2's by default); the first problem, by element, is raised.

    Problems inside the data model carry the first of `codes` (SCORM 1.2: 405, incorrect data
    type), those of the envelope the second (101, general exception).
    """
    errors = sorted(validator(schema).iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    error = errors[0]
    path = [str(part) for part in error.absolute_path]
    in_model = bool(path) and path[0] == "cmi"
    raise RuntimeDataError(".".join(path) or "body", describe(error), codes[0] if in_model else codes[1])


def value(container: dict, key: str) -> str:
    found = container.get(key)
    return "" if found is None else str(found)


def node(container: object, *keys: str) -> dict:
    for key in keys:
        container = container.get(key) if isinstance(container, dict) else None
    return container if isinstance(container, dict) else {}


def rows(container: dict, key: str) -> list[tuple[int, dict]]:
    """Numbered rows (`{"0": {...}}`, whose keys the schema checked, or a list), in order."""
    found = container.get(key) or {}
    numbered = enumerate(found) if isinstance(found, list) else ((int(k), row) for k, row in found.items())
    return sorted(numbered, key=lambda pair: pair[0])


def score_of(container: dict) -> Score:
    found = node(container, "score")
    return Score(value(found, "raw"), value(found, "min"), value(found, "max"))


def parse_snapshot(cmi: object) -> Snapshot:
    """The data model of a commit already checked by `check_commit`."""
    if not isinstance(cmi, dict):
        raise RuntimeDataError("cmi", "must be the CMI data model as an object", vocab.ERROR_GENERAL)
    core, preferences = node(cmi, "core"), node(cmi, "student_preference")
    interactions = tuple(
        Interaction(
            index=index,
            id=value(row, "id"),
            type=value(row, "type"),
            student_response=value(row, "student_response"),
            result=value(row, "result"),
            latency=value(row, "latency"),
            weighting=value(row, "weighting"),
            correct_patterns=tuple(value(p, "pattern") for _, p in rows(row, "correct_responses")),
            objective_ids=tuple(value(o, "id") for _, o in rows(row, "objectives")),
        )
        for index, row in rows(cmi, "interactions")
    )
    objectives = tuple(
        Objective(id=value(row, "id"), status=value(row, "status"), score=score_of(row))
        for _, row in rows(cmi, "objectives")
        if value(row, "id")
    )
    return Snapshot(
        location=value(core, "lesson_location"),
        suspend_data=value(cmi, "suspend_data"),
        lesson_status=value(core, "lesson_status"),
        exit=value(core, "exit"),
        session_time=value(core, "session_time"),
        score=score_of(core),
        comments=value(cmi, "comments"),
        preferences={key: value(preferences, key) for key in ("audio", "language", "speed", "text")},
        interactions=interactions,
        objectives=objectives,
    )
