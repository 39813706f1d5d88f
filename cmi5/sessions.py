"""Registrations and AU sessions: register, launch, fetch, abandon, waive, report. No HTTP here.

The statements the LMS makes go through `lrs.statements.service.store_statements` under the
LMS principal, so they are validated, hooked and stored like any other.
"""

from __future__ import annotations

import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from cmi5 import store, vocab
from cmi5.auth import hash_secret, make_token, new_secret, token_usable
from cmi5.courses import course_target, find_au, get_course
from cmi5.launch import content_url, launch_data, launch_url
from cmi5.moveon import evaluate, newly_satisfied_order
from cmi5.statements import abandoned, context_template, launched, satisfied, waived
from lrs.auth.principal import Principal
from lrs.datatypes import is_uuid
from lrs.db import Database
from lrs.documents.service import Preconditions, put_document
from lrs.documents.store import STATE, Place
from lrs.errors import BadRequest, Conflict, NotFound
from lrs.hooks import StatementHook
from lrs.ifi import identified_key, ifi_key
from lrs.statements.service import format_timestamp, store_statements
from lrs.statements.validate import validate_agent

LAUNCH_FIELDS = {"au", "launchMode", "returnURL"}
# returnURL and a waiver's reason are kept in the session and registration documents (16 MiB
# each, and a registration holds every AU's waiver); a longer value is refused before any write.
MAX_TEXT_LENGTH = 8192


@dataclass(frozen=True)
class Lms:
    """What the LMS side needs to write: the database, the statement hooks, its own principal."""

    database: Database
    hooks: list[StatementHook]
    principal: Principal


@dataclass(frozen=True)
class Urls:
    """Where the AU reaches us: the xAPI endpoint's base, the fetch base and the content base."""

    base: str
    content: str


def now() -> datetime:
    return datetime.now(UTC)


def require_object(body: object, allowed: set[str], required: set[str]) -> dict:
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r}; allowed are {', '.join(sorted(allowed))}")
    missing = sorted(required - set(body))
    if missing:
        raise BadRequest(f"field {missing[0]!r} is required")
    return body


def check_length(value: str, name: str) -> str:
    if len(value) > MAX_TEXT_LENGTH:
        raise BadRequest(f"{name}: must be at most {MAX_TEXT_LENGTH} characters")
    return value


def check_learner(actor: object) -> dict:
    """cmi5 9.2: an Agent identified by an account."""
    agent = validate_agent(actor, "actor")
    if agent.get("objectType", "Agent") != "Agent":
        raise BadRequest("actor: must be an Agent (cmi5 9.2)")
    account = agent.get("account")
    if not isinstance(account, dict) or set(agent) & {"mbox", "mbox_sha1sum", "openid"}:
        raise BadRequest("actor: must be identified by an account, and by nothing else (cmi5 9.2)")
    return {"objectType": "Agent", **agent}


# --- registrations --------------------------------------------------------------------------


async def create_registration(lms: Lms, body: object) -> tuple[str, bool]:
    """The registration's id, and whether it was made now (False: it existed for this course and learner)."""
    body = require_object(body, {"course", "actor", "registration"}, {"course", "actor"})
    if not isinstance(body["course"], str):
        raise BadRequest("course: must be a course id")
    course = await get_course(lms.database, body["course"])
    actor = check_learner(body["actor"])
    registration = parse_registration_id(body["registration"]) if "registration" in body else str(uuid.uuid4())
    document = {
        "_id": registration,
        "course": course["_id"],
        "actor": actor,
        "actor_key": ifi_key(actor),
        "created": now(),
        store.AUS: {},
        store.SATISFIED_BLOCKS: [],
        store.COURSE_SATISFIED: False,
    }
    if not await store.insert_registration(lms.database, document):
        existing = await get_registration(lms.database, registration)
        if existing["course"] != course["_id"] or existing["actor_key"] != document["actor_key"]:
            raise Conflict(f"registration {registration} exists for another course or learner")
        # Made by an earlier call (perhaps one racing this one), which evaluates moveOn itself.
        return registration, False
    # cmi5 9.6.1: moveOn is evaluated at registration (NotApplicable AUs are satisfied now),
    # under a session id of its own since no AU session triggers it.
    await apply_move_on(lms, registration, course, str(uuid.uuid4()))
    return registration, True


