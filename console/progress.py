"""Where a learner stands in a registration, per AU: cmi5's own report (completed, passed,
failed, satisfied, waived, sessions) joined with what the registration's statements say (score,
time spent, last activity). Completion and success stay two separate facts throughout.

The statements are read through `lrs.statements.service` with the registration filter, which
the store answers from its registration index: a bounded read of one registration's
statements (at most MOST_STATEMENTS, newest first), not a scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from cmi5 import courses, sessions, vocab
from console.courses import text_of
from console.statement_list import build_query
from lrs.datatypes import parse_timestamp
from lrs.statements import service

MOST_STATEMENTS = 2_000
PAGE = 500
DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
# Statements whose duration is the length of a whole session (cmi5 9.5.4.1, 9.3.6).
SESSION_END_VERBS = frozenset({vocab.TERMINATED, vocab.ABANDONED})


def duration_seconds(value: str) -> float | None:
    """Days, hours, minutes and seconds of an ISO 8601 duration; None for years or months
    (their length depends on the calendar) or anything else."""
    match = DURATION.match(value or "")
    if not match or value in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (float(part) if part else 0.0 for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def format_seconds(seconds: float) -> str:
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


@dataclass
class AUProgress:
    id: str
    title: str
    activity_id: str
    move_on: str
    completed: bool
    success: str  # "passed", "failed" or "unknown": separate from completion
    satisfied: bool
    waived: bool
    waive_reason: str | None
    abandoned: int  # sessions abandoned
    open_session: bool  # a session that may still send statements (launched or initialized)
    sessions: list[dict]
    score: str | None = None
    time_spent: str | None = None
    last_activity: str | None = None


@dataclass
class Report:
    registration: str
    course: str
    course_title: str
    actor: dict
    satisfied: bool
    aus: list[AUProgress]
    blocks: list[dict]
    statements_read: int
    capped: bool = False

    @property
    def sessions(self) -> list[tuple[str, dict]]:
        """Every session of the registration with its AU's title, in launch order."""
        found = [(au.title, session) for au in self.aus for session in au.sessions]
        return sorted(found, key=lambda pair: pair[1]["launchedAt"] or "")


async def registration_statements(database, registration: str) -> tuple[list[dict], bool]:
    q = build_query({"registration": registration})
    found: list[dict] = []
    while len(found) < MOST_STATEMENTS:
        result = await service.query_statements(database, q, PAGE, "exact", None, False)
        found += result.statements
        if result.more is None:
            return found, False
        q = replace(q, after=result.more)
    return found, True


def touches(statement: dict, activity_id: str) -> bool:
    if statement["object"].get("id") == activity_id:
        return True
    context = (statement.get("context") or {}).get("contextActivities") or {}
    return any(a.get("id") == activity_id for kind in ("parent", "grouping") for a in context.get(kind) or ())


def score_of(result: dict) -> str | None:
    score = result.get("score") or {}
    if "scaled" in score:
        return f"{round(score['scaled'] * 100, 2):g}%"
    if "raw" in score:
        return f"{score['raw']:g}" + (f"/{score['max']:g}" if "max" in score else "")
    return None


def statement_facts(statements: list[dict], activity_id: str) -> tuple[str | None, str | None, str | None]:
    """(latest score, time spent over ended sessions, last activity) of one AU; newest first in."""
    mine = [s for s in statements if touches(s, activity_id)]
    score = next((score_of(s["result"]) for s in mine if score_of(s.get("result") or {})), None)
    seconds = [
        duration_seconds((s.get("result") or {}).get("duration", ""))
        for s in mine
        if s["verb"]["id"] in SESSION_END_VERBS
    ]
    spent = sum(s for s in seconds if s is not None)
    last = max((parse_timestamp(s.get("timestamp") or s["stored"]) for s in mine), default=None)
    return (
        score,
        format_seconds(spent) if any(s is not None for s in seconds) else None,
        format_time(last) if last else None,
    )


def format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


async def read_report(database, registration: str) -> Report:
    status = await sessions.registration_status(database, registration)
    course = await courses.get_course(database, status["course"])
    titles = {au["id"]: text_of(au["title"]) or au["id"] for au in course["structure"]["aus"]}
    statements, capped = await registration_statements(database, status["registration"])
    aus = []
    for au in status["aus"]:
        score, spent, last = statement_facts(statements, au["activityId"])
        aus.append(
            AUProgress(
                id=au["id"],
                title=titles.get(au["id"], au["id"]),
                activity_id=au["activityId"],
                move_on=au["moveOn"],
                completed=au["completed"],
                success="passed" if au["passed"] else "failed" if au["failed"] else "unknown",
                satisfied=au["satisfied"],
                waived=au["waived"],
                waive_reason=au["waiveReason"],
                abandoned=sum(1 for s in au["sessions"] if s["status"] == "abandoned"),
                open_session=any(s["status"] in ("launched", "initialized") for s in au["sessions"]),
                sessions=au["sessions"],
                score=score,
                time_spent=spent,
                last_activity=last,
            )
        )
    return Report(
        registration=status["registration"],
        course=status["course"],
        course_title=text_of(course["title"]) or course["publisher_id"],
        actor=status["actor"],
        satisfied=status["satisfied"],
        aus=aus,
        blocks=status["blocks"],
        statements_read=len(statements),
        capped=capped,
    )
