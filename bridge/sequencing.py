"""SCORM 2004 sequencing on the server: keep the course's sequencing state and hand the course
from one SCO to the next. No HTTP here.

Sequencing runs in the learner's browser: the player loads scorm-again's sequencing engine with
the activity tree of the manifest (`bridge.imsss`), and the engine decides what a navigation
request (continue, previous, choice, exit, suspendAll, ...) delivers. Each SCO is a cmi5 AU, so
each delivery is a cmi5 launch of that AU in the same registration, made here with the LMS's
authority, and the player then opens the new launch's URL. Between two players, and between two
visits (suspend and resume of the whole course), the engine's state (attempts, statuses, global
objectives, the suspended activity) waits in one State document of the course's activity for
the registration, `LMS.ScormSequencing`; Browse and Review sessions use their own document, seeded
from the learner's, so they never change it.

The document names the session it belongs to: the one whose player wrote it last, or the one it
was handed to. A session launched earlier than that one may no longer write it (a stale tab would
roll the course back); a later one, launched by the LMS, takes it over. Writes are conditional
(If-Match), so two writers are applied one after the other. The engine's state itself is the
learner's own business: like the SCO's data, it is kept as the player sends it (within a size
cap), and only the launch of a SCO of the same package is allowed.
"""

from __future__ import annotations

import json
import logging

from bridge import vocab
from bridge.attempts2004 import SCORM_2004
from bridge.errors import SessionSuperseded
from bridge.packages import get_package
from bridge.runtime import MAX_ATTEMPTS, Runtime, launched_at, start_session
from cmi5.sessions import Lms, Urls, get_session, launch
from lrs.datatypes import as_utc, is_timestamp, parse_timestamp
from lrs.documents.service import Preconditions, get_document, parse_json_object, put_document, state_place
from lrs.errors import BadRequest, NotFound, PreconditionFailed, ServiceUnavailable
from lrs.ifi import identified_key
from lrs.statements.service import format_timestamp

log = logging.getLogger(__name__)
JSON = "application/json"
# scorm-again's serialized state grows with the activity tree (about 4 KB per activity); a
# course of a few hundred activities stays well below.
MAX_STATE_CHARACTERS = 4 * 1024 * 1024
REQUEST_FIELDS = {"auth", "state", "deliver", "endpoint"}


def place_of(rt: Runtime):  # a Place of lrs.documents.store, which the bridge does not import
    # The learner of a cmi5 registration is an Agent with an account (cmi5 9.2).
    return state_place(rt.launch.course_activity, identified_key(rt.session["actor"]), rt.session["registration"])


def state_id(rt: Runtime) -> str:
    return vocab.SEQUENCING_STATE_ID if rt.launch.normal else vocab.SEQUENCING_REVIEW_STATE_ID


async def read_document(rt: Runtime, document_id: str) -> tuple[dict | None, str | None]:
    try:
        document = await get_document(rt.database, place_of(rt), document_id)
    except NotFound:
        return None, None
    found = parse_json_object(document.content)
    if not (
        isinstance(found, dict)
        and isinstance(found.get("state"), str)
        and isinstance(found.get("session"), str)
        and is_timestamp(found.get("launchedAt"))
    ):
        log.warning(
            "unreadable %s for registration %s; the course starts afresh", document_id, rt.session["registration"]
        )
        return None, document.etag
    return found, document.etag


async def start_player(rt: Runtime, content_base: str) -> dict:
    """What a player needs before the SCO initializes; for SCORM 2004, with the sequencing."""
    started = await start_session(rt, content_base)
    if rt.model is SCORM_2004:
        started["sequencing"] = await sequencing_start(rt)
    return started


async def sequencing_start(rt: Runtime) -> dict:
    """What the player's engine starts from: the activity tree, the state it was left in, and
    whether it was handed to this very session (then it delivers this SCO without asking)."""
    package = await get_package(rt.database, rt.package)
    found, _ = await read_document(rt, state_id(rt))
    if not rt.launch.normal and (found is None or found["session"] != rt.launch.session):
        # A Browse or Review visit the LMS launched starts from where the learner is.
        found, _ = await read_document(rt, vocab.SEQUENCING_STATE_ID)
        if found is not None:
            found = {**found, "session": ""}
    return {
        "tree": package.get("activity_tree"),
        "state": found["state"] if found else None,
        "handedOver": found is not None and found["session"] == rt.launch.session,
        "item": rt.sco["identifier"],
    }


def check_owner(rt: Runtime, found: dict | None) -> None:
    if found is None or found["session"] == rt.launch.session:
        return
    if launched_at(rt) < parse_timestamp(found["launchedAt"]):
        raise SessionSuperseded(
            "a newer launch of this course holds its sequencing state; this player can no longer navigate"
        )


def parse_request(body: object) -> tuple[str, str | None]:
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    unknown = sorted(set(body) - REQUEST_FIELDS)
    if unknown:
        raise BadRequest(f"{unknown[0]}: not a property of a sequencing request")
    state = body.get("state")
    if not isinstance(state, str) or not state:
        raise BadRequest("state: must be the sequencing engine's serialized state")
    if len(state) > MAX_STATE_CHARACTERS:
        raise BadRequest(f"state: holds {len(state)} characters; at most {MAX_STATE_CHARACTERS} are kept")
    deliver = body.get("deliver")
    if deliver is not None and (not isinstance(deliver, str) or not deliver):
        raise BadRequest("deliver: must be the identifier of an item of the package")
    return state, deliver


async def deliver_sco(rt: Runtime, lms: Lms, urls: Urls, item: str) -> dict:
    """Launch the AU of the package's SCO `item` in this registration, as this session was launched."""
    package = await get_package(rt.database, rt.package)
    sco = next((s for s in package["scos"] if s["identifier"] == item), None)
    if sco is None:
        raise BadRequest(f"deliver: {item!r} is not a launchable item of this package")
    request = {"au": sco["au"], "launchMode": rt.session["launch_mode"]}
    if rt.session.get("return_url"):
        request["returnURL"] = rt.session["return_url"]
    return await launch(lms, rt.session["registration"], request, urls)


async def save_sequencing(rt: Runtime, lms: Lms, urls: Urls, body: object) -> dict:
    """Keep the engine's state; with `deliver`, launch that SCO and hand the state to its session."""
    state, deliver = parse_request(body)
    document_id = state_id(rt)
    found, etag = await read_document(rt, document_id)
    check_owner(rt, found)
    launched = await deliver_sco(rt, lms, urls, deliver) if deliver else None
    owner, owner_launched = rt.launch.session, launched_at(rt)
    if launched:
        session = await get_session(rt.database, launched["session"])
        owner, owner_launched = session["_id"], as_utc(session["launched_at"])
    content = {"state": state, "session": owner, "launchedAt": format_timestamp(owner_launched)}
    for _ in range(MAX_ATTEMPTS):
        preconditions = Preconditions(if_match=[etag]) if etag else Preconditions(if_none_match=["*"])
        try:
            await put_document(
                rt.database, place_of(rt), document_id, json.dumps(content).encode(), JSON, preconditions
            )
            break
        except PreconditionFailed:
            found, etag = await read_document(rt, document_id)
            if not launched:
                check_owner(rt, found)
    else:
        raise ServiceUnavailable(
            "the course's sequencing state changed concurrently too often; try again", **{"Retry-After": "1"}
        )
    return {"saved": True, **({"url": launched["url"], "session": launched["session"]} if launched else {})}