def parse_registration_id(value: object) -> str:
    """An LMS's own registration id: a UUID (xAPI's registration type), kept in lower case."""
    if not is_uuid(value):
        raise BadRequest("registration: must be a UUID (8-4-4-4-12 hexadecimal digits)")
    return value.lower()


async def get_registration(database, registration: str) -> dict:
    document = await store.find_registration(database, registration.lower())
    if document is None:
        raise NotFound(f"no registration {registration}")
    return document


async def apply_move_on(lms: Lms, registration_id: str, course: dict, session_id: str) -> None:
    """Store a satisfied statement for each block and the course newly satisfied (once each)."""
    registration = await get_registration(lms.database, registration_id)
    structure = course["structure"]
    result = evaluate(structure, store.registration_facts(registration))
    fresh = set(result.blocks) - set(registration.get(store.SATISFIED_BLOCKS) or ())
    statements = []
    for block in newly_satisfied_order(structure, fresh):
        if await store.update_block_satisfied(lms.database, registration_id, block):
            statements.append(
                satisfied(
                    registration["actor"],
                    structure["blocks"][block],
                    vocab.TYPE_BLOCK,
                    registration_id,
                    session_id,
                    now(),
                )
            )
    if (
        result.course
        and not registration.get(store.COURSE_SATISFIED)
        and await store.update_course_satisfied(lms.database, registration_id)
    ):
        statements.append(
            satisfied(
                registration["actor"], course_target(course), vocab.TYPE_COURSE, registration_id, session_id, now()
            )
        )
    if statements:
        await store_statements(lms.database, lms.hooks, lms.principal, statements)


# --- launch and fetch -----------------------------------------------------------------------


def au_snapshot(au: dict) -> dict:
    """What a session keeps of its AU (for its statements, even if nothing else is read)."""
    keys = (
        "id",
        "index",
        "activityId",
        "title",
        "description",
        "activityType",
        "moveOn",
        "masteryScore",
        "launchParameters",
        "entitlementKey",
    )
    return {key: au.get(key) for key in keys}


async def launch(lms: Lms, registration_id: str, body: object, urls: Urls) -> dict:
    body = require_object(body, LAUNCH_FIELDS, {"au"})
    launch_mode = body.get("launchMode", "Normal")
    if launch_mode not in vocab.LAUNCH_MODES:
        raise BadRequest(f"launchMode: must be one of {', '.join(vocab.LAUNCH_MODES)}")
    return_url = body.get("returnURL")
    if return_url is not None and (not isinstance(return_url, str) or not return_url.strip()):
        raise BadRequest("returnURL: must be a URL")
    if return_url is not None:
        check_length(return_url, "returnURL")
    registration = await get_registration(lms.database, registration_id)
    registration_id = registration["_id"]
    course = await get_course(lms.database, registration["course"])
    au = find_au(course, body["au"])
    actor = registration["actor"]
    session_id = str(uuid.uuid4())
    fetch_secret = new_secret()
    template = context_template(au, session_id)
    au_url = content_url(urls.content, course["_id"], au["url"]) if au["packaged"] else au["url"]
    launched_at = now()
    await store.insert_session(
        lms.database,
        {
            "_id": session_id,
            "registration": registration_id,
            "course": course["_id"],
            "au": au["index"],
            "activity_id": au["activityId"],
            "actor": actor,
            "launch_mode": launch_mode,
            "mastery_score": au["masteryScore"],
            "context_template": template,
            "au_snapshot": au_snapshot(au),
            "launched_at": launched_at,
            store.FETCH_HASH: hash_secret(fetch_secret),
            store.TOKEN_HASH: None,
            "return_url": return_url,
        },
    )
    # The new session replaces the AU's open one atomically; that one is abandoned (9.3.6).
    previous = await store.update_current_session(lms.database, registration_id, au["index"], session_id)
    if previous:
        await abandon_session(lms, previous)
    document = launch_data(template, launch_mode, au, return_url)
    place = Place(STATE, activity_id=au["activityId"], agent=identified_key(actor), registration=registration_id)
    await put_document(
        lms.database,
        place,
        vocab.LAUNCH_DATA_STATE_ID,
        json.dumps(document).encode(),
        "application/json",
        Preconditions(),
    )
    statement = launched(actor, au, registration_id, session_id, launch_mode, au_url, launched_at)
    await store_statements(lms.database, lms.hooks, lms.principal, [statement])
    fetch = f"{urls.base}/cmi5/fetch/{session_id}/{fetch_secret}"
    url = launch_url(au_url, f"{urls.base}/xapi", fetch, actor, registration_id, au["activityId"])
    return {"url": url, "session": session_id, "launchMethod": au["launchMethod"]}


