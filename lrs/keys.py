"""Typed keys for everything the application holds in `app[...]`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from pymongo import AsyncMongoClient
    from pymongo.asynchronous.database import AsyncDatabase

    from lrs.auth.service import Authenticator
    from lrs.hooks import StatementHook
    from lrs.metrics import Metrics
    from lrs.settings import Settings
    from lrs.shutdown import Drain

settings_key = web.AppKey("settings", "Settings")
mongo_client_key = web.AppKey("mongo_client", "AsyncMongoClient")
database_key = web.AppKey("database", "AsyncDatabase")
# Statement hooks (cmi5 plugs in here); lrs never imports the packages that register them.
statement_hooks_key = web.AppKey("statement_hooks", "list[StatementHook]")
# Extra ways to authenticate (cmi5 launch tokens); tried before Basic credentials.
authenticators_key = web.AppKey("authenticators", "list[Authenticator]")
# Index declarations of every store module (and of plug-ins); created at start-up.
index_specs_key = web.AppKey("index_specs", "list[IndexSpec]")
credential_store_key = web.AppKey("credential_store", "CredentialStore")
cursor_secret_key = web.AppKey("cursor_secret", bytes)
# Prometheus metrics of this app (its own registry).
metrics_key = web.AppKey("metrics", "Metrics")
# Requests and writes in flight, which shutdown waits for before closing the database.
drain_key = web.AppKey("drain", "Drain")
