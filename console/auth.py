"""Console sign-in: sessions of a credential with scope `all` or `all/read`, CSRF tokens, and
the limit on failed sign-ins. No HTTP here; console.http.guard sets and reads the cookie.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, the
credential key, the session's CSRF token and its two deadlines (absolute and idle). The
credential is looked up on every request, so revoking it ends its sessions at once.
Failed sign-ins are counted in the database per credential key and per client address, so
the limit holds across LRS processes; past it a sign-in is refused before its secret is checked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from console import store
from console.config import ConsoleSettings
from lrs.auth.credentials import CredentialStore
from lrs.auth.principal import ADMIN
from lrs.errors import Forbidden, LRSError, Unauthorized

CONSOLE_SCOPES = frozenset({"all", "all/read"})
FAILURE_WINDOW = timedelta(minutes=15)
# One address may try several keys (an office behind one NAT), but not without end.
ADDRESS_FACTOR = 4
# The idle deadline is moved on at most this often, not on every request.
SEEN_EVERY = timedelta(minutes=1)


class TooManySignIns(LRSError):
    status = 429
    error = "too many failed sign-ins"


@dataclass(frozen=True)
class Operator:
    """Who is signed in to the console."""

    key: str
    name: str
    scopes: frozenset[str]
    csrf: str
    token_hash: str

    @property
    def is_admin(self) -> bool:
        return bool(self.scopes & ADMIN)

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("this needs a credential with scope all; yours is read-only (all/read)")


def now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_matches(expected: str, given: str | None) -> bool:
    return given is not None and given != "" and hmac.compare_digest(expected.encode(), given.encode())


def failure_ids(key: str, address: str | None) -> tuple[str, str]:
    return f"key:{key}", f"address:{address or 'unknown'}"


async def check_failures(database, settings: ConsoleSettings, key: str, address: str | None) -> None:
    key_id, address_id = failure_ids(key, address)
    limits = {key_id: settings.sign_in_limit, address_id: settings.sign_in_limit * ADDRESS_FACTOR}
    moment = now()
    for document in await store.find_failures(database, list(limits), moment):
        if document["n"] >= limits[document["_id"]]:
            wait = max(1, int((document["until"] - moment).total_seconds()) + 1)
            raise TooManySignIns(
                f"too many failed sign-ins; try again in {wait // 60 + 1} minutes", **{"Retry-After": str(wait)}
            )


async def sign_in(
    database, credentials: CredentialStore, settings: ConsoleSettings, key: str, secret: str, address: str | None
) -> str:
    """Check the credential and open a session; return the session token for the cookie."""
    key, secret = key.strip(), secret.strip()
    if not key or not secret:
        raise Unauthorized("enter the key and the secret of a credential")
    await check_failures(database, settings, key, address)
    principal = await credentials.verify(key, secret)
    if principal is None:
        moment = now()
        await store.update_failures(database, list(failure_ids(key, address)), moment, moment + FAILURE_WINDOW)
        raise Unauthorized("unknown key, wrong secret, or a revoked credential")
    if not principal.scopes & CONSOLE_SCOPES:
        raise Forbidden("the console needs a credential with scope all (or all/read to look without changing)")
    await store.delete_failures(database, failure_ids(key, address)[0])
    token = secrets.token_urlsafe(32)
    moment = now()
    await store.insert_session(
        database,
        {
            "_id": hash_token(token),
            "key": principal.key,
            "csrf": secrets.token_urlsafe(32),
            "created": moment,
            "expires": moment + settings.session_lifetime,
            "idle_until": moment + settings.idle_timeout,
        },
    )
    return token


async def find_operator(
    database, credentials: CredentialStore, settings: ConsoleSettings, token: str | None
) -> Operator | None:
    """The operator of a session token, or None when it is unknown, expired, idle or revoked."""
    if not token:
        return None
    token_hash = hash_token(token)
    session = await store.find_session(database, token_hash)
    moment = now()
    if session is None:
        return None
    if session["expires"] <= moment or session["idle_until"] <= moment:
        await store.delete_session(database, token_hash)
        return None
    principal = await credentials.find_principal(session["key"])
    if principal is None or not principal.scopes & CONSOLE_SCOPES:
        await store.delete_session(database, token_hash)
        return None
    idle_until = moment + settings.idle_timeout
    if idle_until - session["idle_until"] >= SEEN_EVERY:
        await store.update_session_seen(database, token_hash, min(idle_until, session["expires"]))
    return Operator(principal.key, principal.name, principal.scopes, session["csrf"], token_hash)


async def sign_out(database, operator: Operator) -> None:
    await store.delete_session(database, operator.token_hash)


async def end_sessions_of(database, key: str) -> None:
    """After a revocation: its sessions would be refused anyway; this removes them."""
    await store.delete_sessions_of(database, key)