async def fetch_token(database, session_id: str, secret: str) -> dict:
    """cmi5 8.2: the auth-token once; error-code 1 after that or once the session ended; 2 if unknown."""
    session = await store.find_session(database, session_id)
    if session is None or not hmac.compare_digest(session[store.FETCH_HASH], hash_secret(secret)):
        return fetch_error(vocab.FETCH_SECURITY_ERROR, "this fetch URL is not known")
    if session[store.TOKEN_HASH] is not None:
        return fetch_error(vocab.FETCH_ALREADY_USED, "the authorization token has already been returned")
    if not token_usable(session, now()) or session[store.STATUS] in ("terminated", "abandoned"):
        return fetch_error(vocab.FETCH_ALREADY_USED, "the AU session has ended")
    secret = new_secret()
    if not await store.update_session_fetched(
        database, session_id, session[store.FETCH_HASH], hash_secret(secret), now()
    ):
        return fetch_error(vocab.FETCH_ALREADY_USED, "the authorization token has already been returned")
    return {"auth-token": make_token(session_id, secret)}


def fetch_error(code: str, text: str) -> dict:
    return {"error-code": code, "error-text": text}


# --- abandon and waive ----------------------------------------------------------------------


async def abandon_session(lms: Lms, session_id: str) -> bool:
    """Abandon an open session and record it (9.3.6); false when it had ended already."""
    ended = now()
    before = await store.update_session_abandoned(lms.database, session_id, ended)
    if before is None:
        return False
    state = store.state_from_document(before[store.STATE])
    # Without better knowledge: from the launch to the AU's last statement (9.5.4.2).
    last = state.last_at or before["launched_at"]
    statement = abandoned(
        before["actor"], before["au_snapshot"], before["registration"], session_id, last - before["launched_at"], ended
    )
    await store_statements(lms.database, lms.hooks, lms.principal, [statement])
    await store.update_registration_progress(
        lms.database, before["registration"], before["au"], None, (last - before["launched_at"]).total_seconds()
    )
    return True


async def abandon(lms: Lms, registration_id: str, body: object) -> dict:
    """Abandon the open session of an AU of a registration."""
    body = require_object(body, {"au"}, {"au"})
    registration = await get_registration(lms.database, registration_id)
    course = await get_course(lms.database, registration["course"])
    au = find_au(course, body["au"])
    session_id = store.registration_au(registration, au["index"]).get("session")
    if not session_id or not await abandon_session(lms, session_id):
        raise Conflict(f"AU {au['id']} has no open session in registration {registration['_id']}")
    return {"session": session_id, "status": "abandoned", "registration": registration["_id"], "au": au["id"]}


async def abandon_by_id(lms: Lms, session_id: str) -> dict:
    """Abandon a session by the id its launch returned; 409 once it has ended."""
    session = await get_session(lms.database, session_id)
    if not await abandon_session(lms, session["_id"]):
        raise Conflict(f"session {session['_id']} has ended already ({session[store.STATUS]})")
    return {
        "session": session["_id"],
        "status": "abandoned",
        "registration": session["registration"],
        "au": session["au_snapshot"]["id"],
    }


