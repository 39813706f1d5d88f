"""The SCORM 1.2 data model as the player commits it (`{"cmi": {...}}`, every value a string). Pure.

The browser runtime validates each LMSSetValue; the server checks again what it keeps, with the
SCORM error code the SCO would have got (405 for a value of the wrong type or size), because a
commit is just an HTTP request. Values are never cut: a value too long is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from bridge import vocab
from bridge.errors import RuntimeDataError

TIMESPAN = re.compile(r"^(\d{1,4}):(\d{2}):(\d{2})(\.\d{1,2})?$")
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
MAX_255 = 255
MAX_4096 = vocab.SUSPEND_DATA_LIMIT
MAX_ROWS = 1000


@dataclass(frozen=True)
class Score:
    raw: str = ""
    min: str = ""
    max: str = ""

    def to_json(self) -> dict:
        return {"raw": self.raw, "min": self.min, "max": self.max}

    @classmethod
    def from_json(cls, value: object) -> "Score":
        value = value if isinstance(value, dict) else {}
        return cls(*(str(value.get(k, "")) for k in ("raw", "min", "max")))


@dataclass(frozen=True)
class Interaction:
    index: int
    id: str
    type: str = ""
    student_response: str = ""
    result: str = ""
    latency: str = ""
    weighting: str = ""
    time: str = ""
    correct_patterns: tuple[str, ...] = ()
    objective_ids: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        return "\x1f".join((self.id, self.type, self.student_response, self.result, self.latency, self.weighting,
                            "\x1e".join(self.correct_patterns), "\x1e".join(self.objective_ids)))


@dataclass(frozen=True)
class Objective:
    index: int
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


class Reader:
    def __init__(self, cmi: dict) -> None:
        self.cmi = cmi

    def node(self, path: str) -> dict:
        current: object = self.cmi
        for part in path.split(".")[1:]:
            current = current.get(part) if isinstance(current, dict) else None
        return current if isinstance(current, dict) else {}

    @staticmethod
    def string(container: dict, key: str, element: str, limit: int = MAX_255) -> str:
        value = container.get(key, "")
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise RuntimeDataError(element, "must be a string")
        value = str(value)
        if len(value) > limit:
            raise RuntimeDataError(element, f"holds {len(value)} characters; at most {limit} are allowed")
        return value

    def choice(self, container: dict, key: str, element: str, options: tuple[str, ...]) -> str:
        value = self.string(container, key, element)
        if value and value not in options:
            raise RuntimeDataError(element, f"{value!r} is not one of {', '.join(o or '(empty)' for o in options)}")
        return value

    def decimal(self, container: dict, key: str, element: str) -> str:
        value = self.string(container, key, element)
        if value and decimal_of(value) is None:
            raise RuntimeDataError(element, f"{value!r} is not a decimal number")
        return value

    def timespan(self, container: dict, key: str, element: str) -> str:
        value = self.string(container, key, element)
        try:
            parse_timespan(value)
        except ValueError:
            raise RuntimeDataError(element, f"{value!r} is not a timespan HHHH:MM:SS.SS") from None
        return value

    def score(self, container: dict, element: str) -> Score:
        score = container.get("score") if isinstance(container.get("score"), dict) else {}
        return Score(*(self.decimal(score, k, f"{element}.score.{k}") for k in ("raw", "min", "max")))

    @staticmethod
    def rows(container: dict, key: str, element: str) -> list[tuple[int, dict]]:
        value = container.get(key) or {}
        if isinstance(value, list):
            value = dict(enumerate(value))
        if not isinstance(value, dict):
            raise RuntimeDataError(element, "must be an object of numbered rows")
        rows = []
        for index, row in value.items():
            if not str(index).isdigit() or not isinstance(row, dict):
                continue  # "_count", "_children" and the like
            rows.append((int(index), row))
        if len(rows) > MAX_ROWS:
            raise RuntimeDataError(element, f"has {len(rows)} rows; at most {MAX_ROWS} are kept")
        return sorted(rows, key=lambda pair: pair[0])


def parse_snapshot(cmi: object) -> Snapshot:
    if not isinstance(cmi, dict):
        raise RuntimeDataError("cmi", "must be the CMI data model as an object", vocab.ERROR_GENERAL)
    reader = Reader(cmi)
    core = reader.node("cmi.core")
    preferences = reader.node("cmi.student_preference")
    interactions = []
    for index, row in reader.rows(cmi, "interactions", "cmi.interactions"):
        element = f"cmi.interactions.{index}"
        interactions.append(Interaction(
            index=index,
            id=reader.string(row, "id", f"{element}.id"),
            type=reader.choice(row, "type", f"{element}.type", ("", *vocab.INTERACTION_TYPES)),
            student_response=reader.string(row, "student_response", f"{element}.student_response"),
            result=reader.string(row, "result", f"{element}.result"),
            latency=reader.timespan(row, "latency", f"{element}.latency"),
            weighting=reader.decimal(row, "weighting", f"{element}.weighting"),
            time=reader.string(row, "time", f"{element}.time"),
            correct_patterns=tuple(
                reader.string(pattern, "pattern", f"{element}.correct_responses.{n}.pattern")
                for n, pattern in reader.rows(row, "correct_responses", f"{element}.correct_responses")
            ),
            objective_ids=tuple(
                reader.string(objective, "id", f"{element}.objectives.{n}.id")
                for n, objective in reader.rows(row, "objectives", f"{element}.objectives")
            ),
        ))
    objectives = []
    for index, row in reader.rows(cmi, "objectives", "cmi.objectives"):
        element = f"cmi.objectives.{index}"
        objectives.append(Objective(
            index=index,
            id=reader.string(row, "id", f"{element}.id"),
            status=reader.choice(row, "status", f"{element}.status", ("", *vocab.LESSON_STATUSES)),
            score=reader.score(row, element),
        ))
    return Snapshot(
        location=reader.string(core, "lesson_location", "cmi.core.lesson_location"),
        suspend_data=reader.string(cmi, "suspend_data", "cmi.suspend_data", MAX_4096),
        lesson_status=reader.choice(core, "lesson_status", "cmi.core.lesson_status", ("", *vocab.LESSON_STATUSES)),
        exit=reader.choice(core, "exit", "cmi.core.exit", vocab.EXIT_VALUES),
        session_time=reader.timespan(core, "session_time", "cmi.core.session_time"),
        score=reader.score(core, "cmi.core"),
        comments=reader.string(cmi, "comments", "cmi.comments", MAX_4096),
        preferences={key: reader.string(preferences, key, f"cmi.student_preference.{key}")
                     for key in ("audio", "language", "speed", "text")},
        interactions=tuple(interactions),
        objectives=tuple(o for o in objectives if o.id),
    )
