"""The attempt record of a SCORM 2004 SCO and what a commit of its data model says. Pure.

The record, its sessions, the temporal model (initialized, resumed, suspended, terminated) and
the cmi5 rules for completed, passed and failed are `bridge.attempts`'s, shared with SCORM 1.2;
this module is the `Model` of the SCORM 2004 data model (RTE 4.2):

- completion and success are two values (`cmi.completion_status`, `cmi.success_status`), and
  two facts: `completed` once an attempt reaches completed, `passed`/`failed` when success
  becomes one of them;
- the LMS decides them when the manifest says how: completion from `cmi.progress_measure` and
  the completion threshold, success from `cmi.score.scaled` and the scaled passing score
  (RTE 4.2.4.1, 4.2.22), whatever the SCO set; and when an attempt ends (Terminate without
  suspend) on a tracked SCO that never reported them and whose manifest does not leave them to
  the content (completionSetByContent / objectiveSetByContent false, the defaults), completed and
  satisfied (passed), as the SN book's End Attempt Process (UP.4) has the sequencer do;
- a new attempt starts from a fresh data model (total time included: cmi.total_time is per
  attempt in SCORM 2004); a suspended one resumes where it was.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeGuard

from bridge import attempts, interactions, vocab
from bridge.attempts import Commit, Facts, Model, outcome
from bridge.cmi import decimal_of
from bridge.cmi2004 import (
    Objective,
    Score,
    Snapshot,
    check,
    format_interval,
    measure_of,
    parse_interval,
    parse_snapshot,
    scaled_of,
)
from bridge.statements import Launch, StatementBuilder, xapi_score

RECORD_SCHEMA = "scorm2004_attempt.json"
UNSET = ("", "unknown", "not attempted")
NEW_ATTEMPT = {
    "location": "",
    "suspendData": "",
    "exit": "",
    "objectives": [],
    "completionStatus": vocab.UNKNOWN,
    "successStatus": vocab.UNKNOWN,
    "completed": False,
    "score": Score().to_json(),
    "progressMeasure": "",
    "totalSeconds": 0.0,
    "comments": [],
}


def new_record() -> dict:
    return {
        "attempt": {
            "id": None,
            "attempts": [],
            **NEW_ATTEMPT,
            "sessionSeconds": 0.0,
            "preferences": {},
            "resumeNext": False,
            "credit": "credit",
            "mode": "normal",
            "objectives": [],
            "comments": [],
        },
        "session": None,
        "outbox": [],
    }


def is_record(record: object) -> TypeGuard[dict[str, Any]]:
    return attempts.is_record(record, RECORD_SCHEMA)


def objective_key(objective: dict) -> str:
    """What of an objective has been turned into statements: its success and completion."""
    return f"{objective['success_status']}|{objective['completion_status']}"


def begin_session(record: dict, launch: Launch, launched_at: datetime) -> dict:
    started = attempts.begin_session(record, launch, launched_at, NEW_ATTEMPT, objective_key)
    if started is not record:
        started["session"]["comments"] = len(started["attempt"]["comments"])
    return started


def learner_of(actor: dict) -> tuple[str, str]:
    account = actor.get("account") or {}
    return (
        str(account.get("name") or actor.get("mbox") or "")[:4000],
        str(actor.get("name") or account.get("name") or "")[:250],
    )


def initial_cmi(record: dict, launch: Launch, sco: dict) -> dict:
    """The data model the SCO starts with (loaded into scorm-again before Initialize)."""
    attempt, session = record["attempt"], record["session"]
    normal = session["mode"] == "normal"
    shown = normal or session["entry"] == vocab.ENTRY_RESUME  # Browse/Review of an attempt not resumed starts empty
    learner_id, learner_name = learner_of(launch.actor)
    data = {
        "learner_id": learner_id,
        "learner_name": learner_name,
        "mode": session["mode"],
        "credit": "credit" if normal else "no-credit",
        "entry": session["entry"],
        "location": attempt["location"] if shown else "",
        "suspend_data": attempt["suspendData"] if shown else "",
        "total_time": format_interval(attempt["totalSeconds"] + (0.0 if normal else attempt["sessionSeconds"])),
        "launch_data": sco.get("dataFromLMS") or "",
        "learner_preference": {k: v for k, v in attempt["preferences"].items() if v},
    }
    for key, name in (
        ("max_time_allowed", "maxTimeAllowed"),
        ("time_limit_action", "timeLimitAction"),
        ("completion_threshold", "completionThreshold"),
        ("scaled_passing_score", "scaledPassingScore"),
    ):
        if sco.get(name):
            data[key] = sco[name]
    for key, name in (("completion_status", "completionStatus"), ("success_status", "successStatus")):
        if attempt[name] not in UNSET:
            data[key] = attempt[name]
    score = {k: v for k, v in attempt["score"].items() if v}
    if score:
        data["score"] = score
    if attempt["progressMeasure"]:
        data["progress_measure"] = attempt["progressMeasure"]
    if shown and attempt["objectives"]:
        data["objectives"] = {
            str(n): {k: v for k, v in o.items() if v and k != "score"}
            | ({"score": {k: v for k, v in o["score"].items() if v}} if any(o["score"].values()) else {})
            for n, o in enumerate(attempt["objectives"])
        }
    if shown and attempt["comments"]:
        data["comments_from_learner"] = {str(n): c for n, c in enumerate(attempt["comments"])}
    return data


# --- what a Normal commit says of the attempt ---------------------------------------------------


def completion_of(snapshot: Snapshot, launch: Launch, ending: bool) -> str:
    """RTE 4.2.4.1: with a completion threshold, the progress measure decides (unknown without one)."""
    threshold = decimal_of(launch.sco.get("completionThreshold") or "")
    if threshold is not None:
        measure = measure_of(snapshot.progress_measure)
        found = vocab.UNKNOWN if measure is None else ("completed" if measure >= threshold else "incomplete")
    else:
        found = snapshot.completion_status or vocab.UNKNOWN
    if ending and found in UNSET and not launch.sco.get("completionSetByContent", True):
        return "completed"  # SN UP.4: the sequencer completes what the content left unreported
    return found


def passing_score(launch: Launch) -> float | None:
    """The score success is judged by: the cmi5 masteryScore (the scaled passing score as cmi5 keeps
    it, so a passed or failed always agrees with the launch), else a negative scaled passing score."""
    if launch.mastery_score is not None:
        return launch.mastery_score
    found = decimal_of(launch.sco.get("scaledPassingScore") or "")
    return None if found is None else float(found)


def success_of(snapshot: Snapshot, launch: Launch, ending: bool) -> str:
    """RTE 4.2.22: with a scaled passing score, the scaled score decides (unknown without one)."""
    passing = passing_score(launch)
    if passing is not None:
        scaled = scaled_of(snapshot.score)
        found = vocab.UNKNOWN if scaled is None else ("passed" if scaled >= passing else "failed")
    else:
        found = snapshot.success_status or vocab.UNKNOWN
    if ending and found in UNSET and not launch.sco.get("objectiveSetByContent", True):
        return "passed"  # SN UP.4: an unreported objective of a finished attempt is satisfied
    return found


def outcomes(snapshot: Snapshot, event: str, launch: Launch) -> tuple[str, str]:
    """Completion and success of a Normal commit (`event`) whose data model is `snapshot`."""
    ending = event == "finish" and snapshot.exit != vocab.EXIT_SUSPEND
    return completion_of(snapshot, launch, ending), success_of(snapshot, launch, ending)


def needs_facts(record: dict, launch: Launch, commit: Commit[Snapshot]) -> bool:
    if commit.snapshot is None or not launch.normal:
        return False
    attempt = record["attempt"]
    completion, success = outcomes(commit.snapshot, commit.event, launch)
    return (completion == "completed" and not attempt["completed"]) or (
        success in vocab.SUCCESS_OUTCOMES and success != attempt["successStatus"]
    )


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
    completion, success = outcomes(snapshot, commit.event, launch)
    scaled = scaled_of(snapshot.score)
    statements = []
    if completion == "completed" and not attempt["completed"]:
        statements.append(outcome("completed", session, None, build, duration, facts))
    if success in vocab.SUCCESS_OUTCOMES and success != attempt["successStatus"]:
        statements.append(outcome(success, session, scaled, build, duration, facts))
    if snapshot.score.to_json() != attempt["score"]:
        scored = build.scored(xapi_score(snapshot.score, scaled))
        if scored:
            statements.append(scored)
    measure = measure_of(snapshot.progress_measure)
    if measure is not None and snapshot.progress_measure != attempt["progressMeasure"]:
        statements.append(build.progressed(float(measure)))
    attempt.update(
        location=snapshot.location,
        suspendData=snapshot.suspend_data,
        exit=snapshot.exit,
        completionStatus=completion,
        successStatus=success,
        completed=attempt["completed"] or completion == "completed",
        score=snapshot.score.to_json(),
        progressMeasure=snapshot.progress_measure,
        sessionSeconds=parse_interval(snapshot.session_time),
        preferences=dict(snapshot.preferences),
        objectives=[o.to_json() for o in snapshot.objectives],
        comments=[{"comment": c.comment, "location": c.location, "timestamp": c.timestamp} for c in snapshot.comments],
    )
    return statements


# --- what happened inside the SCO ------------------------------------------------------------


def objective_iri(launch: Launch, objective: Objective) -> str:
    """A SCO's objective mapped (written) to a global objective is the course's objective."""
    target = (launch.sco.get("globalObjectives") or {}).get(objective.id)
    return launch.course_objective_iri(target) if target else launch.objective_iri(objective.id)


def record_objective(session: dict, objective: Objective, launch: Launch, build: StatementBuilder) -> list[dict]:
    seen_success, _, seen_completion = session["objectives"].get(objective.id, "|").partition("|")
    session["objectives"][objective.id] = objective_key(objective.to_json())
    score = xapi_score(objective.score, scaled_of(objective.score))
    iri = objective_iri(launch, objective)
    statements = []
    if objective.completion_status in vocab.COMPLETION_OUTCOMES and objective.completion_status != seen_completion:
        statements.append(build.objective(objective.id, vocab.COMPLETED, None, iri))
    if objective.success_status in vocab.SUCCESS_OUTCOMES and objective.success_status != seen_success:
        statements.append(build.objective(objective.id, vocab.SUCCESS_OUTCOMES[objective.success_status], score, iri))
    return statements


def record_experiences(session: dict, snapshot: Snapshot, build: StatementBuilder, normal: bool) -> list[dict]:
    statements = []
    for interaction in snapshot.interactions:
        key, fingerprint = str(interaction.index), interaction.fingerprint()
        if interactions.is_answered(interaction) and session["interactions"].get(key) != fingerprint:
            statements.append(build.responded(interaction, interactions.SCORM_2004))
            session["interactions"][key] = fingerprint
    if normal:
        for objective in snapshot.objectives:
            statements += record_objective(session, objective, build.launch, build)
    for comment in snapshot.comments[session["comments"] :]:
        statements.append(build.commented(comment.comment))
    session["comments"] = max(session["comments"], len(snapshot.comments))
    return statements


def baseline(session: dict, snapshot: Snapshot) -> None:
    """The objectives the SCO starts with: the engine fills in what it reads from global objectives,
    which tells nothing about this session; only what changes from there is."""
    for objective in snapshot.objectives:
        session["objectives"][objective.id] = objective_key(objective.to_json())


SCORM_2004: Model[Snapshot] = Model(
    new_record,
    is_record,
    begin_session,
    initial_cmi,
    parse_snapshot,
    check,
    parse_interval,
    needs_facts,
    record_attempt,
    record_experiences,
    baseline,
)
