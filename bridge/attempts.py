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
from dataclasses import dataclass
from datetime import datetime, timedelta

from bridge import interactions, vocab
from bridge.cmi import Score, Snapshot, decimal_of, format_timespan, parse_timespan
from bridge.schemas import validator
from bridge.statements import Launch, StatementBuilder
from cmi5.statements import format_duration
from lrs.datatypes import parse_timestamp
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


@dataclass(frozen=True)
class Commit:
    sequence: int
    event: str
    snapshot: Snapshot | None
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
            "id": None, "attempts": [], "location": "", "suspendData": "", "lessonStatus": "not attempted",
            "completed": False, "score": Score().to_json(), "exit": "", "totalSeconds": 0.0, "sessionSeconds": 0.0,
            "comments": "", "preferences": {}, "objectives": [], "resumeNext": False, "credit": "credit", "mode": "normal",
        },
        "session": None,
        "outbox": [],
    }


def is_record(record: object) -> bool:
    """Whether a record read back has the shape this module gives it (schemas/scorm_attempt.json)."""
    if not validator(RECORD_SCHEMA).is_valid(record):
        return False
    session = record.get("session") or {}
    try:
        for moment in (session.get("launchedAt"), session.get("initializedAt")):
            if moment is not None:
                parse_timestamp(moment)
    except ValueError:
        return False
    return True


def is_current(record: dict, session: str) -> bool:
    return bool(record.get("session")) and record["session"]["id"] == session


def begin_session(record: dict, launch: Launch, launched_at: datetime) -> dict:
    """The record with `launch`'s session current (unchanged if it already is)."""
    if is_current(record, launch.session):
        return record
    record = copy.deepcopy(record)
    attempt = record["attempt"]
    entry = vocab.ENTRY_RESUME if attempt["resumeNext"] else vocab.ENTRY_AB_INITIO
    attempt_id = attempt["id"]
    if launch.normal:
        attempt["totalSeconds"] += attempt["sessionSeconds"]
        attempt["sessionSeconds"] = 0.0
        attempt["credit"], attempt["mode"] = "credit", "normal"
        if entry == vocab.ENTRY_AB_INITIO or not attempt_id:
            # A new attempt: what the last one left for resuming is gone; status, score and time stay.
            attempt_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:session:{launch.session}"))
            attempt.update(id=attempt_id, location="", suspendData="", exit="", objectives=[])
            attempt["attempts"].append(attempt_id)
    elif not attempt_id:
        attempt_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:session:{launch.session}"))
    record["session"] = {
        "id": launch.session, "launchedAt": format_timestamp(launched_at), "mode": vocab.LESSON_MODES[launch.launch_mode],
        "entry": entry, "attempt": attempt_id, "sequence": 0, "initializedAt": None, "finished": False,
        "verbs": [], "interactions": {}, "objectives": {o["id"]: o["status"] for o in attempt["objectives"]},
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
    student_data = {key: sco[name] for key, name in (
        ("mastery_score", "masteryScoreScorm"), ("max_time_allowed", "maxTimeAllowed"),
        ("time_limit_action", "timeLimitAction")) if sco.get(name)}
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
            str(n): {"id": o["id"], **({"status": o["status"]} if o["status"] else {}),
                     **({"score": {k: v for k, v in o["score"].items() if v}} if any(o["score"].values()) else {})}
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


def commit_outcomes(attempt: dict, snapshot: Snapshot, statuses: tuple[str, ...], launch: Launch,
                    finishing: bool) -> Outcomes:
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


def needs_facts(record: dict, launch: Launch, commit: Commit) -> bool:
    """Whether the commit may make completed/passed/failed (then the registration's facts matter)."""
    snapshot = commit.snapshot
    if snapshot is None or not launch.normal:
        return False
    attempt = record["attempt"]
    found = commit_outcomes(attempt, snapshot, commit.statuses, launch, commit.event == "finish")
    return (found.completed and not is_completed(attempt)) or any(j != attempt["lessonStatus"] for j in found.judgements)


def apply_commit(record: dict, launch: Launch, commit: Commit, now: datetime, facts: Facts) -> tuple[dict, list[dict]]:
    """The record after `commit` (of the current session) and the statements it makes."""
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
    reported = timedelta(seconds=parse_timespan(snapshot.session_time)) if snapshot else timedelta(0)
    duration = reported if reported > timedelta(0) else elapsed
    if snapshot is not None:
        if normal:
            found = commit_outcomes(attempt, snapshot, commit.statuses, launch, commit.event == "finish")
            statements += record_attempt(attempt, session, snapshot, found, build, duration, facts)
        statements += record_experiences(session, snapshot, build, normal)
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


def record_attempt(attempt: dict, session: dict, snapshot: Snapshot, found: Outcomes, build: StatementBuilder,
                   duration: timedelta, facts: Facts) -> list[dict]:
    statements = []
    status = attempt["lessonStatus"]
    if found.completed and not is_completed(attempt):
        statements.append(outcome("completed", session, snapshot.score, build, duration, facts))
        status = kept_status(status, "completed")
    for judged in found.judgements:
        if judged != status:
            statements.append(outcome(judged, session, snapshot.score, build, duration, facts))
        status = kept_status(status, judged)
    score = Score(**attempt["score"])
    if snapshot.score.raw and snapshot.score != score:
        scored = build.scored(snapshot.score)
        if scored:
            statements.append(scored)
    attempt.update(
        location=snapshot.location, suspendData=snapshot.suspend_data, exit=snapshot.exit,
        lessonStatus=kept_status(status, found.status), completed=found.completed or is_completed(attempt),
        comments=snapshot.comments,
        sessionSeconds=parse_timespan(snapshot.session_time), preferences=dict(snapshot.preferences),
        objectives=[o.to_json() for o in snapshot.objectives],
    )
    if snapshot.score.raw or not any(attempt["score"].values()):
        attempt["score"] = snapshot.score.to_json()
    return statements


def outcome(status: str, session: dict, score: Score, build: StatementBuilder, duration: timedelta,
            facts: Facts) -> dict:
    """completed/passed/failed: cmi5 defined when the cmi5 rules allow it, else cmi5 allowed."""
    used = set(session["verbs"])
    if status == "completed":
        defined = not facts.completed and "completed" not in used
        statement = build.completed(duration, defined)
    else:
        defined = not facts.passed and not used & {"passed", "failed"}
        statement = build.judged(OUTCOMES[status], score, duration, defined)
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
            if objective.status in vocab.OBJECTIVE_OUTCOMES and session["objectives"].get(objective.id) != objective.status:
                statements.append(build.objective(objective))
            session["objectives"][objective.id] = objective.status
    if snapshot.comments and snapshot.comments != session["comments"]:
        statements.append(build.commented(snapshot.comments))
        session["comments"] = snapshot.comments
    return statements


def total_time_iso(attempt: dict) -> str:
    return format_duration(timedelta(seconds=attempt["totalSeconds"] + attempt["sessionSeconds"]))
