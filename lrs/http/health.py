"""Probes and metrics for load balancers, orchestrators and Prometheus.

- `GET /health`: the process is up, its event loop answers and, with the embedded database, that
  database is running (liveness). While the embedded database is down or being restarted it is
  503: a probe that keeps failing may restart the process, which is what the LRS itself does
  last (lrs.embedded_recovery).
- `GET /ready`: the database answers a ping within a short timeout and every declared index
  exists (readiness): a load balancer sends traffic only to ready processes.
- `GET /metrics`: Prometheus text format (lrs.metrics). It shows request counts per route and
  statement totals, so it needs either the bearer token LRS_METRICS_TOKEN (Prometheus's
  `authorization` setting) or an admin credential (scope `all`, Basic); LRS_METRICS_PUBLIC=true
  opens it to anyone, for a port only the scraper can reach.

The probes need no credentials: they say no more than whether the process can serve.
"""

from __future__ import annotations

import hmac

import pymongo
from aiohttp import web
from pymongo.errors import PyMongoError

from lrs.auth.principal import ADMIN
from lrs.auth.service import authenticate
from lrs.db import find_missing_indexes
from lrs.errors import ServiceUnavailable
from lrs.http.context import credential_store
from lrs.http.middleware import RETRY_AFTER_SECONDS
from lrs.http.responses import json_response
from lrs.keys import (
    database_key,
    drain_key,
    embedded_status_key,
    index_specs_key,
    metrics_key,
    mongo_client_key,
    settings_key,
)

# Well under a load balancer's probe interval, so a probe never piles up behind the previous one.
READY_TIMEOUT_SECONDS = 1.0
RETRY_AFTER = {"Retry-After": RETRY_AFTER_SECONDS}  # as a request during a database outage gets


async def health(request: web.Request) -> web.Response:
    embedded = request.app.get(embedded_status_key)
    if embedded is not None and not embedded.running:
        raise ServiceUnavailable(embedded.problem, **RETRY_AFTER)
    return json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    app = request.app
    if app[drain_key].draining:
        raise ServiceUnavailable("shutting down", **RETRY_AFTER)
    try:
        with pymongo.timeout(READY_TIMEOUT_SECONDS):
            await app[mongo_client_key].admin.command("ping")
            missing = await find_missing_indexes(app[database_key], app[index_specs_key])
    except PyMongoError as error:
        app[metrics_key].count_database_error(error)
        raise ServiceUnavailable(f"the database does not answer ({error.__class__.__name__})", **RETRY_AFTER) from None
    if missing:
        raise ServiceUnavailable(f"indexes not in place: {', '.join(missing)}", **RETRY_AFTER)
    return json_response({"status": "ready"})


async def metrics(request: web.Request) -> web.Response:
    await check_metrics_access(request)
    body, content_type = request.app[metrics_key].render()
    return web.Response(body=body, headers={"Content-Type": content_type})


async def check_metrics_access(request: web.Request) -> None:
    settings = request.app[settings_key]
    if settings.metrics_public:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if (
        scheme.lower() == "bearer"
        and settings.metrics_token
        and hmac.compare_digest(token.strip().encode(), settings.metrics_token.encode())
    ):
        return
    # Anything else must be an admin credential (401 without one, 403 for a narrower scope).
    caller = await authenticate(header or None, credential_store(request), [])
    caller.require(ADMIN, "reading metrics")


def add_health_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_get("/metrics", metrics)
