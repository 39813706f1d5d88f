"""The SCORM run-time on the server: start a session, apply commits. No HTTP here.

Callers authenticate with the cmi5 auth token of the launch; its session says which SCO,
learner, registration and launch mode this is. The attempt record (`bridge.attempts`) is one
State document of the SCO's activity for the registration, written only on the version that was
read (If-Match), so concurrent commits are applied one after the other and a repeated or late
commit (sequence not above the last one applied) changes nothing. Statements made by a commit are
written into that document's outbox in the same write, then stored; a later commit (or its
repeat) stores whatever a crash left there, skipping those already stored. The profile's own
documents (attempt state, suspend data, activity state) are written from the record after it.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bridge import vocab
from bridge.attempts import SCORM_12, Commit, Facts, Model, SnapshotT, apply_commit, is_current, total_time_iso
from bridge.attempts2004 import SCORM_2004
from bridge.errors import RuntimeDataError, SessionSuperseded
from bridge.packages import find_package_sco
from bridge.statements import Launch
from cmi5.auth import SessionPolicy
from cmi5.preferences import read_learner_preferences
from cmi5.sessions import registration_status
from lrs.auth.principal import Principal
from lrs.datatypes import as_utc, parse_timestamp
from lrs.db import Database
from lrs.documents.service import Preconditions, get_document, parse_json_object, put_document, state_place
from lrs.errors import Forbidden, LRSError, NotFound, PreconditionFailed, ServiceUnavailable
from lrs.hooks import StatementHook
from lrs.ifi import identified_key
from lrs.statements.service import get_statement, store_statements

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 30
JSON = "application/json"


@dataclass(frozen=True)
class Runtime:
    """One launched SCO as its auth token sees it."""

    database: Database
    hooks: list[StatementHook]
    principal: Principal
    session: dict  # the cmi5 session
    package: str  # the package's id
    sco: dict
    launch: Launch
    model: Model[Any] = SCORM_12  # the edition's data model
    edition: str = "1.2"

    @property
    def place(self):  # a Place of lrs.documents.store, which the bridge does not import
        # The learner of a cmi5 registration is an Agent with an account (cmi5 9.2).
        return state_place(
            self.session["activity_id"], identified_key(self.session["actor"]), self.session["registration"]
        )


async def runtime_for(database: Database, hooks: list[StatementHook], principal: Principal) -> Runtime:
    policy = principal.policy
    if not isinstance(policy, SessionPolicy):
        raise Forbidden("the SCORM run-time is reached with the auth token of a cmi5 launch")
    session = policy.session
    au = session["au_snapshot"]
    found = await find_package_sco(database, session["course"], au["id"])
    if found is None:
        raise NotFound(f"AU {au['id']} is not a SCO of an imported SCORM package")
    package, sco = found
    launch = Launch(
        session=session["_id"],
        registration=session["registration"],
        actor=session["actor"],
        au=au,
        context_template=session["context_template"],
        course_activity=package["course_activity_id"],
        launch_mode=session["launch_mode"],
        mastery_score=session["mastery_score"],
        sco=sco,
        course_iri=package.get("iri", ""),
    )
    edition = package.get("edition", "1.2")
    model: Model[Any] = SCORM_12 if edition == "1.2" else SCORM_2004
    return Runtime(database, hooks, principal, session, package["_id"], sco, launch, model, edition)


# --- the attempt record -----------------------------------------------------------------------


async def read_record(rt: Runtime) -> tuple[dict, str | None]:
    try:
        document = await get_document(rt.database, rt.place, vocab.RUNTIME_STATE_ID)
    except NotFound:
        return rt.model.new_record(), None
    record = parse_json_object(document.content)
    if not rt.model.is_record(record):
        # The launch's token may write this document too: what it left is not trusted.
        log.warning("unreadable %s for session %s; starting afresh", vocab.RUNTIME_STATE_ID, rt.launch.session)
        return rt.model.new_record(), document.etag
    record.setdefault("outbox", [])
    return record, document.etag


async def write_record(rt: Runtime, record: dict, etag: str | None) -> str:
    """Write on the version read (If-Match), or only if still absent; PreconditionFailed otherwise."""
    preconditions = Preconditions(if_match=[etag]) if etag else Preconditions(if_none_match=["*"])
    return await put_document(
        rt.database, rt.place, vocab.RUNTIME_STATE_ID, json.dumps(record).encode(), JSON, preconditions
    )


def check_current(rt: Runtime, record: dict) -> None:
    """A session that a newer launch replaced may neither start nor commit (it would roll back)."""
    if rt.session.get("status") == "abandoned":
        raise SessionSuperseded("this SCO session was abandoned (the SCO was launched again)")
    current = record.get("session")
    if current and current["id"] != rt.launch.session and launched_at(rt) <= parse_timestamp(current["launchedAt"]):
        raise SessionSuperseded("a newer launch of this SCO is running; this session can no longer commit")


def launched_at(rt: Runtime) -> datetime:
    return as_utc(rt.session["launched_at"])


# --- start and commit -------------------------------------------------------------------------


async def start_session(rt: Runtime, content_base: str) -> dict:
    """What the player needs before LMSInitialize. Reads only: the first commit writes."""
    record, _ = await read_record(rt)
    check_current(rt, record)
    # cmi5 11: an AU reads its learner's preferences at start (its initialized is refused until
    # then). SCORM 1.2 keeps cmi.student_preference per attempt, so they are not applied to it.
    await read_learner_preferences(rt.database, rt.session)
    record = rt.model.begin_session(record, rt.launch, launched_at(rt))
    session = record["session"]
    return {
        "edition": rt.edition,
        "cmi": rt.model.initial_cmi(record, rt.launch, rt.sco),
        "launch": f"{content_base}/scorm/content/{rt.package}/{rt.sco['launch']}",
        "title": rt.sco["title"],
        "sequence": session["sequence"],
        "initialized": bool(session["initializedAt"]),
        "finished": session["finished"],
    }


def parse_commit(body: object, model: Model[SnapshotT]) -> Commit[SnapshotT]:
    model.check_commit(body)
    if not isinstance(body, dict):  # the schema refused it already; this tells mypy
        raise RuntimeDataError("body", "must be of type object", vocab.ERROR_GENERAL)
    event = body.get("event", "commit")
    snapshot = None if event == "initialize" and "cmi" not in body else model.parse_snapshot(body.get("cmi"))
    return Commit(body["sequence"], event, snapshot, tuple(body.get("statuses") or ()))


async def registration_facts(rt: Runtime) -> Facts:
    status = await registration_status(rt.database, rt.launch.registration)
    entry: dict[str, Any] = next((a for a in status["aus"] if a["id"] == rt.launch.au["id"]), {})
    return Facts(completed=bool(entry.get("completed")), passed=bool(entry.get("passed")))


async def commit(rt: Runtime, body: object) -> dict:
    request = parse_commit(body, rt.model)
    for _ in range(MAX_ATTEMPTS):
        record, etag = await read_record(rt)
        check_current(rt, record)
        record = rt.model.begin_session(record, rt.launch, launched_at(rt))
        session = record["session"]
        if request.sequence <= session["sequence"] or session["finished"]:
            await flush_outbox(rt, record, etag)
            return {"result": "true", "errorCode": 0, "applied": False}
        facts = await registration_facts(rt) if rt.model.needs_facts(record, rt.launch, request) else Facts()
        updated, statements = apply_commit(record, rt.launch, request, datetime.now(UTC), facts, rt.model)
        updated["outbox"] = [*record.get("outbox", []), *statements]
        try:
            etag = await write_record(rt, updated, etag)
        except PreconditionFailed:
            continue  # another commit of this SCO got there first: judge this one again
        if rt.launch.normal:
            await write_profile_documents(rt, updated)
        await flush_outbox(rt, updated, etag)
        return {"result": "true", "errorCode": 0, "applied": True}
    raise ServiceUnavailable("the SCO's attempt changed concurrently too often; commit again", **{"Retry-After": "1"})


# --- storing the outbox -----------------------------------------------------------------------


async def is_stored(rt: Runtime, statement_id: str) -> bool:
    try:
        await get_statement(rt.database, rt.principal, statement_id, False, "ids", None, False)
        return True
    except NotFound:
        return False


async def store_pending(rt: Runtime, statements: list[dict]) -> None:
    if not statements:
        return
    try:
        await store_statements(rt.database, rt.hooks, rt.principal, copy.deepcopy(statements))
        return
    except LRSError as error:
        if len(statements) == 1:
            log.warning(
                "statement %s of SCO session %s not stored: %s", statements[0]["id"], rt.launch.session, error.detail
            )
            return
    for statement in statements:  # keep what the rules accept when one statement of the batch is refused
        await store_pending(rt, [statement])


async def flush_outbox(rt: Runtime, record: dict, etag: str | None) -> None:
    """Store the outbox of `record` (stored as version `etag`) and empty it; when another commit
    wrote meanwhile, again from what it wrote."""
    for _ in range(MAX_ATTEMPTS):
        outbox = record.get("outbox") or []
        if not outbox or etag is None:
            return
        await store_pending(rt, [s for s in outbox if not await is_stored(rt, s["id"])])
        try:
            await write_record(rt, {**record, "outbox": []}, etag)
            return
        except PreconditionFailed:
            record, etag = await read_record(rt)


# --- the profile's documents ------------------------------------------------------------------


async def write_profile_documents(rt: Runtime, record: dict) -> None:
    """Attempt state, suspend data and activity state (profile appendix), from the latest record.

    Written after the record; if another commit wrote a newer record meanwhile, they are
    written again from that one, so the last writer always leaves the newest values.
    """
    for _ in range(MAX_ATTEMPTS):
        attempt = record["attempt"]
        documents = {
            vocab.ATTEMPT_STATE_ID: (
                json.dumps(
                    {
                        "credit": attempt["credit"],
                        "mode": attempt["mode"],
                        "location": attempt["location"],
                        "total_time": total_time_iso(attempt),
                    }
                ).encode(),
                JSON,
            ),
            vocab.SUSPEND_DATA_STATE_ID: (attempt["suspendData"].encode(), "text/plain; charset=utf-8"),
            vocab.ACTIVITY_STATE_ID: (
                json.dumps(
                    {
                        "attempts": [rt.launch.attempt_iri(a) for a in attempt["attempts"]],
                    }
                ).encode(),
                JSON,
            ),
        }
        for state_id, (content, content_type) in documents.items():
            await put_document(rt.database, rt.place, state_id, content, content_type, Preconditions())
        latest, _ = await read_record(rt)
        if latest["attempt"] == attempt or not is_current(latest, rt.launch.session):
            return
        record = latest
