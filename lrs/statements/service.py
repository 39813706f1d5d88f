"""The Statement resource's verbs: store, get one, query. No HTTP here, no Mongo queries here."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lrs.activities.store import find_definitions, update_definitions
from lrs.agents.store import update_agent_names
from lrs.auth.principal import Principal
from lrs.coalescing import Turns
from lrs.db import Database
from lrs.errors import BadRequest, Forbidden, InvalidStatement, NotFound, StatementConflict
from lrs.hooks import StatementHook, StoreContext
from lrs.statements import query, sequence, store
from lrs.statements.attachments import AttachmentBody, find_attachment_bodies, insert_attachment_bodies
from lrs.statements.compare import same_statement
from lrs.statements.formats import to_canonical_format, to_ids_format
from lrs.statements.signature import SIGNATURE_USAGE, check_signature_attachment, verify_signature
from lrs.statements.validate import validate_statement, validate_statements
from lrs.statements.versioning import convert_for_storage, returned_form
from lrs.statements.vocab import is_voiding_statement
from lrs.versions import XAPI_1_0_3, XapiVersion

log = logging.getLogger(__name__)

FORMATS = ("exact", "ids", "canonical")


class StoredClock:
    """`stored` values that never go backwards within a process, at BSON's millisecond precision."""

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)

    def now(self) -> datetime:
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._last = max(now, self._last)
        return self._last


clock = StoredClock()


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class StatementResult:
    statements: list[dict[str, Any]]
    attachments: list[AttachmentBody] = field(default_factory=list)
    more: query.Position | None = None


# --- writing ------------------------------------------------------------------------------


async def store_statements(
    database: Database,
    hooks: list[StatementHook],
    principal: Principal,
    body: object,
    parts: dict[str, AttachmentBody] | None = None,
    statement_id: str | None = None,
    version: XapiVersion = XAPI_1_0_3,
    journal: Callable[[], Awaitable[None]] | None = None,
) -> list[str]:
    """Validate and store a PUT (`statement_id` given) or POST body by the rules of `version`;
    return the statement ids.

    Either the whole batch is stored or nothing is (apart from attachment bodies, which are
    content-addressed and harmless). `journal`, when given, is the journaled write the request
    must make before it is answered (lrs.http.durability): made last, inside the turn, it is
    shared by the requests of the turn.
    """
    parts = parts or {}
    if statement_id is not None:
        if isinstance(body, dict) and "id" not in body:
            body = {**body, "id": statement_id}  # so the id is validated like any other
        statement = validate_statement(body, version)
        if statement["id"].lower() != statement_id.lower():
            raise InvalidStatement("id", "does not match the statementId parameter")
        statements = [statement]
    else:
        statements = validate_statements(body, version)
    if principal.policy:
        principal.policy.check_statements(statements)
    used_parts = check_attachments(statements, parts)
    received = [dict(s) for s in statements]  # before the LRS fills in what the client left out
    # Only ids a client chose can be stored already, or be targeted by statements stored before.
    chosen = {s["id"].lower() for s in statements if "id" in s}
    for statement in statements:
        statement.setdefault("id", str(uuid.uuid4()))
    ctx = StoreContext(principal=principal, version=version)
    async with turns.turn(database):
        await write_batch(database, hooks, principal, statements, received, chosen, used_parts, ctx)
        await update_agent_names(database, statements)
        await update_definitions(
            database, [a for s in statements for a in activities_of(s)] if principal.may_define else []
        )
        for hook in hooks:
            await hook.after_store(statements, ctx)
        if ctx.extra_statements:
            await store_statements(database, hooks, principal, ctx.extra_statements, version=version)
        if journal:
            await journal()
    return [s["id"] for s in statements]


# Concurrent writes go through their round trips in groups, sharing them (lrs.coalescing). The
# whole write is one turn, the journaled write included, and every step makes its call even when
# it has nothing to ask (an empty call costs no round trip): so the requests of a turn stay
# together from the first call to the last, and each round trip is made once for all of them.
turns = Turns()


