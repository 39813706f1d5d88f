"""Forwarding: statements sent on to other xAPI LRSs and to webhooks, in order, at least once.

A part of lrs built like a plug-in: `setup(app)` adds its statement hook, indexes, admin routes
and the delivery worker. `lrs.forwarding.service` holds the verbs the CLI and the console call.
"""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    from lrs.forwarding import http, store
    from lrs.forwarding.worker import Forwarding, OutboxHook, forwarding_key, run_worker
    from lrs.keys import database_key, index_specs_key, statement_hooks_key

    forwarding = app[forwarding_key] = Forwarding()
    app[statement_hooks_key].append(OutboxHook(forwarding, lambda: app[database_key]))
    app[index_specs_key].extend(store.INDEXES)
    http.add_routes(app)
    app.cleanup_ctx.append(run_worker)
