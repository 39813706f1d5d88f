"""Basic-auth credentials: storage, hashing, verification and the admin bootstrap."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from lrs.auth.principal import SCOPES, Principal
from lrs.coalescing import Coalescer
from lrs.db import Database, IndexSpec
from lrs.errors import BadRequest

CREDENTIALS = "credentials"
# Set only on the credential created by the first start; unique, so only one process creates it.
BOOTSTRAP = "bootstrap"

INDEXES = [
    IndexSpec(CREDENTIALS, IndexModel("revoked_at")),
    IndexSpec(CREDENTIALS, IndexModel(BOOTSTRAP, unique=True, sparse=True)),
]

# scrypt parameters: ~30 ms per check, so guessing is slow; verified pairs are cached below.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
DEFAULT_HOMEPAGE = "http://lrs.invalid"
# Credentials a process keeps; past this many, it forgets them all and reads them again.
MOST_CACHED = 10_000


@dataclass(frozen=True)
class NewCredential:
    key: str
    secret: str
    name: str
    scopes: list[str]


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed.hex(), digest)


def parse_scopes(text: str | list[str]) -> list[str]:
    scopes = [s.strip() for s in text.split(",")] if isinstance(text, str) else list(text)
    scopes = [s for s in scopes if s]
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise BadRequest(
            f"unknown scope {', '.join(unknown)}" if unknown else "at least one scope is needed",
        )
    return scopes


def authority_for(key: str, name: str, homepage: str) -> dict[str, Any]:
    return {
        "objectType": "Agent",
        "name": name,
        "account": {"homePage": homepage or DEFAULT_HOMEPAGE, "name": key},
    }


def to_principal(document: dict[str, Any], homepage: str) -> Principal:
    return Principal(
        key=document["_id"],
        name=document["name"],
        scopes=frozenset(document["scopes"]),
        authority=authority_for(document["_id"], document["name"], homepage),
    )


class CredentialStore:
    """Credentials, and the live ones a process has read lately.

    A credential read from the database is used for `cache_seconds` before it is read again:
    reading it on every request was one database round trip per request, a large part of what
    a single-statement POST costs. So a revocation or a new secret takes effect at once in the
    process that makes it (the console, or a store shared with it) and within `cache_seconds`
    in every other one (`lrs credentials revoke`, other processes behind a load balancer).
    Unknown and revoked keys are never cached: a credential created elsewhere works at once.
    """

    def __init__(self, database: Database, homepage: str = "", cache_seconds: float = 0.0) -> None:
        self.collection = database[CREDENTIALS]
        self.homepage = homepage
        self.cache_seconds = cache_seconds
        # (key, sha256(secret), stored hash) of secrets already checked against that hash.
        self._verified: set[tuple[str, str, str]] = set()
        # key -> (live credential document, monotonic time it was read)
        self._live: dict[str, tuple[dict[str, Any], float]] = {}
        self._changes = 0  # credentials changed by this process
        # Requests arriving together look their credentials up in one round trip.
        self._lookups = Coalescer(self._find_live_credentials)

    async def insert_credential(
        self,
        name: str,
        scopes: list[str],
        key: str | None = None,
        secret: str | None = None,
        bootstrap: bool = False,
    ) -> NewCredential:
        key = key or secrets.token_hex(12)
        secret = secret or secrets.token_urlsafe(24)
        document = {
            "_id": key,
            "name": name,
            "scopes": parse_scopes(scopes),
            "secret_hash": hash_secret(secret),
            "created": datetime.now(UTC),
            "revoked_at": None,
        }
        if bootstrap:
            document[BOOTSTRAP] = True
        await self.collection.insert_one(document)
        return NewCredential(key, secret, name, scopes)

    async def list_credentials(self) -> list[dict[str, Any]]:
        cursor = self.collection.find({}, {"secret_hash": 0}).sort("created", 1)
        return await cursor.to_list()

    async def update_revoked(self, key: str) -> bool:
        result = await self.collection.update_one(
            {"_id": key, "revoked_at": None}, {"$set": {"revoked_at": datetime.now(UTC)}}
        )
        self._forget(key)
        return result.modified_count == 1

    def _forget(self, key: str) -> None:
        self._live.pop(key, None)
        # A read in flight may have started before the change: it must not be cached.
        self._changes += 1

    async def find_principal(self, key: str) -> Principal | None:
        """The credential `key` as a principal, or None when it is unknown or revoked."""
        document = await self.collection.find_one({"_id": key, "revoked_at": None}, {"secret_hash": 0})
        return None if document is None else to_principal(document, self.homepage)

    async def verify(self, key: str, secret: str) -> Principal | None:
        # The deliberately slow scrypt check is remembered per stored hash, so a new secret
        # (a new hash) is checked again.
        document = await self._find_live(key)
        if document is None:
            return None
        cache_key = (key, hashlib.sha256(secret.encode()).hexdigest(), document["secret_hash"])
        if cache_key not in self._verified:
            if not await asyncio.to_thread(secret_matches, secret, document["secret_hash"]):
                return None
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified.add(cache_key)
        return to_principal(document, self.homepage)

    async def _find_live(self, key: str) -> dict[str, Any] | None:
        cached = self._live.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[1] < self.cache_seconds:
            return cached[0]
        changes = self._changes
        document = await self._lookups.call(self.collection.database, key)
        if document is None or not self.cache_seconds or changes != self._changes:
            self._live.pop(key, None)
            return document
        if len(self._live) >= MOST_CACHED:
            self._live.clear()
        self._live[key] = (document, now)
        return document

    async def _find_live_credentials(self, database: Database, keys: list[str]) -> list[dict[str, Any] | None]:
        found = await self.collection.find({"_id": {"$in": sorted(set(keys))}}).to_list()
        live = {d["_id"]: d for d in found if d.get("revoked_at") is None}
        return [live.get(key) for key in keys]

    async def ensure_admin(self, key: str, secret: str) -> bool:
        """Make `key`/`secret` a working credential with scope `all`; True when it was created.

        Idempotent, and safe when several processes start with the same settings at once.
        """
        if await self._is_working_admin(key, secret):
            return False
        try:
            await self.insert_credential("admin", ["all"], key=key, secret=secret)
            return True
        except DuplicateKeyError:
            pass
        # Another process created it a moment ago (then it already works), or the configured
        # secret changed, or it was revoked: the environment wins.
        if await self._is_working_admin(key, secret):
            return False
        await self.collection.update_one(
            {"_id": key},
            {"$set": {"secret_hash": hash_secret(secret), "revoked_at": None}, "$addToSet": {"scopes": "all"}},
        )
        self._forget(key)
        return False

    async def _is_working_admin(self, key: str, secret: str) -> bool:
        existing = await self.collection.find_one({"_id": key})
        return bool(
            existing
            and existing["revoked_at"] is None
            and "all" in existing["scopes"]
            and secret_matches(secret, existing["secret_hash"])
        )

    async def bootstrap_admin(self) -> NewCredential | None:
        """On the very first start, create one admin credential; only one process ever wins.

        The credential itself is the claim: a unique index admits one document marked
        `bootstrap`, so processes starting at once cannot both create one, and no crash can
        leave a claim behind without the credential it stands for.
        """
        if await self.collection.count_documents({}, limit=1):
            return None
        try:
            return await self.insert_credential("admin", ["all"], bootstrap=True)
        except DuplicateKeyError:
            return None