async def waive(lms: Lms, registration_id: str, body: object) -> dict:
    body = require_object(body, {"au", "reason"}, {"au", "reason"})
    reason = body["reason"]
    if not isinstance(reason, str) or not reason.strip():
        raise BadRequest(f"reason: must be a non-empty string, such as one of {', '.join(vocab.WAIVE_REASONS)}")
    reason = check_length(reason.strip(), "reason")
    registration = await get_registration(lms.database, registration_id)
    registration_id = registration["_id"]
    course = await get_course(lms.database, registration["course"])
    au = find_au(course, body["au"])
    # 9.3.7: a session id of its own, used only by this waived and the satisfied it triggers.
    session_id = str(uuid.uuid4())
    statement = waived(registration["actor"], au, registration_id, session_id, reason, now())
    recorded = {"reason": reason, "session": session_id, "statement": statement["id"], "at": now()}
    if not await store.update_waived(lms.database, registration_id, au["index"], recorded):
        raise Conflict(f"AU {au['id']} was already waived in registration {registration_id}")
    await store_statements(lms.database, lms.hooks, lms.principal, [statement])
    await apply_move_on(lms, registration_id, course, session_id)
    return {"session": session_id, "statement": statement["id"]}


# --- reporting ------------------------------------------------------------------------------


def render_time(moment: datetime | None) -> str | None:
    return format_timestamp(moment) if moment else None


def render_session(session: dict) -> dict:
    state = store.state_from_document(session[store.STATE])
    return {
        "id": session["_id"],
        "status": session[store.STATUS],
        "launchMode": session["launch_mode"],
        "launchedAt": render_time(session["launched_at"]),
        "initializedAt": render_time(state.initialized_at),
        "terminatedAt": render_time(state.terminated_at),
        "abandonedAt": render_time(session.get("ended_at")) if state.abandoned else None,
        # The token's hash is never read for reports; the time it was fetched says the same.
        "tokenFetched": session.get(store.FETCHED_AT) is not None,
        "fetchedAt": render_time(session.get(store.FETCHED_AT)),
        "learnerPreferencesRead": state.preferences_read,
    }


async def get_session(database, session_id: str) -> dict:
    session = await store.find_session(database, session_id.lower()) if is_uuid(session_id) else None
    if session is None:
        raise NotFound(f"no session {session_id}")
    return session


async def session_status(database, session_id: str) -> dict:
    """One session as `GET /cmi5/sessions/{id}` shows it: its registration, AU and state."""
    session = await get_session(database, session_id)
    return {
        **render_session(session),
        "registration": session["registration"],
        "course": session["course"],
        "au": session["au_snapshot"]["id"],
        "activityId": session["activity_id"],
    }


def aus_in_block(structure: dict, block: int) -> list[int]:
    found: list[int] = []
    for member in structure["blocks"][block]["children"]:
        found += [member["au"]] if "au" in member else aus_in_block(structure, member["block"])
    return found


async def registration_status(database, registration_id: str) -> dict:
    registration = await get_registration(database, registration_id)
    course = await get_course(database, registration["course"])
    structure = course["structure"]
    facts = store.registration_facts(registration)
    result = evaluate(structure, facts)
    sessions: dict[int, list[dict]] = {}
    for session in await store.find_sessions(database, registration["_id"]):
        sessions.setdefault(session["au"], []).append(render_session(session))
    aus = []
    for au in structure["aus"]:
        entry = store.registration_au(registration, au["index"])
        waiver = entry.get("waived")
        aus.append(
            {
                "id": au["id"],
                "activityId": au["activityId"],
                "moveOn": au["moveOn"],
                "completed": bool(entry.get("completed")),
                "passed": bool(entry.get("passed")),
                "failed": bool(entry.get("failed")),
                "waived": bool(waiver),
                "waiveReason": waiver["reason"] if waiver else None,
                "satisfied": au["index"] in result.aus,
                "sessions": sessions.get(au["index"], []),
            }
        )
    blocks = []
    for block in structure["blocks"]:
        # A block is completed, passed or waived when every AU in it (at any depth) is.
        inside = [aus[i] for i in aus_in_block(structure, block["index"])]
        blocks.append(
            {
                "id": block["id"],
                "activityId": block["activityId"],
                **{key: all(entry[key] for entry in inside) for key in ("completed", "passed", "waived")},
                "satisfied": block["index"] in result.blocks,
            }
        )
    return {
        "registration": registration["_id"],
        "course": course["_id"],
        "actor": registration["actor"],
        "satisfied": result.course,
        "aus": aus,
        "blocks": blocks,
    }
