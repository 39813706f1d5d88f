"""The verbs of forwards, for the admin HTTP API, the CLI and the console. No HTTP here.

Secrets (a receiving LRS's credential secret, a webhook's HMAC key) are stored as given, since
they must be sent; they are never shown again, except a webhook secret the LRS generated, which
`create_forward` returns once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from lrs.db import Database
from lrs.errors import Conflict, NotFound
from lrs.forwarding import store
from lrs.forwarding.model import ACTIVE, PAUSED, WEBHOOK, Definition, parse_definition, parse_filter
from lrs.statements.service import format_timestamp
from lrs.versions import XAPI_1_0_3

# A forward takes the statements stored from this long after its creation: by then every LRS
# process has read the new forward (they refresh their list every second), so each of them
# puts it in the outbox entries of the batches it stores.
START_DELAY = timedelta(seconds=2)


def now() -> datetime:
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def to_definition(document: dict[str, Any]) -> Definition:
    return Definition(
        document["name"],
        document["kind"],
        document["url"],
        parse_filter(document["filter"]),
        document.get("key", ""),
        document["secret"],
        document.get("xapi_version", ""),
    )


def definition_fields(definition: Definition) -> dict[str, Any]:
    return {
        "name": definition.name,
        "kind": definition.kind,
        "url": definition.url,
        "filter": definition.filter.to_json(),
        "key": definition.key,
        "secret": definition.secret,
        "xapi_version": definition.xapi_version,
    }


def _time(value: datetime | None) -> str | None:
    return format_timestamp(value) if value else None


def render_forward(document: dict[str, Any], pending: tuple[int, datetime | None] | None = None) -> dict[str, Any]:
    view = {
        "id": document["_id"],
        "name": document["name"],
        "type": document["kind"],
        "url": document["url"],
        "filter": document["filter"],
        "status": document["status"],
        "created": _time(document["created"]),
        "since": _time(document["since"]),
        "delivered": document.get("delivered", 0),
        "lastDeliveryAt": _time(document.get("last_delivery_at")),
        "failures": document.get("failures", 0),
        "lastError": (
            {"at": _time(document.get("last_error_at")), "message": document["last_error"]}
            if document.get("last_error")
            else None
        ),
        "nextAttemptAt": _time(document.get("next_attempt_at")),
        "pausedAt": _time(document.get("paused_at")),
    }
    if document["kind"] != WEBHOOK:
        view["key"] = document.get("key", "")
        view["xapiVersion"] = document.get("xapi_version") or XAPI_1_0_3.name
    if pending is not None:
        view["pending"] = {"statements": pending[0], "oldestStored": _time(pending[1])}
    return view


async def create_forward(database: Database, body: object) -> dict[str, Any]:
    """The new forward; a webhook's `secret` is in the answer (only here)."""
    definition = parse_definition(body)
    created = now()
    document = {
        "_id": str(uuid.uuid4()),
        **definition_fields(definition),
        "status": ACTIVE,
        "created": created,
        "since": created + START_DELAY,
        "delivered": 0,
        "failures": 0,
        "lease_owner": None,
        "lease_until": None,
    }
    await store.insert_forward(database, document)
    view = render_forward(document)
    if definition.kind == WEBHOOK:
        view["secret"] = definition.secret
    return view


async def find_forward(database: Database, forward_id: str) -> dict[str, Any]:
    document = await store.find_forward(database, forward_id)
    if document is None:
        raise NotFound(f"no forward {forward_id}")
    return document


async def list_forwards(database: Database) -> list[dict[str, Any]]:
    return [render_forward(document) for document in await store.find_forwards(database)]


async def get_forward(database: Database, forward_id: str) -> dict[str, Any]:
    """One forward with what it still has to deliver (reads its whole queue)."""
    document = await find_forward(database, forward_id)
    return render_forward(document, await store.count_outbox_pending(database, forward_id))


async def update_forward(database: Database, forward_id: str, body: object) -> dict[str, Any]:
    """Change name, url, key, secret or filter; statements not delivered yet get the new filter."""
    current = await find_forward(database, forward_id)
    definition = parse_definition(body, to_definition(current))
    updated = await store.update_forward(database, forward_id, definition_fields(definition))
    if updated is None:
        raise NotFound(f"no forward {forward_id}")
    return render_forward(updated)


async def pause_forward(database: Database, forward_id: str) -> dict[str, Any]:
    await find_forward(database, forward_id)
    updated = await store.update_forward(
        database, forward_id, {"status": PAUSED, "paused_at": now()}, only_if={"status": ACTIVE}
    )
    if updated is None:
        raise Conflict(f"forward {forward_id} is paused already")
    return render_forward(updated)


async def resume_forward(database: Database, forward_id: str) -> dict[str, Any]:
    """Back to work at once: failures and the backoff start over."""
    await find_forward(database, forward_id)
    updated = await store.update_forward(
        database,
        forward_id,
        {"status": ACTIVE, "paused_at": None, "failures": 0, "next_attempt_at": None},
        only_if={"status": PAUSED},
    )
    if updated is None:
        raise Conflict(f"forward {forward_id} is not paused")
    return render_forward(updated)


async def delete_forward(database: Database, forward_id: str) -> None:
    """Stops delivery at once; its outbox entries are cleared a little later (worker.py), when
    no process can still be adding it to new ones."""
    await find_forward(database, forward_id)
    await store.update_forward(database, forward_id, {"status": store.DELETED, "deleted_at": now()})
