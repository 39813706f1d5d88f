"""Typed keys for everything the application holds in `app[...]`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:  # imported for the annotations only: these modules import this one
    from lrs.auth.credentials import CredentialStore
    from lrs.auth.service import Authenticator
    from lrs.db import Client, Database, IndexSpec
    from lrs.embedded_recovery import EmbeddedStatus
    from lrs.hooks import StatementHook
    from lrs.http.connections import ConnectionLimits
    from lrs.http.versioning import LastVersions
    from lrs.metrics import Metrics
    from lrs.settings import Settings
    from lrs.shutdown import Drain, StopRequest

settings_key: web.AppKey[Settings] = web.AppKey("settings")
mongo_client_key: web.AppKey[Client] = web.AppKey("mongo_client")
database_key: web.AppKey[Database] = web.AppKey("database")
# Statement hooks (cmi5 plugs in here); lrs never imports the packages that register them.
statement_hooks_key: web.AppKey[list[StatementHook]] = web.AppKey("statement_hooks")
# Extra ways to authenticate (cmi5 launch tokens); tried before Basic credentials.
authenticators_key: web.AppKey[list[Authenticator]] = web.AppKey("authenticators")
# Index declarations of every store module (and of plug-ins); created at start-up.
index_specs_key: web.AppKey[list[IndexSpec]] = web.AppKey("index_specs")
credential_store_key: web.AppKey[CredentialStore] = web.AppKey("credential_store")
cursor_secret_key: web.AppKey[bytes] = web.AppKey("cursor_secret")
# Prometheus metrics of this app (its own registry).
metrics_key: web.AppKey[Metrics] = web.AppKey("metrics")
# Requests and writes in flight, which shutdown waits for before closing the database.
drain_key: web.AppKey[Drain] = web.AppKey("drain")
# The xAPI version each credential last used: the version a request naming none is refused in.
last_versions_key: web.AppKey[LastVersions] = web.AppKey("last_versions")
# Set by signals, or by the app when it cannot go on; `lrs serve` stops and exits with its code.
stop_key: web.AppKey[StopRequest] = web.AppKey("stop")
# Only with the embedded database: whether it runs, for /health (lrs.embedded_recovery).
embedded_status_key: web.AppKey[EmbeddedStatus] = web.AppKey("embedded_status")
# Header clock and connection count of the connections `lrs serve` accepts (lrs.http.connections).
connection_limits_key: web.AppKey[ConnectionLimits] = web.AppKey("connection_limits")
