"""Statement storage: the mapping between statements and database documents, and every write.

A stored document holds the statement (keys escaped) and query keys computed at write time:
agent IFIs, verb ids, activity ids and registrations, each a list so that every GET filter is an
equality match on an indexed array. A statement that targets another through a StatementRef also
carries the target's keys (Communication 2.1.3, filter conditions for StatementRefs). Nothing
outside this module sees `_id`, derived fields or escaped keys.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, NoReturn, TypeVar

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.errors import BulkWriteError, DocumentTooLarge

from lrs.coalescing import Coalescer
from lrs.db import Database, IndexSpec
from lrs.errors import PayloadTooLarge
from lrs.ifi import actor_keys
from lrs.statements.vocab import VOIDED_VERB

T = TypeVar("T")

STATEMENTS = "statements"
DUPLICATE_KEY = 11000
TOO_LARGE = 10334  # BSONObjectTooLarge

# Query-key fields; each is a list of strings.
AGENTS = "agents"
RELATED_AGENTS = "related_agents"
VERBS = "verbs"
ACTIVITIES = "activities"
RELATED_ACTIVITIES = "related_activities"
REGISTRATIONS = "registrations"
# "<verb> <activity>" for each verb and related activity (IRIs hold no spaces): a verb within a
# course is a common question, and each key alone is common too, so the pair is indexed.
VERB_ACTIVITIES = "verb_activities"
KEY_FIELDS = (AGENTS, RELATED_AGENTS, VERBS, ACTIVITIES, RELATED_ACTIVITIES, REGISTRATIONS, VERB_ACTIVITIES)

ID = "id"  # lower-cased statement id, unique
SEQ = "seq"  # sequence number (lrs.statements.sequence): the sort key, unique
STORED = "stored"  # datetime; never decreases as SEQ grows
VOIDED = "voided"  # true once a voiding statement targets it
VOIDS = "voids"  # on a voiding statement: the id it voids
REF = "ref"  # the id targeted by a StatementRef object
AUTHORITY = "authority_key"  # credential key, for statements/read/mine
# On a voiding statement of a credential that may read only its own statements: it voids only those.
VOIDS_OWN = "voids_own"
ATTACHMENTS = "attachments"  # sha2 of attachment bodies stored with it
BODY = "statement"


def _by_seq(*equality: str) -> IndexModel:
    keys = [(name, ASCENDING) for name in equality]
    keys += [(VOIDED, ASCENDING), (SEQ, DESCENDING)]
    return IndexModel(keys)


INDEXES = [
    IndexSpec(STATEMENTS, IndexModel([(ID, ASCENDING)], unique=True)),
    IndexSpec(STATEMENTS, IndexModel([(REF, ASCENDING)], sparse=True)),
    IndexSpec(STATEMENTS, _by_seq()),
    IndexSpec(STATEMENTS, _by_seq(AUTHORITY)),
    *(IndexSpec(STATEMENTS, _by_seq(field)) for field in KEY_FIELDS),
]


# --- escaping: MongoDB cannot store keys starting with "$" and treats dots as paths ---------
#
# Validation leaves free-form keys only in extensions (whose keys are IRIs, full of dots), so
# only those parts are walked; the rest of a statement is stored as it is.


def escape(value: Any) -> Any:
    if isinstance(value, dict):
        return {_escape_key(k): escape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escape(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        # BSON has no integers this large; "$"-keys of clients are escaped, so this tag is ours.
        return {"$bigint": str(value)}
    return value


def unescape(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and "$bigint" in value:
            return int(value["$bigint"])
        return {_unescape_key(k): unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unescape(v) for v in value]
    return value


def _escape_key(key: str) -> str:
    if "%" in key or "." in key or key.startswith("$"):
        key = key.replace("%", "%25").replace(".", "%2E")
        if key.startswith("$"):
            key = "%24" + key[1:]
    return key


def _unescape_key(key: str) -> str:
    if "%" in key:
        key = key.replace("%2E", ".").replace("%24", "$").replace("%25", "%")
    return key


def convert_extensions(statement: dict[str, Any], convert: Callable[[Any], Any]) -> dict[str, Any]:
    """A copy of a statement (or SubStatement) with `convert` applied to every extensions map."""
    copy = dict(statement)
    if "result" in copy and "extensions" in copy["result"]:
        copy["result"] = {**copy["result"], "extensions": convert(copy["result"]["extensions"])}
    obj = copy.get("object")
    if obj is not None:
        kind = obj.get("objectType", "Activity")
        if kind == "Activity":
            copy["object"] = _activity_extensions(obj, convert)
        elif kind == "SubStatement":
            copy["object"] = convert_extensions(obj, convert)
    context = copy.get("context")
    if context is not None:
        context = dict(context)
        if "extensions" in context:
            context["extensions"] = convert(context["extensions"])
        if "contextActivities" in context:
            context["contextActivities"] = {
                kind: [_activity_extensions(a, convert) for a in activities]
                for kind, activities in context["contextActivities"].items()
            }
        copy["context"] = context
    return copy


def _activity_extensions(activity: dict[str, Any], convert: Callable[[Any], Any]) -> dict[str, Any]:
    definition = activity.get("definition")
    if not definition or "extensions" not in definition:
        return activity
    return {**activity, "definition": {**definition, "extensions": convert(definition["extensions"])}}


# --- mapping ------------------------------------------------------------------------------


def query_keys(statement: dict[str, Any]) -> dict[str, list[str]]:
    """The filter keys of one statement, before any StatementRef inheritance."""
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    context = statement.get("context") or {}
    agents = actor_keys(statement["actor"])
    related_agents = set(agents)
    activities: list[str] = []
    related_activities: set[str] = set(_context_activity_ids(context))
    if kind in ("Agent", "Group"):
        agents += actor_keys(obj)
    elif kind == "Activity":
        activities.append(obj["id"])
    elif kind == "SubStatement":
        related_agents.update(actor_keys(obj["actor"]))
        sub_object = obj["object"]
        sub_kind = sub_object.get("objectType", "Activity")
        if sub_kind in ("Agent", "Group"):
            related_agents.update(actor_keys(sub_object))
        elif sub_kind == "Activity":
            related_activities.add(sub_object["id"])
        sub_context = obj.get("context") or {}
        related_agents.update(_context_agent_keys(sub_context))
        related_activities.update(_context_activity_ids(sub_context))
    related_agents.update(agents)
    related_agents.update(_context_agent_keys(context))
    if statement.get("authority"):
        related_agents.update(actor_keys(statement["authority"]))
    related_activities.update(activities)
    registration = context.get("registration")
    verb = statement["verb"]["id"]
    return {
        AGENTS: sorted(set(agents)),
        RELATED_AGENTS: sorted(related_agents),
        VERBS: [verb],
        ACTIVITIES: activities,
        RELATED_ACTIVITIES: sorted(related_activities),
        REGISTRATIONS: [registration.lower()] if registration else [],
        VERB_ACTIVITIES: verb_activity_keys([verb], related_activities),
    }


def verb_activity_keys(verbs: Iterable[str], activities: Iterable[str]) -> list[str]:
    return sorted(f"{verb} {activity}" for verb in verbs for activity in activities)


def _context_agent_keys(context: dict[str, Any]) -> list[str]:
    keys = []
    for role in ("instructor", "team"):
        if context.get(role):
            keys += actor_keys(context[role])
    # xAPI 2.0 context agents and groups match related_agents too (IEEE 9274.1.1 4.1.6.1).
    for context_agent in context.get("contextAgents") or ():
        keys += actor_keys(context_agent["agent"])
    for context_group in context.get("contextGroups") or ():
        keys += actor_keys(context_group["group"])
    return keys


def _context_activity_ids(context: dict[str, Any]) -> list[str]:
    ids = []
    for activities in (context.get("contextActivities") or {}).values():
        ids += [activity["id"] for activity in activities]
    return ids


def to_document(
    statement: dict[str, Any],
    seq: int,
    stored: datetime,
    authority_key: str,
    attachment_hashes: list[str],
    reads_only_own: bool = False,
) -> dict[str, Any]:
    obj = statement["object"]
    ref = obj["id"].lower() if obj.get("objectType") == "StatementRef" else None
    document = {
        "_id": ObjectId(),
        ID: statement["id"].lower(),
        SEQ: seq,
        STORED: stored,
        VOIDED: False,
        AUTHORITY: authority_key,
        BODY: convert_extensions(statement, escape),
        **query_keys(statement),
    }
    if ref:
        document[REF] = ref
        if statement["verb"]["id"] == VOIDED_VERB:
            document[VOIDS] = ref
            if reads_only_own:
                document[VOIDS_OWN] = True
    if attachment_hashes:
        document[ATTACHMENTS] = attachment_hashes
    return document


def from_document(document: dict[str, Any]) -> dict[str, Any]:
    return convert_extensions(document[BODY], unescape)


def is_voiding(document: dict[str, Any]) -> bool:
    return VOIDS in document


# --- reads the write path needs ----------------------------------------------------------


async def find_by_ids(database: Database, ids: list[str], projection: list[str] | None = None) -> list[dict[str, Any]]:
    if not ids:
        return []
    cursor = database[STATEMENTS].find({ID: {"$in": ids}}, projection)
    return await cursor.to_list()


async def find_referencing(database: Database, ids: list[str]) -> list[dict[str, Any]]:
    """Statements whose object is a StatementRef to one of `ids`."""
    return await _referencing.call(database, ids)


async def _find_referencing_together(database: Database, requests: list[list[str]]) -> list[list[dict[str, Any]]]:
    wanted = sorted({i for ids in requests for i in ids})
    if not wanted:
        return [[] for _ in requests]
    fields = [ID, REF, VOIDS, VOIDS_OWN, AUTHORITY, *KEY_FIELDS]
    found = await database[STATEMENTS].find({REF: {"$in": wanted}}, fields).to_list()
    return [[d for d in found if d[REF] in wanted_here] for wanted_here in map(set, requests)]


async def find_stored(database: Database, ids: list[str]) -> list[dict[str, Any]]:
    """The id and statement of those of `ids` that are stored (every write checks its ids)."""
    return await _stored.call(database, ids)


async def _find_stored_together(database: Database, requests: list[list[str]]) -> list[list[dict[str, Any]]]:
    wanted = sorted({i for ids in requests for i in ids})
    if not wanted:
        return [[] for _ in requests]
    found = {d[ID]: d for d in await database[STATEMENTS].find({ID: {"$in": wanted}}, [ID, BODY]).to_list()}
    return [[found[i] for i in ids if i in found] for ids in requests]


# Concurrent requests make these calls together (lrs.coalescing): one round trip for several.
# A call with no ids still joins its round, to keep the requests of a turn together
# (lrs.statements.service.turns); a round with none makes no round trip.
_referencing = Coalescer(_find_referencing_together)
_stored = Coalescer(_find_stored_together)


# --- writes --------------------------------------------------------------------------------


async def insert_statements(database: Database, documents: list[dict[str, Any]]) -> list[str]:
    """Insert; return the ids that already existed (the caller decides if that is a conflict)."""
    if not documents:
        return []
    return await _inserts.call(database, documents)


async def _insert_together(database: Database, batches: list[list[dict[str, Any]]]) -> list[list[str] | BaseException]:
    """One insert for the batches of several requests; each gets its own duplicates or error."""
    if len(batches) == 1:
        return [await _insert_batch(database, batches[0])]
    documents = [d for batch in batches for d in batch]
    try:
        await database[STATEMENTS].insert_many(documents, ordered=False)
        return [[] for _ in batches]
    except DocumentTooLarge:
        # Refused by the driver, after sending what came before: take all of it back, and let
        # each batch find out alone whether it is the one.
        await delete_statements(database, [d["_id"] for d in documents])
        return [await _outcome(_insert_batch(database, batch)) for batch in batches]
    except BulkWriteError as error:
        if error.details.get("writeConcernErrors"):
            raise
        results: list[list[str] | BaseException] = []
        start = 0
        for batch in batches:
            mine = [e for e in error.details["writeErrors"] if start <= e["index"] < start + len(batch)]
            if any(e.get("code") == TOO_LARGE for e in mine):
                results.append(await _outcome(_refuse_too_large(database, batch)))
            elif any(e.get("code") != DUPLICATE_KEY for e in mine):
                results.append(error)
            else:
                results.append([batch[e["index"] - start][ID] for e in mine])
            start += len(batch)
        return results


async def _outcome(call: Awaitable[T]) -> T | Exception:
    try:
        return await call
    except Exception as error:
        return error


async def _insert_batch(database: Database, documents: list[dict[str, Any]]) -> list[str]:
    duplicates = []
    try:
        await database[STATEMENTS].insert_many(documents, ordered=False)
    except DocumentTooLarge:
        await _refuse_too_large(database, documents)
    except BulkWriteError as error:
        errors = error.details["writeErrors"]
        if any(e.get("code") == TOO_LARGE for e in errors):
            await _refuse_too_large(database, documents)
        duplicates = [e for e in errors if e.get("code") == DUPLICATE_KEY]
        # A write concern error means the batch is not majority-committed: never report success.
        if len(duplicates) != len(errors) or error.details.get("writeConcernErrors"):
            raise
    return [documents[e["index"]][ID] for e in duplicates]


_inserts = Coalescer(_insert_together)


async def _refuse_too_large(database: Database, documents: list[dict[str, Any]]) -> NoReturn:
    # The rest of the batch may be stored already (the driver checks sizes as it encodes, the
    # server as it inserts): take it back, so the batch is stored whole or not at all.
    await delete_statements(database, [d["_id"] for d in documents])
    raise PayloadTooLarge("a statement is larger than the 16 MB a stored document can hold")


async def delete_statements(database: Database, object_ids: list[ObjectId]) -> None:
    """Only used to undo this request's own inserts when a concurrent writer made it a conflict."""
    if object_ids:
        await database[STATEMENTS].delete_many({"_id": {"$in": object_ids}})


async def void_statements(database: Database, voiding: list[dict[str, Any]]) -> None:
    """Void what these voiding statements (documents) target, each as far as it may: a credential
    that may read only its own statements voids only those, even when the target arrives later."""
    targets: dict[str | None, list[str]] = {}
    for document in voiding:
        owner = document[AUTHORITY] if document.get(VOIDS_OWN) else None
        targets.setdefault(owner, []).append(document[VOIDS])
    for owner, ids in targets.items():
        # A voiding statement can never be voided (Data 2.3.2).
        condition = {ID: {"$in": ids}, VOIDS: {"$exists": False}}
        if owner is not None:
            condition[AUTHORITY] = owner
        await database[STATEMENTS].update_many(condition, {"$set": {VOIDED: True}})


async def update_inherited_keys(database: Database, updates: dict[str, dict[str, list[str]]]) -> None:
    """Add a targeted statement's keys to the statements that target it."""
    operations = [
        UpdateOne({ID: statement_id}, {"$addToSet": {f: {"$each": v} for f, v in keys.items() if v}})
        for statement_id, keys in updates.items()
        if any(keys.values())
    ]
    if operations:
        await database[STATEMENTS].bulk_write(operations, ordered=False)
