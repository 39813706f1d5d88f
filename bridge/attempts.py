"""The attempt record of one SCO for one registration, and how a commit changes it. Pure.

The record is a JSON document (kept in the State resource by `bridge.runtime`):

- `attempt`: what SCORM keeps between sessions: location, suspend data, lesson status, score,
  exit, total time, comments, preferences, objectives, and whether the next launch resumes.
  Only Normal sessions change it: Browse and Review sessions read it, never write it.
- `session`: the current session's bookkeeping: the last commit sequence applied, when it
  initialized, whether it finished, the cmi5 verbs it used and the interactions, objectives and
  comments already turned into statements. A commit whose sequence is not above the last one is
  a repeat (or a late beacon) and changes nothing.
- `outbox`: statements made by applied commits and not yet known to be stored.

`begin_session` makes a new session current; `apply_commit` returns the new record and the
statements a commit makes. Both are deterministic for the same input.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeGuard, TypeVar

from bridge import cmi2004, interactions, vocab
from bridge.cmi import Score, Snapshot, check_commit, decimal_of, format_timespan, parse_snapshot, parse_timespan
from bridge.schemas import validator
from bridge.statements import Launch, StatementBuilder, scaled_of, xapi_score
from cmi5.statements import format_duration
from lrs.datatypes import is_timestamp, parse_timestamp
from lrs.statements.service import format_timestamp

RECORD_SCHEMA = "scorm_attempt.json"
OUTCOMES = {"completed": vocab.COMPLETED, "passed": vocab.PASSED, "failed": vocab.FAILED}
JUDGEMENTS = ("passed", "failed")
# The statuses that mean the SCO was completed. Not "failed": like scorm-again's commit mapping
# (completion "incomplete" for failed) and most LMSes, a failed SCO is not taken as completed,
# unless it reported completed too.
COMPLETIONS = ("completed", "passed")
UNSET = ("", "not attempted")
# A status never falls back to a lower rank (a completion is never undone).
STATUS_RANK = {"": 0, "not attempted": 0, "browsed": 1, "incomplete": 2, "completed": 3, "failed": 3, "passed": 4}
# The most seconds a record keeps (the "seconds" of its schema): a thousand of SCORM 2004's longest
# sessions, and still a timedelta. The total stops there rather than make the record unreadable.
MAX_SECONDS = 1e13

# What one commit says of the SCO, in the data model of its edition.
SnapshotT = TypeVar("SnapshotT", Snapshot, cmi2004.Snapshot)


@dataclass(frozen=True)
class Commit(Generic[SnapshotT]):
    sequence: int
    event: str
    snapshot: SnapshotT | None
    # What the SCO set cmi.core.lesson_status to since the last request, in order: a commit's
    # snapshot holds only the last one (completed, then passed, would be passed alone).
    statuses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcomes:
    """What a commit says of the attempt: its lesson status (after the SCORM 1.2 rules), whether
    it was completed, and the passed/failed judgements it made, in order."""

    status: str
    completed: bool
    judgements: tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    """What the cmi5 registration recorded for the AU before this commit."""

    completed: bool = False
    passed: bool = False


def new_record() -> dict:
    return {
        "attempt": {
            "id": None,
            "attempts": [],
            "location": "",
            "suspendData": "",
            "lessonStatus": "not attempted",
            "completed": False,
            "score": Score().to_json(),
            "exit": "",
            "totalSeconds": 0.0,
            "sessionSeconds": 0.0,
            "comments": "",
            "preferences": {},
            "objectives": [],
            "resumeNext": False,
            "credit": "credit",
            "mode": "normal",
        },
        "session": None,
        "outbox": [],
    }


def is_record(record: object, schema: str = RECORD_SCHEMA) -> TypeGuard[dict[str, Any]]:
    """Whether a record read back has the shape its edition's module gives it (SCORM 1.2's:
    schemas/scorm_attempt.json)."""
    if not isinstance(record, dict) or not validator(schema).is_valid(record):
        return False
    session = record.get("session") or {}
    return all(m is None or is_timestamp(m) for m in (session.get("launchedAt"), session.get("initializedAt")))


def is_current(record: dict, session: str) -> bool:
    return bool(record.get("session")) and record["session"]["id"] == session


def objective_status(objective: dict) -> str:
    """What of a SCORM 1.2 objective is turned into statements: its status."""
    return objective["status"]


# What a new SCORM 1.2 attempt starts from: status, score and total time stay.
NEW_ATTEMPT = {"location": "", "suspendData": "", "exit": "", "objectives": []}


def begin_session(
    record: dict,
    launch: Launch,
    launched_at: datetime,
    new_attempt: dict = NEW_ATTEMPT,
    objective_key: Callable[[dict], str] = objective_status,
) -> dict:
    """The record with `launch`'s session current (unchanged if it already is). A Normal session
    resumes the attempt when the last one asked to (`resumeNext`), else begins a new attempt from
    `new_attempt` (the edition's values); `objective_key` tells what of an objective the session
    has already turned into statements."""
    if is_current(record, launch.session):
        return record
    record = copy.deepcopy(record)
    attempt = record["attempt"]
    entry = vocab.ENTRY_RESUME if attempt["resumeNext"] else vocab.ENTRY_AB_INITIO
    attempt_id = attempt["id"]
    if launch.normal:
        attempt["totalSeconds"] = min(attempt["totalSeconds"] + attempt["sessionSeconds"], MAX_SECONDS)
        attempt["sessionSeconds"] = 0.0
        attempt["credit"], attempt["mode"] = "credit", "normal"
        if entry == vocab.ENTRY_AB_INITIO or not attempt_id:
            attempt_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:session:{launch.session}"))
            attempt.update(id=attempt_id, **copy.deepcopy(new_attempt))
            attempt["attempts"].append(attempt_id)
    elif not attempt_id:
        attempt_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:session:{launch.session}"))
    record["session"] = {
        "id": launch.session,
        "launchedAt": format_timestamp(launched_at),
        "mode": vocab.LESSON_MODES[launch.launch_mode],
        "entry": entry,
        "attempt": attempt_id,
        "sequence": 0,
        "initializedAt": None,
        "finished": False,
        "verbs": [],
        "interactions": {},
        "objectives": {o["id"]: objective_key(o) for o in attempt["objectives"]},
        "comments": attempt["comments"],
    }
    return record


def initial_cmi(record: dict, launch: Launch, sco: dict) -> dict:
    """The data model the SCO starts with (loaded into the runtime before LMSInitialize)."""
    attempt, session = record["attempt"], record["session"]
    normal = session["mode"] == "normal"
    resume = session["entry"] == vocab.ENTRY_RESUME
    shown = normal or resume  # Browse/Review of an attempt that is not resumed starts empty
    total = attempt["totalSeconds"] + (0.0 if normal else attempt["sessionSeconds"])
    actor = launch.actor
    account = actor.get("account") or {}
    core = {
        "student_id": str(account.get("name") or actor.get("mbox") or "")[:255],
        "student_name": str(actor.get("name") or account.get("name") or "")[:255],
        "lesson_location": attempt["location"] if shown else "",
        "credit": "credit" if normal else "no-credit",
        "entry": session["entry"],
        "lesson_mode": session["mode"],
        "total_time": format_timespan(total),
    }
    if attempt["lessonStatus"] not in ("", "not attempted"):
        # Left out when not attempted: the runtime then tells a status the SCO set from none.
        core["lesson_status"] = attempt["lessonStatus"]
    score = {k: v for k, v in attempt["score"].items() if v}
    if score:
        core["score"] = score
    student_data = {
        key: sco[name]
        for key, name in (
            ("mastery_score", "masteryScoreScorm"),
            ("max_time_allowed", "maxTimeAllowed"),
            ("time_limit_action", "timeLimitAction"),
        )
        if sco.get(name)
    }
    data = {
        "core": core,
        "suspend_data": attempt["suspendData"] if shown else "",
        "launch_data": sco.get("dataFromLMS") or "",
        "comments": attempt["comments"],
        "student_data": student_data,
        "student_preference": {k: v for k, v in attempt["preferences"].items() if v},
    }
    if shown and attempt["objectives"]:
        data["objectives"] = {
            str(n): {
                "id": o["id"],
                **({"status": o["status"]} if o["status"] else {}),
                **({"score": {k: v for k, v in o["score"].items() if v}} if any(o["score"].values()) else {}),
            }
            for n, o in enumerate(attempt["objectives"])
        }
    return data


def effective_status(reported: str, score: Score, launch: Launch, finishing: bool) -> str:
    """SCORM 1.2 RTE 3.4.4: in credit mode with a mastery score, a raw score decides passed/failed.

    It is judged against the cmi5 masteryScore (masteryscore / 100 as cmi5 keeps it), so a passed
    or failed sent to cmi5 always agrees with the launch's masteryScore.
    """
    raw = decimal_of(score.raw)
    if launch.mastery_score is None or raw is None or not 0 <= raw <= 100:
        return reported
    if reported in OUTCOMES or finishing:
        return "passed" if float(raw) / 100 >= launch.mastery_score else "failed"
    return reported


def kept_status(stored: str, new: str) -> str:
    return new if STATUS_RANK.get(new, 0) >= STATUS_RANK.get(stored, 0) else stored


def is_completed(attempt: dict) -> bool:
    return attempt.get("completed", attempt["lessonStatus"] in COMPLETIONS)


def commit_outcomes(
    attempt: dict, snapshot: Snapshot, statuses: tuple[str, ...], launch: Launch, finishing: bool
) -> Outcomes:
    """Completion and success of a Normal commit, as two facts (SCORM 1.2 RTE 3.4.4).

    At LMSFinish with no status set, the LMS sets completed, then judges a raw score against the
    mastery score (`effective_status`). What the SCO said on the way (`statuses`) counts too: a
    SCO that sets completed, then passed, before one commit has completed and passed; passed
    means completed as well.
    """
    reported = snapshot.lesson_status or attempt["lessonStatus"]
    if finishing and reported in UNSET:
        reported = "completed"
    status = effective_status(reported, snapshot.score, launch, finishing)
    said = [s for s in statuses if s in OUTCOMES]
    if not finishing and snapshot.lesson_status:
        said.append(snapshot.lesson_status)  # at finish, the runtime may have set it, not the SCO
    judgements: list[str] = []
    for judged in [effective_status(s, snapshot.score, launch, False) for s in said if s in JUDGEMENTS] + [status]:
        if judged in JUDGEMENTS and (not judgements or judgements[-1] != judged):
            judgements.append(judged)
    completed = status in COMPLETIONS or any(s in COMPLETIONS for s in said)
    return Outcomes(status, completed, tuple(judgements))


def needs_facts(record: dict, launch: Launch, commit: Commit[Snapshot]) -> bool:
    """Whether the commit may make completed/passed/failed (then the registration's facts matter)."""
    snapshot = commit.snapshot
    if snapshot is None or not launch.normal:
        return False
    attempt = record["attempt"]
    found = commit_outcomes(attempt, snapshot, commit.statuses, launch, commit.event == "finish")
    return (found.completed and not is_completed(attempt)) or any(
        j != attempt["lessonStatus"] for j in found.judgements
    )


def apply_commit(
    record: dict,
    launch: Launch,
    commit: Commit[SnapshotT],
    now: datetime,
    facts: Facts,
    model: Model[SnapshotT] | None = None,
) -> tuple[dict, list[dict]]:
    """The record after `commit` (of the current session) and the statements it makes.

    The temporal model (initialized, resumed, suspended, terminated, durations, resuming a
    session cut short) is the same for every edition; what the data model says about the attempt
    and what happened inside the SCO is the edition's `model` (SCORM 1.2's by default)."""
    # SCORM_12 is defined below this function, so it cannot be the parameter's default.
    edition: Model[Any] = model or SCORM_12
    record = copy.deepcopy(record)
    attempt, session = record["attempt"], record["session"]
    normal = session["mode"] == "normal"
    build = StatementBuilder(launch, session["attempt"], now)
    statements: list[dict] = []
    if not session["initializedAt"]:
        statements.append(build.initialized())
        if session["entry"] == vocab.ENTRY_RESUME:
            statements.append(build.resumed())
        session["initializedAt"] = format_timestamp(now)
        session["verbs"].append("initialized")
        if normal:
            attempt["resumeNext"] = True  # a session cut short resumes: nothing it committed is lost
    elapsed = max(now - parse_timestamp(session["initializedAt"]), timedelta(0))
    snapshot = commit.snapshot
    reported = timedelta(seconds=edition.session_seconds(snapshot.session_time)) if snapshot else timedelta(0)
    duration = reported if reported > timedelta(0) else elapsed
    if snapshot is not None and commit.event == "initialize" and edition.baseline is not None:
        edition.baseline(session, snapshot)  # what the SCO starts with is no news
    elif snapshot is not None:
        if normal:
            statements += edition.record_attempt(attempt, session, commit, snapshot, launch, build, duration, facts)
        statements += edition.record_experiences(session, snapshot, build, normal)
    if commit.event == "finish":
        exit_value = snapshot.exit if snapshot else attempt["exit"]
        if normal and exit_value == "suspend":
            statements.append(build.suspended(duration))
        statements.append(build.terminated(duration))
        session["verbs"].append("terminated")
        session["finished"] = True
        if normal:
            attempt["resumeNext"] = exit_value == "suspend"
    session["sequence"] = commit.sequence
    return record, statements


def record_attempt(
    attempt: dict,
    session: dict,
    commit: Commit[Snapshot],
    snapshot: Snapshot,
    launch: Launch,
    build: StatementBuilder,
    duration: timedelta,
    facts: Facts,
) -> list[dict]:
    """What a Normal commit says of the attempt; `snapshot` is the commit's (it has one)."""
    found = commit_outcomes(attempt, snapshot, commit.statuses, launch, commit.event == "finish")
    statements = []
    status = attempt["lessonStatus"]
    if found.completed and not is_completed(attempt):
        statements.append(outcome("completed", session, None, build, duration, facts))
        status = kept_status(status, "completed")
    for judged in found.judgements:
        if judged != status:
            statements.append(outcome(judged, session, scaled_of(snapshot.score), build, duration, facts))
        status = kept_status(status, judged)
    score = Score(**attempt["score"])
    if snapshot.score.raw and snapshot.score != score:
        scored = build.scored(xapi_score(snapshot.score, scaled_of(snapshot.score)))
        if scored:
            statements.append(scored)
    attempt.update(
        location=snapshot.location,
        suspendData=snapshot.suspend_data,
        exit=snapshot.exit,
        lessonStatus=kept_status(status, found.status),
        completed=found.completed or is_completed(attempt),
        comments=snapshot.comments,
        sessionSeconds=parse_timespan(snapshot.session_time),
        preferences=dict(snapshot.preferences),
        objectives=[o.to_json() for o in snapshot.objectives],
    )
    if snapshot.score.raw or not any(attempt["score"].values()):
        attempt["score"] = snapshot.score.to_json()
    return statements


def outcome(
    status: str, session: dict, scaled: float | None, build: StatementBuilder, duration: timedelta, facts: Facts
) -> dict:
    """completed/passed/failed: cmi5 defined when the cmi5 rules allow it, else cmi5 allowed.
    Shared by both editions: the cmi5 rules are the same whatever the SCO's data model."""
    used = set(session["verbs"])
    if status == "completed":
        defined = not facts.completed and "completed" not in used
        statement = build.completed(duration, defined)
    else:
        defined = not facts.passed and not used & {"passed", "failed"}
        statement = build.judged(OUTCOMES[status], scaled, duration, defined)
    if defined:
        session["verbs"].append(status)
    return statement


def record_experiences(session: dict, snapshot: Snapshot, build: StatementBuilder, normal: bool) -> list[dict]:
    statements = []
    for interaction in snapshot.interactions:
        key, fingerprint = str(interaction.index), interaction.fingerprint()
        if interactions.is_answered(interaction) and session["interactions"].get(key) != fingerprint:
            statements.append(build.responded(interaction))
            session["interactions"][key] = fingerprint
    if normal:
        for objective in snapshot.objectives:
            if (
                objective.status in vocab.OBJECTIVE_OUTCOMES
                and session["objectives"].get(objective.id) != objective.status
            ):
                statements.append(
                    build.objective(
                        objective.id,
                        vocab.OBJECTIVE_OUTCOMES[objective.status],
                        xapi_score(objective.score, scaled_of(objective.score)),
                    )
                )
            session["objectives"][objective.id] = objective.status
    if snapshot.comments and snapshot.comments != session["comments"]:
        statements.append(build.commented(snapshot.comments))
        session["comments"] = snapshot.comments
    return statements


def total_time_iso(attempt: dict) -> str:
    return format_duration(timedelta(seconds=attempt["totalSeconds"] + attempt["sessionSeconds"]))


@dataclass(frozen=True)
class Model(Generic[SnapshotT]):
    """An edition's data model, as the run-time (`bridge.runtime`) and `apply_commit` use it."""

    new_record: Callable[[], dict]
    is_record: Callable[[object], TypeGuard[dict[str, Any]]]
    begin_session: Callable[[dict, Launch, datetime], dict]
    initial_cmi: Callable[[dict, Launch, dict], dict]
    parse_snapshot: Callable[[object], SnapshotT]
    check_commit: Callable[[object], None]
    session_seconds: Callable[[str], float]
    needs_facts: Callable[[dict, Launch, Commit[SnapshotT]], bool]
    # attempt, session, the commit, its snapshot, launch, statement builder, duration, facts
    record_attempt: Callable[
        [dict, dict, Commit[SnapshotT], SnapshotT, Launch, StatementBuilder, timedelta, Facts], list[dict]
    ]
    record_experiences: Callable[[dict, SnapshotT, StatementBuilder, bool], list[dict]]
    # Takes note of the data model as the SCO starts with it (objectives the LMS filled in), when
    # the player sends it with the initialize request.
    baseline: Callable[[dict, SnapshotT], None] | None = None


SCORM_12: Model[Snapshot] = Model(
    new_record,
    is_record,
    begin_session,
    initial_cmi,
    parse_snapshot,
    check_commit,
    parse_timespan,
    needs_facts,
    record_attempt,
    record_experiences,
)
