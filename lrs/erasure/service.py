"""Erasing a person (GDPR Art. 17): the verb the admin API, the CLI and the console call.

What goes, for every identifier of the person (pseudonym.py says who is who):
- statements whose actor is the person: deleted;
- statements of others that name the person (Group member, object, instructor, team, context
  agents and groups, authority, SubStatement): the person replaced by a pseudonym; a signed one loses its signature, whose
  JWS holds the original statement;
- statements of others that target an erased statement (voiding it, or a StatementRef) stay as
  they are: their reference now points at an id this LRS no longer has, as a StatementRef may;
  the person's identifiers they carried for filtering (a target's keys) become the pseudonym's.
  A statement the person voided stays voided;
- attachment bodies no remaining statement uses;
- State and Agent Profile documents of the person;
- the names `GET /xapi/agents` shows for the person;
- what plug-ins keep (cmi5 registrations and sessions), through `ErasureHook`s.
Outbox entries of forwards hold statement ids only: an erased statement is simply not sent.
Copies already forwarded to other systems must be erased there.

A dry run counts the same things and changes nothing. Each erasure leaves an audit record with
when, which credential, and the counts: never an identifier of the person.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from lrs.agents.store import count_agents, delete_agents
from lrs.db import Database
from lrs.documents.store import count_agent_documents, delete_agent_documents
from lrs.erasure import store
from lrs.erasure.pseudonym import identity_keys, is_own_record, make_pseudonym, pseudonymise, replace_keys
from lrs.errors import BadRequest, InvalidStatement
from lrs.statements.attachments import delete_attachment_bodies
from lrs.statements.records import (
    StoredRecord,
    delete_records,
    find_attachment_users,
    find_records_mentioning,
    update_records,
)
from lrs.statements.service import format_timestamp
from lrs.statements.signature import SIGNATURE_USAGE
from lrs.statements.validate import validate_agent

MAX_AGENTS = 20


class ErasureHook(Protocol):
    """What a plug-in erases for a person (cmi5: registrations and sessions)."""

    async def erase_agent(self, database: Database, agent_keys: list[str], dry_run: bool) -> dict[str, int]:
        """Count (dry run) or erase what the plug-in keeps about these identifiers; counts by kind."""


@dataclass
class Plan:
    deleted: list[StoredRecord] = field(default_factory=list)
    changed: list[StoredRecord] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)


def parse_agents(raw: object) -> list[dict[str, Any]]:
    agents = raw if isinstance(raw, list) else [raw]
    if not agents or len(agents) > MAX_AGENTS:
        raise BadRequest(f"agent: give one Agent, or a list of 1 to {MAX_AGENTS} (each identifier of one person)")
    checked = []
    for index, agent in enumerate(agents):
        path = "agent" if len(agents) == 1 else f"agent[{index}]"
        try:
            # An Agent (never a Group) passes only with exactly one inverse functional identifier.
            checked.append(validate_agent(agent, path, allow_group=False))
        except InvalidStatement as error:
            raise BadRequest(error.detail) from None
    return checked


def without_signature(record: StoredRecord, signature_hashes: list[str]) -> None:
    record.statement["attachments"] = [a for a in record.statement["attachments"] if a["usageType"] != SIGNATURE_USAGE]
    if not record.statement["attachments"]:
        del record.statement["attachments"]
    record.attachment_hashes = [h for h in record.attachment_hashes if h not in signature_hashes]


async def make_plan(database: Database, keys: set[str], pseudonym: dict[str, Any]) -> Plan:
    plan = Plan()
    dropped: dict[str, set[str]] = {}  # attachment hash -> ids of statements letting go of it
    for record in await find_records_mentioning(database, sorted(keys)):
        if is_own_record(record.statement, keys):
            plan.deleted.append(record)
            for sha2 in record.attachment_hashes:
                dropped.setdefault(sha2, set()).add(record.id)
            continue
        statement = pseudonymise(record.statement, keys, pseudonym)
        if statement != record.statement:
            record.statement = statement
            signatures = [
                a["sha2"].lower() for a in statement.get("attachments", ()) if a["usageType"] == SIGNATURE_USAGE
            ]
            if signatures:
                without_signature(record, signatures)
                for sha2 in signatures:
                    dropped.setdefault(sha2, set()).add(record.id)
        record.keys = replace_keys(record.keys, keys, pseudonym)
        plan.changed.append(record)
    users = await find_attachment_users(database, sorted(dropped))
    plan.attachments = sorted(sha2 for sha2, ids in users.items() if not ids - dropped[sha2])
    return plan


async def erase_agent(
    database: Database, body: object, hooks: list[ErasureHook], by: str, public_url: str
) -> dict[str, Any]:
    """`body`: {"agent": Agent or [Agents], "dryRun": bool}. Returns the counts; when not a dry run,
    the audit record (id, time, credential, counts)."""
    if not isinstance(body, dict) or set(body) - {"agent", "dryRun"} or "agent" not in body:
        raise BadRequest('the body must be {"agent": <Agent or list of Agents>, "dryRun": true|false}')
    dry_run = body.get("dryRun", False)
    if not isinstance(dry_run, bool):
        raise BadRequest("dryRun: must be true or false")
    keys = sorted({key for agent in parse_agents(body["agent"]) for key in identity_keys(agent)})
    plan = await make_plan(database, set(keys), make_pseudonym(public_url))
    counts = {
        "statementsDeleted": len(plan.deleted),
        "statementsPseudonymised": len(plan.changed),
        "attachmentsDeleted": len(plan.attachments),
    }
    if dry_run:
        counts["documentsDeleted"] = await count_agent_documents(database, keys)
        counts["agentNamesDeleted"] = await count_agents(database, keys)
    else:
        # Others' records first, then the person's: a run cut short is finished by running it again.
        await update_records(database, plan.changed)
        await delete_records(database, plan.deleted)
        await delete_attachment_bodies(database, plan.attachments)
        counts["documentsDeleted"] = await delete_agent_documents(database, keys)
        counts["agentNamesDeleted"] = await delete_agents(database, keys)
    for hook in hooks:
        counts.update(await hook.erase_agent(database, keys, dry_run))
    if dry_run:
        return {"dryRun": True, "counts": counts}
    record = {"_id": str(uuid.uuid4()), "at": datetime.now(UTC), "by": by, "counts": counts}
    await store.insert_erasure(database, record)
    return render_erasure(record)


def render_erasure(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["_id"],
        "at": format_timestamp(record["at"]),
        "by": record["by"],
        "dryRun": False,
        "counts": record["counts"],
    }


async def list_erasures(database: Database) -> list[dict[str, Any]]:
    return [render_erasure(r) for r in await store.find_erasures(database)]
