"""Stored statements as whole records, for the parts of lrs that work on what is already stored:
forwarding (which statements of a batch match a forward's filter), erasure (find, rewrite and
delete a person's statements) and export.

Kept beside `store.py` rather than in it: `store.py` is the hot insert and read path, this is
the maintenance side. It uses the same mapping (`to_document` / `from_document`, escaping) and
field names, so no module outside lrs.statements sees derived fields or escaped keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, UpdateOne

from lrs.db import Database, IndexSpec
from lrs.statements import store

# Erasure asks which statements still use an attachment body; few statements have attachments.
INDEXES = [IndexSpec(store.STATEMENTS, IndexModel([(store.ATTACHMENTS, ASCENDING)], sparse=True))]

RECORD_FIELDS = [
    store.ID,
    store.BODY,
    store.STORED,
    store.VOIDED,
    store.AUTHORITY,
    store.ATTACHMENTS,
    *store.KEY_FIELDS,
]


@dataclass
class StoredRecord:
    """A statement as stored, with what the LRS keeps beside it."""

    statement: dict[str, Any]
    stored: datetime
    voided: bool
    credential: str  # key of the credential that stored it
    attachment_hashes: list[str]  # sha2 of the attachment bodies stored with it
    keys: dict[str, list[str]]  # filter keys (store.KEY_FIELDS), StatementRef keys included

    @property
    def id(self) -> str:
        return str(self.statement["id"]).lower()


def to_record(document: dict[str, Any]) -> StoredRecord:
    return StoredRecord(
        statement=store.from_document(document),
        stored=document[store.STORED],
        voided=document[store.VOIDED],
        credential=document.get(store.AUTHORITY, ""),
        attachment_hashes=list(document.get(store.ATTACHMENTS, ())),
        keys={name: list(document.get(name, ())) for name in store.KEY_FIELDS},
    )


def matches(record: StoredRecord, conditions: list[list[dict[str, Any]]]) -> bool:
    """`conditions`: groups of `{field: value}` equalities (query.py's filter functions make them);
    every group must have one equality the record holds."""
    fields = {**record.keys, store.AUTHORITY: [record.credential]}
    return all(
        any(value in fields.get(name, ()) for condition in group for name, value in condition.items())
        for group in conditions
    )


# --- reads ---------------------------------------------------------------------------------


async def find_records(database: Database, ids: list[str]) -> dict[str, StoredRecord]:
    """The stored statements with these ids (voided or not), by lower-case id."""
    if not ids:
        return {}
    documents = await database[store.STATEMENTS].find({store.ID: {"$in": ids}}, RECORD_FIELDS).to_list()
    return {document[store.ID]: to_record(document) for document in documents}


async def find_records_mentioning(database: Database, agent_keys: list[str]) -> list[StoredRecord]:
    """Every statement that names one of these agents anywhere (actor, object, context, authority,
    SubStatement, Group member) or targets a statement that does."""
    cursor = database[store.STATEMENTS].find({store.RELATED_AGENTS: {"$in": agent_keys}}, RECORD_FIELDS)
    return [to_record(document) for document in await cursor.to_list()]


async def find_attachment_users(database: Database, hashes: list[str]) -> dict[str, set[str]]:
    """For each of these attachment bodies, the ids of the stored statements that use it."""
    users: dict[str, set[str]] = {h: set() for h in hashes}
    if not hashes:
        return users
    cursor = database[store.STATEMENTS].find({store.ATTACHMENTS: {"$in": hashes}}, [store.ID, store.ATTACHMENTS])
    for document in await cursor.to_list():
        for sha2 in document[store.ATTACHMENTS]:
            if sha2 in users:
                users[sha2].add(document[store.ID])
    return users


# --- writes --------------------------------------------------------------------------------


async def update_records(database: Database, records: list[StoredRecord]) -> None:
    """Store new bodies, filter keys and attachment lists of existing statements (erasure's
    pseudonymisation); `stored`, `voided` and the credential stay as they are."""
    operations = [
        UpdateOne(
            {store.ID: record.id},
            {
                "$set": {
                    store.BODY: store.convert_extensions(record.statement, store.escape),
                    store.ATTACHMENTS: record.attachment_hashes,
                    **record.keys,
                }
            },
        )
        for record in records
    ]
    if operations:
        await database[store.STATEMENTS].bulk_write(operations, ordered=False)


async def delete_records(database: Database, records: list[StoredRecord]) -> int:
    """Delete these statements for good. Their sequence numbers stay unused: reads walk windows of
    numbers and take a hole for numbers that matched nothing (lrs.statements.query)."""
    if not records:
        return 0
    result = await database[store.STATEMENTS].delete_many({store.ID: {"$in": [r.id for r in records]}})
    return result.deleted_count
