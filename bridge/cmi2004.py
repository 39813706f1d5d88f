"""The SCORM 2004 data model as the player commits it (`{"cmi": {...}}`, every value a string). Pure.

One model for the 2nd, 3rd and 4th Editions, as scorm-again has it. The browser runtime
validates each SetValue; the server checks again what it keeps (schemas/scorm2004_commit.json)
and answers a refused commit with SCORM 2004's general commit failure (391).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from bridge import vocab
from bridge.cmi import check_commit, decimal_of, node, rows, value
from bridge.errors import RuntimeDataError

COMMIT_SCHEMA = "scorm2004_commit.json"
INTERVAL = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.ASCII
)
# timeinterval (second,10,2) has no calendar: a year and a month count as the profile's ISO 8601
# durations do in xAPI tools (365 and 30 days).
SECONDS = (365 * 86400, 30 * 86400, 86400, 3600, 60, 1)
PREFERENCES = ("audio_level", "language", "delivery_speed", "audio_captioning")
# timeinterval (second,10,2): at most 10 digits of seconds (RTE 4.1.1.7). The schema's pattern
# cannot say so of an ISO 8601 duration, and a longer one would not fit a timedelta.
MAX_INTERVAL_SECONDS = 9_999_999_999.99


@dataclass(frozen=True)
class Score:
    scaled: str = ""
    raw: str = ""
    min: str = ""
    max: str = ""

    def to_json(self) -> dict:
        return {"scaled": self.scaled, "raw": self.raw, "min": self.min, "max": self.max}


@dataclass(frozen=True)
class Interaction:
    index: int
    id: str
    type: str = ""
    learner_response: str = ""
    result: str = ""
    latency: str = ""
    weighting: str = ""
    description: str = ""
    correct_patterns: tuple[str, ...] = ()
    objective_ids: tuple[str, ...] = ()

    @property
    def response(self) -> str:
        return self.learner_response

    def fingerprint(self) -> str:
        return "\x1f".join(
            (
                self.id,
                self.type,
                self.learner_response,
                self.result,
                self.latency,
                self.weighting,
                self.description,
                "\x1e".join(self.correct_patterns),
                "\x1e".join(self.objective_ids),
            )
        )


@dataclass(frozen=True)
class Objective:
    id: str
    success_status: str = ""
    completion_status: str = ""
    progress_measure: str = ""
    description: str = ""
    score: Score = field(default_factory=Score)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "success_status": self.success_status,
            "completion_status": self.completion_status,
            "progress_measure": self.progress_measure,
            "description": self.description,
            "score": self.score.to_json(),
        }


@dataclass(frozen=True)
class Comment:
    comment: str
    location: str = ""
    timestamp: str = ""


@dataclass(frozen=True)
class Snapshot:
    """What one commit says about the SCO."""

    location: str = ""
    suspend_data: str = ""
    completion_status: str = ""
    success_status: str = ""
    exit: str = ""
    session_time: str = ""
    progress_measure: str = ""
    score: Score = field(default_factory=Score)
    comments: tuple[Comment, ...] = ()
    preferences: dict = field(default_factory=dict)
    interactions: tuple[Interaction, ...] = ()
    objectives: tuple[Objective, ...] = ()


def parse_interval(text: str) -> float:
    """A SCORM 2004 timeinterval (ISO 8601 duration) in seconds; "" is 0."""
    if not text:
        return 0.0
    match = INTERVAL.match(text)
    if not match or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(text)
    return sum(float(part) * unit for part, unit in zip(match.groups(), SECONDS, strict=True) if part)


def format_interval(seconds: float) -> str:
    """Seconds as a SCORM 2004 timeinterval, to the hundredth (what cmi.total_time keeps)."""
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    whole, centi = divmod(rest, 100)
    return f"PT{hours}H{minutes}M{whole}" + (f".{centi:02d}S" if centi else "S")


def scaled_of(score: Score) -> float | None:
    found = decimal_of(score.scaled)
    return float(found) if found is not None and -1 <= found <= 1 else None


def score_of(container: dict) -> Score:
    found = node(container, "score")
    return Score(value(found, "scaled"), value(found, "raw"), value(found, "min"), value(found, "max"))


def measure_of(text: str) -> Decimal | None:
    found = decimal_of(text)
    return found if found is not None and 0 <= found <= 1 else None


def check(body: object) -> None:
    check_commit(body, COMMIT_SCHEMA, (vocab.ERROR_2004_COMMIT_FAILURE, vocab.ERROR_GENERAL))
    cmi = node(body, "cmi")
    intervals = [("cmi.session_time", value(cmi, "session_time"))] + [
        (f"cmi.interactions.{index}.latency", value(row, "latency")) for index, row in rows(cmi, "interactions")
    ]
    for path, text in intervals:
        if parse_interval(text) > MAX_INTERVAL_SECONDS:
            raise RuntimeDataError(
                path, f"{text!r} is longer than {MAX_INTERVAL_SECONDS} seconds", vocab.ERROR_2004_COMMIT_FAILURE
            )


def parse_snapshot(cmi: object) -> Snapshot:
    """The data model of a commit already checked by `check`."""
    if not isinstance(cmi, dict):
        raise RuntimeDataError("cmi", "must be the CMI data model as an object", vocab.ERROR_GENERAL)
    preferences = node(cmi, "learner_preference")
    interactions = tuple(
        Interaction(
            index=index,
            id=value(row, "id"),
            type=value(row, "type"),
            learner_response=value(row, "learner_response"),
            result=value(row, "result"),
            latency=value(row, "latency"),
            weighting=value(row, "weighting"),
            description=value(row, "description"),
            correct_patterns=tuple(value(p, "pattern") for _, p in rows(row, "correct_responses")),
            objective_ids=tuple(value(o, "id") for _, o in rows(row, "objectives")),
        )
        for index, row in rows(cmi, "interactions")
    )
    objectives = tuple(
        Objective(
            id=value(row, "id"),
            success_status=value(row, "success_status"),
            completion_status=value(row, "completion_status"),
            progress_measure=value(row, "progress_measure"),
            description=value(row, "description"),
            score=score_of(row),
        )
        for _, row in rows(cmi, "objectives")
        if value(row, "id")
    )
    comments = tuple(
        Comment(value(row, "comment"), value(row, "location"), value(row, "timestamp"))
        for _, row in rows(cmi, "comments_from_learner")
        if value(row, "comment")
    )
    return Snapshot(
        location=value(cmi, "location"),
        suspend_data=value(cmi, "suspend_data"),
        completion_status=value(cmi, "completion_status"),
        success_status=value(cmi, "success_status"),
        exit=value(cmi, "exit"),
        session_time=value(cmi, "session_time"),
        progress_measure=value(cmi, "progress_measure"),
        score=score_of(cmi),
        comments=comments,
        preferences={key: value(preferences, key) for key in PREFERENCES},
        interactions=interactions,
        objectives=objectives,
    )
