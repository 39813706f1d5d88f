"""The statement rules of cmi5 9 for statements an AU sends with its launch token.

Pure: `apply_rules` takes the session as recorded, what the registration recorded for the AU,
and a batch of prepared statements (ids and timestamps set); it returns the session's new state
and the registration-level claims, or raises `Forbidden` with a message naming the rule.
Order within a batch is by `timestamp` (cmi5 9.3), then by position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from cmi5 import vocab
from lrs.errors import Forbidden, InvalidStatement
from lrs.statements.validate import parse_timestamp

# After "terminated", new statements timestamped before it may still arrive for this long
# (an AU's last requests race each other); after that, or timestamped later, they are refused.
TERMINATED_GRACE = timedelta(seconds=10)
OUTCOME_VERBS = (vocab.COMPLETED, vocab.PASSED, vocab.FAILED)
# 9.7: a timestamp says it is UTC: Z, +00, +0000 or +00:00.
UTC_DESIGNATOR = re.compile(r"(?:[Zz]|\+00(?::?00)?)\Z")
DURATION_VERBS = (vocab.TERMINATED, vocab.COMPLETED, vocab.PASSED, vocab.FAILED)


class RuleViolation(Forbidden):
    error = "cmi5 rule violated"

    def __init__(self, section: str, rule: str, statement_id: str | None = None) -> None:
        self.section = section
        self.rule = rule
        where = f" (statement {statement_id})" if statement_id else ""
        super().__init__(f"cmi5 {section}: {rule}{where}")


@dataclass(frozen=True)
class Launch:
    """What the session's launch fixed."""

    session_id: str
    registration: str
    activity_id: str
    launch_mode: str
    mastery_score: float | None
    context_template: dict


@dataclass(frozen=True)
class SessionState:
    initialized_at: datetime | None = None
    terminated_at: datetime | None = None
    terminated_received: datetime | None = None
    abandoned: bool = False
    last_at: datetime | None = None
    # The AU asked for its learner's cmi5LearnerPreferences document (cmi5 11).
    preferences_read: bool = False
    # verb IRI -> id of the cmi5 defined statement that used it in this session
    verbs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RegistrationAU:
    """Registration-level facts for the AU: ids of the statements that set them."""

    completed: str | None = None
    passed: str | None = None


@dataclass
class Outcome:
    state: SessionState
    # Registration-level claims made by this batch: "completed"/"passed" -> statement id.
    claims: dict[str, str] = field(default_factory=dict)
    changed: bool = False


def ids_of(activities) -> list[str]:
    if isinstance(activities, dict):
        activities = [activities]
    return [a["id"] for a in activities or () if isinstance(a, dict) and isinstance(a.get("id"), str)]


def timestamp_of(statement: dict) -> datetime:
    try:
        return parse_timestamp(statement["timestamp"], "timestamp")
    except InvalidStatement as error:
        raise RuleViolation("9.7", f"timestamp is not usable: {error.rule}", statement.get("id")) from None


def check_as_sent(statement: dict) -> None:
    """9.1 and 9.7, judged before the LRS fills in what the AU left out: the AU gives every
    statement its id and a timestamp in UTC."""
    if "id" not in statement:
        raise RuleViolation("9.1", "the AU must give every statement an id")
    timestamp = statement.get("timestamp")
    if timestamp is None:
        raise RuleViolation("9.7", "the AU must give every statement a timestamp", statement["id"])
    if not UTC_DESIGNATOR.search(timestamp):
        raise RuleViolation("9.7", f"timestamps are in UTC (ending in Z or +00:00), not {timestamp}", statement["id"])


def apply_rules(
    launch: Launch,
    state: SessionState,
    registration: RegistrationAU,
    statements: list[dict],
    now: datetime,
    stored_ids: frozenset[str] = frozenset(),
) -> Outcome:
    """`stored_ids`: lower-case ids of the batch's statements that are stored already."""
    outcome = Outcome(state)
    timed = sorted(((timestamp_of(s), i, s) for i, s in enumerate(statements)), key=lambda t: t[:2])
    for timestamp, _, statement in timed:
        check_statement(launch, outcome, registration, statement, timestamp, now, statement["id"].lower() in stored_ids)
    return outcome


def is_cmi5_defined(statement: dict) -> bool:
    context = statement.get("context") or {}
    return vocab.CATEGORY_CMI5 in ids_of((context.get("contextActivities") or {}).get("category"))


def reads_registration(statements: list[dict]) -> bool:
    """Whether judging the batch looks at its `RegistrationAU`: only cmi5 defined completed,
    passed and failed do (`check_defined`)."""
    return any(s["verb"]["id"] in OUTCOME_VERBS and is_cmi5_defined(s) for s in statements)


