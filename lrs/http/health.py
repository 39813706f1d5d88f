"""Probes and metrics for load balancers, orchestrators and Prometheus; no credentials needed.

- `GET /health`: the process is up and its event loop answers (liveness).
- `GET /ready`: the database answers a ping within a short timeout and every declared index
  exists (readiness): a load balancer sends traffic only to ready processes.
- `GET /metrics`: Prometheus text format (lrs.metrics).
"""

from __future__ import annotations

import pymongo
from aiohttp import web
from pymongo.errors import PyMongoError

from lrs.db import find_missing_indexes
from lrs.errors import ServiceUnavailable
from lrs.keys import database_key, drain_key, index_specs_key, metrics_key, mongo_client_key
from lrs.http.middleware import RETRY_AFTER_SECONDS
from lrs.http.responses import json_response

# Well under a load balancer's probe interval, so a probe never piles up behind the previous one.
READY_TIMEOUT_SECONDS = 1.0
RETRY_AFTER = {"Retry-After": RETRY_AFTER_SECONDS}  # as a request during a database outage gets


async def health(request: web.Request) -> web.Response:
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
    body, content_type = request.app[metrics_key].render()
    return web.Response(body=body, headers={"Content-Type": content_type})


def add_health_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_get("/metrics", metrics)