async def write_batch(
    database: Database,
    hooks: list[StatementHook],
    principal: Principal,
    statements: list[dict[str, Any]],
    received: list[dict[str, Any]],
    chosen: set[str],
    parts: dict[str, AttachmentBody],
    ctx: StoreContext,
) -> None:
    """Settle known ids, take numbers and `stored`, let the hooks judge, insert."""
    await check_voiding(database, statements, principal)
    # Known ids are settled (no-op or 409) before any hook acts on the batch.
    as_received = {s["id"].lower(): r for s, r in zip(statements, received, strict=True)}
    known = await find_known(database, {i: r for i, r in as_received.items() if i in chosen})
    ctx.known_ids = frozenset(known)
    new = [s for s in statements if s["id"].lower() not in known]
    # Numbers and `stored` come together, so that their orders agree (lrs.statements.sequence).
    allocation = await sequence.update_sequence(database, len(new), clock.now()) if new else None
    stored = allocation.stored if allocation else clock.now()
    for statement in statements:
        prepare_statement(statement, principal, stored, ctx.version)
    try:
        for hook in hooks:
            await hook.before_store(statements, ctx)
        if allocation:
            await insert_checked(database, new, allocation, as_received, chosen, principal, parts)
    except BaseException:
        await undo_hooks(ctx)
        raise


async def undo_hooks(ctx: StoreContext) -> None:
    for undo in reversed(ctx.undo):
        try:
            await undo()
        except Exception:  # the original error is the one to report
            log.exception("undoing a statement hook's change failed")


def check_attachments(statements: list[dict[str, Any]], parts: dict[str, AttachmentBody]) -> dict[str, AttachmentBody]:
    """Every attachment without fileUrl needs a part; signatures must verify. Returns parts used."""
    used: dict[str, AttachmentBody] = {}
    for index, statement in enumerate(statements):
        for position, attachment in enumerate(statement.get("attachments", ())):
            path = f"[{index}].attachments[{position}]" if len(statements) > 1 else f"attachments[{position}]"
            part = parts.get(attachment["sha2"].lower())
            if part is None and attachment["usageType"] == SIGNATURE_USAGE:
                raise InvalidStatement(path, "a signature attachment needs its JWS as a multipart part")
            if part is None:
                if "fileUrl" not in attachment:
                    raise InvalidStatement(path, "no fileUrl and no multipart part with this sha2")
                continue
            used[part.sha2] = part
            if attachment["usageType"] == SIGNATURE_USAGE:
                check_signature_attachment(attachment, path)
                verify_signature(statement, part.data, path)
    unused = set(parts) - set(used)
    if unused:
        raise BadRequest(f"attachment part {sorted(unused)[0]} matches no attachment of the statements")
    return used


def prepare_statement(
    statement: dict[str, Any],
    principal: Principal,
    stored: datetime,
    version: XapiVersion = XAPI_1_0_3,
) -> None:
    """Set what the LRS assigns (Data 2.4): id, stored, timestamp, authority, version."""
    statement.setdefault("id", str(uuid.uuid4()))
    statement["stored"] = format_timestamp(stored)
    statement.setdefault("timestamp", statement["stored"])
    statement["authority"] = principal.authority
    statement.setdefault("version", version.statement_version)
    convert_for_storage(statement, version)
    normalize_context_activities(statement.get("context"))
    if statement["object"].get("objectType") == "SubStatement":
        normalize_context_activities(statement["object"].get("context"))


def normalize_context_activities(context: dict[str, Any] | None) -> None:
    # A single Activity is returned as an array of one (Data 2.4.6.2).
    if not context:
        return
    for kind, value in (context.get("contextActivities") or {}).items():
        if isinstance(value, dict):
            context["contextActivities"][kind] = [value]


