"""Prometheus metrics of one application, in a registry of its own.

Each `create_app` gets its own `CollectorRegistry`, so several apps in one process (tests, or
an embedding program) never share or clash over counters. Every LRS process exposes its own
numbers on `/metrics`; Prometheus scrapes each process and sums them.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from lrs.hooks import StoreContext
from lrs.shutdown import Drain

# Request latency, in seconds: from a fast cached read to a large batch.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"  # requests no route matched: one label, whatever their path


class Metrics:
    def __init__(self, drain: Drain) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "lrs_http_requests",
            "HTTP requests answered, by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "lrs_http_request_duration_seconds",
            "Time from request start to response, by route.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        in_progress = Gauge(
            "lrs_http_requests_in_progress",
            "Requests being handled right now.",
            registry=self.registry,
        )
        in_progress.set_function(lambda: drain.requests)
        draining = Gauge(
            "lrs_draining",
            "1 once a SIGTERM was received and the process is finishing its requests.",
            registry=self.registry,
        )
        draining.set_function(lambda: int(drain.draining))
        self.statements_stored = Counter(
            "lrs_statements_stored",
            "Statements accepted by PUT or POST /statements (an identical resend counts again).",
            registry=self.registry,
        )
        self.database_errors = Counter(
            "lrs_database_errors",
            "Database operations that failed, by error class.",
            ["error"],
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "OTHER"
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def count_database_error(self, error: BaseException) -> None:
        self.database_errors.labels(error.__class__.__name__).inc()

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class StatementCounter:
    """A statement hook (lrs.hooks) that counts what each write stored."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def before_store(self, statements: list[dict[str, Any]], ctx: StoreContext) -> None:
        return None

    async def after_store(self, statements: list[dict[str, Any]], ctx: StoreContext) -> None:
        self.metrics.statements_stored.inc(len(statements))