def check_statement(
    launch: Launch,
    outcome: Outcome,
    registration: RegistrationAU,
    statement: dict,
    timestamp: datetime,
    now: datetime,
    stored: bool = False,
) -> None:
    state = outcome.state
    sid = statement["id"]
    verb = statement["verb"]["id"]
    defined = is_cmi5_defined(statement)
    if defined and state.verbs.get(verb) == sid:
        return  # the very statement again: the LRS stores it once
    check_context(launch, statement, defined)
    if state.abandoned:
        raise RuleViolation("9.3.6", "the session was abandoned; no statement may follow", sid)
    if state.terminated_at is not None and state.terminated_received is not None:  # set together
        # The grace keeps what was sent before terminated from being lost; a statement stored
        # already loses nothing, so a repeat of it is refused like anything else (cmi5 9.3).
        late = now - state.terminated_received <= TERMINATED_GRACE and timestamp <= state.terminated_at
        if not late or stored or (defined and verb == vocab.TERMINATED):
            raise RuleViolation("9.3.8", "the session was terminated; terminated must be the last statement", sid)
    if state.initialized_at is None:
        if not (defined and verb == vocab.INITIALIZED):
            raise RuleViolation("9.3.2", "initialized must be the first statement of a session", sid)
        if not state.preferences_read:
            raise RuleViolation(
                "11.0",
                f"the AU must read the {vocab.LEARNER_PREFERENCES_PROFILE_ID} Agent Profile document "
                "before it sends initialized",
                sid,
            )
    elif timestamp < state.initialized_at:
        raise RuleViolation("9.3", "a statement cannot be timestamped before the session's initialized statement", sid)
    check_progress(statement)
    if defined:
        check_defined(launch, state, registration, outcome.claims, statement, timestamp)
        verbs = {**state.verbs, verb: sid}
        state = replace(state, verbs=verbs)
        if verb == vocab.INITIALIZED:
            state = replace(state, initialized_at=timestamp)
        elif verb == vocab.TERMINATED:
            state = replace(state, terminated_at=timestamp, terminated_received=now)
        if verb == vocab.COMPLETED:
            outcome.claims["completed"] = sid
        elif verb == vocab.PASSED:
            outcome.claims["passed"] = sid
    last = timestamp if state.last_at is None else max(state.last_at, timestamp)
    outcome.state = replace(state, last_at=last)
    outcome.changed = True


def check_context(launch: Launch, statement: dict, defined: bool) -> None:
    """Context template (10.2.1), registration (9.6.1) and the moveOn category (9.6.2.2)."""
    sid = statement["id"]
    context = statement.get("context") or {}
    if context.get("registration", "").lower() != launch.registration.lower():
        raise RuleViolation("9.6.1", "context.registration must be the launch's registration", sid)
    template = launch.context_template
    extensions = context.get("extensions") or {}
    for key, value in (template.get("extensions") or {}).items():
        if extensions.get(key) != value:
            raise RuleViolation(
                "10.2.1", f"context.extensions must keep {key} = {value!r} from the contextTemplate", sid
            )
    activities = context.get("contextActivities") or {}
    for kind, required in (template.get("contextActivities") or {}).items():
        present = set(ids_of(activities.get(kind)))
        for activity in required:
            if activity["id"] not in present:
                raise RuleViolation(
                    "9.6.2",
                    f"context.contextActivities.{kind} must include {activity['id']} from the contextTemplate",
                    sid,
                )
    categories = ids_of(activities.get("category"))
    result = statement.get("result") or {}
    has_moveon = vocab.CATEGORY_MOVEON in categories
    needs_moveon = defined and ("success" in result or "completion" in result)
    if needs_moveon and not has_moveon:
        raise RuleViolation(
            "9.6.2.2", "a cmi5 defined statement with success or completion needs the moveon category", sid
        )
    if has_moveon and not needs_moveon:
        raise RuleViolation(
            "9.6.2.2", "only cmi5 defined statements with success or completion may use the moveon category", sid
        )


def check_defined(
    launch: Launch,
    state: SessionState,
    registration: RegistrationAU,
    claims: dict[str, str],
    statement: dict,
    timestamp: datetime,
) -> None:
    sid = statement["id"]
    verb = statement["verb"]["id"]
    if verb not in vocab.AU_VERBS:
        what = "is the LMS's verb" if verb in vocab.LMS_VERBS else "is not a cmi5 verb"
        raise RuleViolation("7.1.3", f"the cmi5 category is for cmi5 defined statements; {verb} {what}", sid)
    obj = statement["object"]
    if obj.get("objectType", "Activity") != "Activity" or obj.get("id") != launch.activity_id:
        raise RuleViolation(
            "9.4", f"the object of a cmi5 defined statement must be the AU activity {launch.activity_id}", sid
        )
    name = vocab.VERB_NAMES[verb]
    if verb in state.verbs:
        raise RuleViolation(
            "9.3", f"{name} was already used in this session; cmi5 verbs are not repeated in a session", sid
        )
    if verb in (vocab.PASSED, vocab.FAILED) and ({vocab.PASSED, vocab.FAILED} & set(state.verbs)):
        raise RuleViolation("9.3", "a session has at most one of passed and failed", sid)
    if launch.launch_mode != "Normal" and verb in OUTCOME_VERBS:
        raise RuleViolation("10.2.2", f"launchMode {launch.launch_mode} forbids {name} statements", sid)
    if verb == vocab.COMPLETED and registration.completed not in (None, sid):
        raise RuleViolation("9.3", "completed is sent at most once per registration", sid)
    if verb == vocab.PASSED and registration.passed not in (None, sid):
        raise RuleViolation("9.3", "passed is sent at most once per registration", sid)
    if verb == vocab.FAILED and (registration.passed or "passed" in claims):
        raise RuleViolation("9.3", "failed must not follow passed in a registration", sid)
    if verb == vocab.TERMINATED and state.last_at is not None and timestamp < state.last_at:
        raise RuleViolation(
            "9.3.8", "terminated must be the last statement; its timestamp is before an earlier one", sid
        )
    check_result(launch, statement, verb, name)


