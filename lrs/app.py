"""`create_app(settings)`: the one place that builds the server and owns its resources."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web
from pymongo.errors import ConnectionFailure

from lrs import erasure, forwarding
from lrs.auth import credentials
from lrs.auth.credentials import CredentialStore
from lrs.db import DatabaseUnavailable, connect, embedded_database, mongo_client
from lrs.documents import store as documents_store
from lrs.hooks import StatementHook
from lrs.http.connections import ConnectionLimits, track_requests
from lrs.http.durability import journal_before_answering
from lrs.http.health import add_health_routes
from lrs.http.middleware import MIDDLEWARES
from lrs.http.routes import add_routes
from lrs.http.versioning import LastVersions
from lrs.keys import (
    authenticators_key,
    connection_limits_key,
    credential_store_key,
    cursor_secret_key,
    database_key,
    drain_key,
    index_specs_key,
    last_versions_key,
    metrics_key,
    settings_key,
    statement_hooks_key,
    stop_key,
)
from lrs.metrics import Metrics, StatementCounter
from lrs.settings import Settings
from lrs.shutdown import Drain, StopRequest, drain_writes
from lrs.statements import attachments, records, store
from lrs.statements.backfill import ensure_sequence_numbers
from lrs.statements.cursor import load_cursor_secret

INDEXES = [*store.INDEXES, *records.INDEXES, *credentials.INDEXES, *attachments.INDEXES, *documents_store.INDEXES]

# A plug-in (cmi5, the SCORM bridge) is a function that adds routes, hooks and indexes.
Plugin = Callable[[web.Application], None]
# Parts of lrs itself built the same way, always present.
PARTS: list[Plugin] = [forwarding.setup, erasure.setup]


def create_app(settings: Settings, plugins: list[Plugin] | None = None) -> web.Application:
    app = web.Application(
        # Outermost the connection's header clock, innermost the journal sync right around the handler.
        middlewares=[track_requests, *MIDDLEWARES, journal_before_answering],
        # Bodies are read through a streaming size check of our own (lrs.http.context).
        client_max_size=settings.max_body_mb * 1024 * 1024,
    )
    app[settings_key] = settings
    app[drain_key] = Drain()
    app[stop_key] = StopRequest()
    app[connection_limits_key] = ConnectionLimits(settings.header_timeout, settings.max_connections)
    app[metrics_key] = Metrics(app[drain_key])
    hooks: list[StatementHook] = [StatementCounter(app[metrics_key])]
    app[statement_hooks_key] = hooks
    app[authenticators_key] = []
    app[index_specs_key] = list(INDEXES)
    app[last_versions_key] = LastVersions()
    add_routes(app)
    add_health_routes(app)
    # Torn down in reverse: writes finish, then the client closes, then the embedded database stops.
    app.cleanup_ctx.append(embedded_database)
    app.cleanup_ctx.append(statement_numbering)
    app.cleanup_ctx.append(mongo_client)
    app.cleanup_ctx.append(drain_writes)
    app.cleanup_ctx.append(credential_bootstrap)
    for plugin in [*PARTS, *(plugins or ())]:
        plugin(app)
    return app


async def statement_numbering(app: web.Application) -> AsyncIterator[None]:
    """A store of an earlier version gets its sequence numbers before indexes are built and
    before any request (lrs.statements.backfill)."""
    settings = app[settings_key]
    client = connect(settings.database_uri)
    try:
        await ensure_sequence_numbers(client[settings.database])
    except ConnectionFailure as error:
        raise DatabaseUnavailable(
            f"cannot reach the database at {settings.redacted_uri}: {error.__class__.__name__}"
        ) from None
    finally:
        await client.close()
    yield


async def credential_bootstrap(app: web.Application) -> AsyncIterator[None]:
    settings = app[settings_key]
    database = app[database_key]
    credential_store = CredentialStore(database, settings.public_url, settings.credential_cache_seconds)
    app[credential_store_key] = credential_store
    app[cursor_secret_key] = await load_cursor_secret(database)
    if settings.admin_key:
        await credential_store.ensure_admin(settings.admin_key, settings.admin_secret)
    else:
        created = await credential_store.bootstrap_admin()
        if created:
            # Printed once, at the first start: the secret is stored only as a hash.
            print(
                "Created an admin credential (scope all). Save it now, it is not shown again:\n"
                f"  key:    {created.key}\n  secret: {created.secret}",
                flush=True,
            )
    yield