def activities_of(statement: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for part in (statement, statement["object"]):
        obj = part["object"]
        if obj.get("objectType", "Activity") == "Activity":
            found.append(obj)
        for activities in ((part.get("context") or {}).get("contextActivities") or {}).values():
            found += activities
        if obj.get("objectType") != "SubStatement":
            break
    return found


async def check_voiding(database: Database, statements: list[dict[str, Any]], principal: Principal) -> None:
    """A voiding statement cannot target another voiding statement, nor a statement its
    credential may not read (scope statements/read/mine: one another credential stored)."""
    targets = {s["object"]["id"].lower(): i for i, s in enumerate(statements) if is_voiding_statement(s)}
    if not targets:
        return
    voiding_ids = {statements[i]["id"].lower() for i in targets.values()}
    for target, index in targets.items():
        if target in voiding_ids:
            raise InvalidStatement(f"[{index}].object.id", "a voiding statement cannot be voided")
    for document in await store.find_by_ids(database, list(targets), [store.ID, store.VOIDS, store.AUTHORITY]):
        if store.is_voiding(document):
            raise InvalidStatement(f"[{targets[document[store.ID]]}].object.id", "a voiding statement cannot be voided")
        if principal.reads_only_own_statements and document[store.AUTHORITY] != principal.key:
            raise Forbidden(
                f"[{targets[document[store.ID]]}].object.id: statement {document[store.ID]} was stored by "
                "another credential; with scope statements/read/mine a credential may only void its own"
            )


async def insert_checked(
    database: Database,
    statements: list[dict[str, Any]],
    allocation: sequence.Allocation,
    as_received: dict[str, dict[str, Any]],
    chosen: set[str],
    principal: Principal,
    parts: dict[str, AttachmentBody],
) -> None:
    """Insert statements not stored yet; one stored meanwhile by another request is checked too."""
    documents = [
        store.to_document(
            s,
            allocation.first + number,
            allocation.stored,
            principal.key,
            [a["sha2"].lower() for a in s.get("attachments", ()) if a["sha2"].lower() in parts],
            principal.reads_only_own_statements,
        )
        for number, s in enumerate(statements)
    ]
    await inherit_target_keys(database, documents)
    await insert_attachment_bodies(database, list(parts.values()))
    raced = await store.insert_statements(database, documents)
    if raced:
        # Another request stored one of these ids between our check and our insert.
        try:
            await find_known(database, {i: as_received[i] for i in raced})
        except StatementConflict:
            await store.delete_statements(database, [d["_id"] for d in documents if d[store.ID] not in raced])
            raise
    await apply_references(database, [d for d in documents if d[store.ID] not in raced], chosen)


async def find_known(database: Database, as_received: dict[str, dict[str, Any]]) -> set[str]:
    """Ids of these statements already stored as the same statement; a different one is a 409."""
    known = set()
    for document in await store.find_stored(database, list(as_received)):
        statement_id = document[store.ID]
        if not same_statement(store.from_document(document), as_received[statement_id]):
            raise StatementConflict(as_received[statement_id].get("id", statement_id))
        known.add(statement_id)
    return known


async def inherit_target_keys(database: Database, documents: list[dict[str, Any]]) -> None:
    """A statement targeting another also matches the filters the target matches (recursively)."""
    in_batch = {d[store.ID]: d for d in documents}
    targets = [d[store.REF] for d in documents if store.REF in d and d[store.REF] not in in_batch]
    known = {d[store.ID]: d for d in await store.find_by_ids(database, targets, [store.ID, *store.KEY_FIELDS])}
    known.update(in_batch)

    def resolve(document: dict[str, Any], seen: set[str]) -> None:
        target = known.get(document.get(store.REF))
        if target is None or target[store.ID] in seen:
            return
        resolve(target, seen | {target[store.ID]})
        for key in store.KEY_FIELDS:
            document[key] = sorted(set(document[key]) | set(target[key]))

    for document in documents:
        resolve(document, {document[store.ID]})


async def apply_references(database: Database, new: list[dict[str, Any]], chosen: set[str]) -> None:
    """Void what new voiding statements target; pass new keys on to statements targeting them
    (only statements with ids of the client's choosing can have been targeted before)."""
    await store.void_statements(database, [d for d in new if store.is_voiding(d)])
    new_ids = {d[store.ID] for d in new}
    frontier = {d[store.ID]: d for d in new if d[store.ID] in chosen}
    seen = set(new_ids)
    while True:  # asked once even with nothing to look for, to stay with the turn
        referencing = [d for d in await store.find_referencing(database, list(frontier)) if d[store.ID] not in new_ids]
        if not referencing:
            return
        await store.void_statements(database, [d for d in referencing if store.is_voiding(d)])
        updates = {}
        for document in referencing:
            target = frontier[document[store.REF]]
            updates[document[store.ID]] = {
                key: sorted(set(target[key]) - set(document[key])) for key in store.KEY_FIELDS
            }
        await store.update_inherited_keys(database, updates)
        frontier = {}
        for document in referencing:
            if document[store.ID] in seen:
                continue
            seen.add(document[store.ID])
            for key, added in updates[document[store.ID]].items():
                document[key] = sorted(set(document[key]) | set(added))
            frontier[document[store.ID]] = document


# --- reading ------------------------------------------------------------------------------


def consistent_through() -> str:
    # Writes in flight may still land with a `stored` up to their request duration back.
    return format_timestamp(datetime.now(UTC) - timedelta(seconds=1))


async def get_statement(
    database: Database,
    principal: Principal,
    statement_id: str,
    voided: bool,
    fmt: str,
    accept_language: str | None,
    with_attachments: bool,
    version: XapiVersion = XAPI_1_0_3,
) -> StatementResult:
    # Scope statements/read/mine: by the credential that stored it, as lists filter.
    own = principal.key if principal.reads_only_own_statements else None
    found = await query.find_statement(database, statement_id, voided, own)
    if found is None:
        what = "voided statement" if voided else "statement"
        raise NotFound(f"no {what} with id {statement_id}")
    statement, hashes = found
    statements = await render_statements(database, [statement], fmt, accept_language, version)
    attachments = await find_attachment_bodies(database, hashes) if with_attachments else []
    return StatementResult(statements, attachments)


async def find_statements_by_id(
    database: Database, ids: list[str], version: XapiVersion = XAPI_1_0_3
) -> dict[str, tuple[dict[str, Any], bool]]:
    """Stored statements by id, live or voided, in one read: lower-cased id -> (statement in the
    exact format, whether it is voided). For the LRS's own pages, which show both."""
    documents = await store.find_by_ids(
        database, sorted({i.lower() for i in ids}), [store.ID, store.BODY, store.VOIDED]
    )
    statements = await render_statements(database, [store.from_document(d) for d in documents], "exact", None, version)
    return {d[store.ID]: (s, d[store.VOIDED]) for d, s in zip(documents, statements, strict=True)}


async def query_statements(
    database: Database,
    q: query.StatementQuery,
    page_size: int,
    fmt: str,
    accept_language: str | None,
    with_attachments: bool,
    version: XapiVersion = XAPI_1_0_3,
) -> StatementResult:
    limit = min(q.limit, page_size) if q.limit else page_size
    page = await query.find_statements(database, q, limit)
    statements = await render_statements(database, page.statements, fmt, accept_language, version)
    attachments = await find_attachment_bodies(database, page.attachment_hashes) if with_attachments else []
    return StatementResult(statements, attachments, page.last)


async def render_statements(
    database: Database,
    statements: list[dict[str, Any]],
    fmt: str,
    accept_language: str | None,
    version: XapiVersion,
) -> list[dict[str, Any]]:
    statements = [returned_form(s, version) for s in statements]
    if fmt == "ids":
        return [to_ids_format(s) for s in statements]
    if fmt == "canonical":
        ids = list({a["id"] for s in statements for a in activities_of(s)})
        definitions = await find_definitions(database, ids)
        return [to_canonical_format(s, accept_language, definitions) for s in statements]
    return statements