def check_result(launch: Launch, statement: dict, verb: str, name: str) -> None:
    """Score, success, completion, duration and progress (9.5), masteryScore (9.5.1, 9.6.3.2)."""
    sid = statement["id"]
    result = statement.get("result") or {}
    score = result.get("score")
    if score is not None:
        if verb not in (vocab.PASSED, vocab.FAILED):
            raise RuleViolation("9.5.1", f"only passed and failed may carry a score, not {name}", sid)
        check_score(score, sid)
    expected_success = {vocab.PASSED: True, vocab.FAILED: False}.get(verb)
    if expected_success is None and "success" in result:
        raise RuleViolation("9.5.2", f"{name} statements must not include result.success", sid)
    if expected_success is not None and result.get("success") is not expected_success:
        raise RuleViolation("9.5.2", f"{name} statements need result.success {str(expected_success).lower()}", sid)
    if verb == vocab.COMPLETED and result.get("completion") is not True:
        raise RuleViolation("9.5.3", "completed statements need result.completion true", sid)
    if verb != vocab.COMPLETED and "completion" in result:
        raise RuleViolation("9.5.3", f"{name} statements must not include result.completion", sid)
    if verb in DURATION_VERBS and "duration" not in result:
        raise RuleViolation("9.5.4.1", f"{name} statements need result.duration", sid)
    if verb in (vocab.PASSED, vocab.FAILED):
        check_mastery(launch, statement, verb, sid)


def check_progress(statement: dict) -> None:
    """9.5.5.1, in any statement of the AU: libraries send progress in cmi5 allowed ones."""
    progress = ((statement.get("result") or {}).get("extensions") or {}).get(vocab.EXT_PROGRESS)
    if progress is not None and (type(progress) is not int or not 0 <= progress <= 100):
        raise RuleViolation("9.5.5.1", "the progress extension is an integer from 0 to 100", statement["id"])


def check_score(score: dict, sid: str) -> None:
    scaled = score.get("scaled")
    if scaled is not None and not 0 <= scaled <= 1:
        raise RuleViolation("9.5.1", "score.scaled must be from 0 to 1", sid)
    for key in ("raw", "min", "max"):
        value = score.get(key)
        if value is not None and (isinstance(value, bool) or not float(value).is_integer()):
            raise RuleViolation("9.5.1", f"score.{key} must be an integer", sid)
    if "raw" in score:
        if "min" not in score or "max" not in score:
            raise RuleViolation("9.5.1", "score.raw needs score.min and score.max", sid)
        if not score["min"] <= score["raw"] <= score["max"]:
            raise RuleViolation("9.5.1", "score.raw must be between score.min and score.max", sid)


def check_mastery(launch: Launch, statement: dict, verb: str, sid: str) -> None:
    extensions = (statement.get("context") or {}).get("extensions") or {}
    score = (statement.get("result") or {}).get("score")
    if score is not None and launch.mastery_score is not None and vocab.EXT_MASTERY_SCORE not in extensions:
        raise RuleViolation(
            "9.6.3.2",
            f"a {vocab.VERB_NAMES[verb]} statement with a score carries the masteryScore extension "
            f"({launch.mastery_score}, from the launch)",
            sid,
        )
    if vocab.EXT_MASTERY_SCORE in extensions:
        if launch.mastery_score is None:
            raise RuleViolation(
                "9.6.3.2", "the masteryScore extension is used, but the launch has no masteryScore", sid
            )
        if extensions[vocab.EXT_MASTERY_SCORE] != launch.mastery_score:
            raise RuleViolation(
                "9.6.3.2", f"the masteryScore extension must be the launch's masteryScore {launch.mastery_score}", sid
            )
    scaled = (score or {}).get("scaled")
    if launch.mastery_score is None or scaled is None:
        return
    if verb == vocab.PASSED and scaled < launch.mastery_score:
        raise RuleViolation("9.3.4", f"passed needs score.scaled at least the masteryScore {launch.mastery_score}", sid)
    if verb == vocab.FAILED and scaled >= launch.mastery_score:
        raise RuleViolation("9.3.5", f"failed needs score.scaled below the masteryScore {launch.mastery_score}", sid)
