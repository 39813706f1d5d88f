"""Launch tokens (cmi5 8.2): who they authenticate and what they allow.

The auth-token an AU gets from its fetch URL is `base64("cmi5-<session id>:<secret>")`, used as
HTTP Basic. Only a SHA-256 of the secret is stored (the secret is 256 random bits, so a plain
hash is enough). A token authenticates while its session is open, and for a short grace after
"terminated" or "abandoned" so that the AU's last requests get a 403 naming the rule rather
than a bare 401; then it is refused. `SessionPolicy` limits it to its own actor, registration
and AU (cmi5 6.3, 10, 11).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from cmi5 import preferences, store, vocab
from cmi5.rules import RuleViolation, check_as_sent
from lrs.auth.credentials import DEFAULT_HOMEPAGE
from lrs.auth.principal import Principal
from lrs.auth.service import decode_basic
from lrs.errors import Forbidden
from lrs.ifi import ifi_key
from lrs.keys import database_key

TOKEN_PREFIX = "cmi5-"
ENDED_GRACE = timedelta(seconds=60)
# A session nobody terminates or relaunches stops authenticating after this long.
SESSION_LIFETIME = timedelta(hours=24)
TOKEN_SCOPES = frozenset({"statements/write", "statements/read/mine", "state", "profile"})
LMS_KEY = "cmi5-lms"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def make_token(session_id: str, secret: str) -> str:
    return base64.b64encode(f"{TOKEN_PREFIX}{session_id}:{secret}".encode()).decode()


def lms_principal(homepage: str) -> Principal:
    """The authority of the statements the LMS makes (launched, abandoned, waived, satisfied)."""
    authority = {
        "objectType": "Agent",
        "name": "cmi5 LMS",
        "account": {"homePage": homepage or DEFAULT_HOMEPAGE, "name": LMS_KEY},
    }
    return Principal(key=LMS_KEY, name="cmi5 LMS", scopes=frozenset({"all"}), authority=authority)


def token_principal(session: dict, homepage: str, database) -> Principal:
    # One key per registration and AU: with statements/read/mine the AU reads what it wrote
    # in any of its sessions, and nothing else.
    key = f"cmi5:{session['registration']}:{session['au']}"
    authority = {
        "objectType": "Agent",
        "name": "cmi5 AU launch",
        "account": {"homePage": homepage or DEFAULT_HOMEPAGE, "name": key},
    }
    return Principal(
        key=key,
        name="cmi5 AU launch",
        scopes=TOKEN_SCOPES,
        authority=authority,
        policy=SessionPolicy(session, database),
    )


def session_ended_at(session: dict) -> datetime | None:
    state = session[store.STATE]
    if state.get("abandoned"):
        return session.get("ended_at") or session["launched_at"]
    return state.get("terminated_received")


def token_usable(session: dict, now: datetime) -> bool:
    if now - session["launched_at"] > SESSION_LIFETIME:
        return False
    ended = session_ended_at(session)
    return ended is None or now - ended <= ENDED_GRACE


class TokenAuthenticator:
    """Plugged into `app[authenticators_key]`; returns None for anything not a launch token."""

    def __init__(self, app, homepage: str) -> None:
        self.app = app
        self.homepage = homepage

    async def authenticate(self, token: str) -> Principal | None:
        pair = decode_basic(token)
        if pair is None or not pair[0].startswith(TOKEN_PREFIX):
            return None
        session_id, secret = pair[0][len(TOKEN_PREFIX) :], pair[1]
        session = await store.find_session(self.app[database_key], session_id)
        if session is None or not session.get(store.TOKEN_HASH):
            return None
        if not hmac.compare_digest(session[store.TOKEN_HASH], hash_secret(secret)):
            return None
        if not token_usable(session, datetime.now(UTC)):
            return None
        return token_principal(session, self.homepage, self.app[database_key])


def same_agent(agent: object, actor: dict) -> bool:
    if not isinstance(agent, dict) or agent.get("objectType", "Agent") != "Agent":
        return False
    try:
        return ifi_key(agent) == ifi_key(actor)
    except (KeyError, TypeError, AttributeError):
        return False


class SessionPolicy:
    """What a launch token may do: its own actor, registration and AU, nothing else."""

    def __init__(self, session: dict, database) -> None:
        self.session = session
        self.database = database
        self.actor = session["actor"]
        self.registration = session["registration"]
        self.activity_id = session["activity_id"]

    def check_statements(self, statements: list[dict]) -> None:
        """Before the LRS fills in ids and timestamps: the token's limits, then 9.1 and 9.7."""
        for statement in statements:
            sid = statement.get("id")
            if statement.get("verb", {}).get("id") == vocab.VOIDED:
                raise RuleViolation("6.3", "a cmi5 launch token cannot void statements", sid)
            if not same_agent(statement.get("actor"), self.actor):
                raise RuleViolation("9.2", "a cmi5 launch token only sends statements whose actor is its learner", sid)
            context = statement.get("context") or {}
            if str(context.get("registration", "")).lower() != self.registration:
                raise RuleViolation(
                    "9.6.1", f"context.registration must be the launch's registration {self.registration}", sid
                )
            # No limit on the object: "cmi5 allowed" statements may be about anything (7.1.3: any
            # verb, with the context template, which ties them to the session and AU).
            check_as_sent(statement)

    def check_statement_read(self) -> None:
        """Reads are limited by the token's statements/read/mine scope."""

    async def check_document(self, resource: str, method: str, params: dict) -> None:
        if resource == "state":
            self.check_state(method, params)
        elif resource == "agents/profile":
            if not same_agent(params.get("agent"), self.actor):
                raise Forbidden("a cmi5 launch token only uses its own learner's agent profile (cmi5 11)")
            if params.get("profileId") != vocab.LEARNER_PREFERENCES_PROFILE_ID:
                raise Forbidden(
                    f"a cmi5 launch token only uses the {vocab.LEARNER_PREFERENCES_PROFILE_ID} agent profile (cmi5 11)"
                )
            if method == "DELETE":
                raise RuleViolation(
                    "11.0", f"the AU cannot delete its learner's {vocab.LEARNER_PREFERENCES_PROFILE_ID}"
                )
            if method == "GET":
                await preferences.note_read(self.database, self.session["_id"])
        elif resource == "activities/profile":
            # cmi5 12: an AU may use the Activity Profile resource; its own activity only.
            if params.get("activityId") != self.activity_id:
                raise Forbidden(f"a cmi5 launch token only uses the activity profile of {self.activity_id}")
        else:
            raise Forbidden(f"a cmi5 launch token cannot use {resource}")

    def check_document_content(self, resource: str, params: dict, content: bytes, content_type: str | None) -> None:
        if resource == "agents/profile":
            preferences.check_document(content, content_type)

    def check_state(self, method: str, params: dict) -> None:
        if params.get("activityId") != self.activity_id:
            raise Forbidden(f"a cmi5 launch token only uses the state of its AU activity {self.activity_id}")
        if not same_agent(params.get("agent"), self.actor):
            raise Forbidden("a cmi5 launch token only uses its own learner's state")
        if str(params.get("registration", "")).lower() != self.registration:
            raise Forbidden(f"a cmi5 launch token only uses state with registration {self.registration}")
        state_id = params.get("stateId")
        if method not in ("GET", "HEAD") and state_id in (None, vocab.LAUNCH_DATA_STATE_ID):
            raise Forbidden(f"the AU must not change or delete {vocab.LAUNCH_DATA_STATE_ID} (cmi5 10.2.1)")
