"""Configuration from `LRS_*` environment variables; no config file is needed to start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lrs.errors import BadRequest


class SettingError(BadRequest):
    """A configuration value that cannot be used; the CLI prints it as one line."""


# name, default, help: the single list `lrs serve --help` prints.
ENVIRONMENT = [
    ("LRS_HOST", "127.0.0.1", "interface to listen on"),
    ("LRS_PORT", "8080", "port to listen on"),
    ("LRS_MONGODB_URI", "", "MongoDB URI; when empty an embedded SecantusDB is started"),
    ("LRS_DATABASE", "lrs", "database name"),
    ("LRS_DATA_DIR", "./.lrs-data", "data folder of the embedded database"),
    ("LRS_EMBEDDED_CACHE", "256M", "cache size of the embedded database"),
    ("LRS_ADMIN_KEY", "", "key of an admin credential (scope all) ensured at start-up"),
    ("LRS_ADMIN_SECRET", "", "secret of that admin credential"),
    ("LRS_PUBLIC_URL", "", "external base URL (e.g. https://lrs.example.com) used in links"),
    ("LRS_STATEMENT_LIMIT", "100", "most statements returned by one GET /statements page"),
    ("LRS_MAX_BODY_MB", "64", "largest request body accepted, in MiB"),
    ("LRS_LOG_LEVEL", "INFO", "logging level"),
    ("LRS_LOG_FORMAT", "keyvalue", "log line format: keyvalue (logfmt) or json"),
    ("LRS_SHUTDOWN_TIMEOUT", "30", "seconds a SIGTERM waits for requests in flight before cancelling them"),
    (
        "LRS_UNCONDITIONAL_PROFILE_PUT",
        "reject",
        "a profile PUT with neither If-Match nor If-None-Match to a "
        "document that does not exist: reject (400, as the xAPI 1.0.3 conformance suite expects) or create "
        "(needed by TinCanPython); one that exists is always 409",
    ),
    (
        "LRS_UNSAFE_FAST_WRITES",
        "false",
        "true answers writes before the database has journaled them: faster, but a crash of the database "
        "can lose statements already acknowledged",
    ),
    (
        "LRS_CREDENTIAL_CACHE_SECONDS",
        "2",
        "seconds a process uses a credential it has read before reading it again: a revocation made "
        "elsewhere (lrs credentials revoke, another process) takes effect within this time; 0 reads it on every request",
    ),
    ("LRS_METRICS_TOKEN", "", "a bearer token that may read /metrics (an admin credential always may)"),
    ("LRS_METRICS_PUBLIC", "false", "true lets anyone read /metrics, e.g. when only Prometheus can reach the port"),
    ("LRS_HEADER_TIMEOUT", "20", "seconds a client has to send a request's headers"),
    ("LRS_KEEPALIVE_TIMEOUT", "75", "seconds an idle keep-alive connection stays open"),
    ("LRS_MAX_CONNECTIONS", "1000", "most open connections per process; more are answered 503 and closed"),
    ("LRS_FORWARD_MAX_BACKOFF", "300", "longest wait, in seconds, between two attempts of a failing forward"),
    ("LRS_FORWARD_PAUSE_AFTER", "20", "failed attempts in a row after which a forward is paused"),
    ("LRS_FORWARD_TIMEOUT", "30", "seconds a forward waits for its receiver to answer one delivery"),
]


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    mongodb_uri: str = ""
    database: str = "lrs"
    data_dir: Path = Path("./.lrs-data")
    embedded_cache: str = "256M"
    admin_key: str = ""
    admin_secret: str = ""
    public_url: str = ""
    statement_limit: int = 100
    max_body_mb: int = 64
    log_level: str = "INFO"
    log_format: str = "keyvalue"
    shutdown_timeout: int = 30
    unconditional_profile_put: str = "reject"
    unsafe_fast_writes: bool = False
    metrics_token: str = ""
    metrics_public: bool = False
    header_timeout: int = 20
    keepalive_timeout: int = 75
    max_connections: int = 1000
    credential_cache_seconds: int = 2

    # Set once the embedded database runs: where it listens.
    embedded_uri: str = ""
    forward_max_backoff: float = 300.0
    forward_pause_after: int = 20
    forward_timeout: float = 30.0

    @property
    def embedded(self) -> bool:
        return not self.mongodb_uri

    @property
    def database_uri(self) -> str:
        return self.mongodb_uri or self.embedded_uri

    @property
    def redacted_uri(self) -> str:
        """The database URI without its password, for messages."""
        scheme, sep, rest = self.database_uri.partition("://")
        userinfo, at, host = rest.rpartition("@")
        if not at:
            return self.database_uri
        user = userinfo.split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{host}"

    def with_embedded_uri(self, uri: str) -> Settings:
        return replace(self, embedded_uri=uri)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str:
            default = next(d for n, d, _ in ENVIRONMENT if n == name)
            return env.get(name, default).strip()

        values: dict[str, Any] = dict(
            host=get("LRS_HOST"),
            port=_integer("LRS_PORT", get("LRS_PORT"), 0, 65535),
            mongodb_uri=get("LRS_MONGODB_URI"),
            database=get("LRS_DATABASE"),
            data_dir=Path(get("LRS_DATA_DIR")),
            embedded_cache=get("LRS_EMBEDDED_CACHE"),
            admin_key=get("LRS_ADMIN_KEY"),
            admin_secret=get("LRS_ADMIN_SECRET"),
            public_url=get("LRS_PUBLIC_URL").rstrip("/"),
            statement_limit=_integer("LRS_STATEMENT_LIMIT", get("LRS_STATEMENT_LIMIT"), 1, 10_000),
            max_body_mb=_integer("LRS_MAX_BODY_MB", get("LRS_MAX_BODY_MB"), 1, 4096),
            log_level=get("LRS_LOG_LEVEL").upper(),
            log_format=get("LRS_LOG_FORMAT").lower(),
            shutdown_timeout=_integer("LRS_SHUTDOWN_TIMEOUT", get("LRS_SHUTDOWN_TIMEOUT"), 0, 3600),
            unconditional_profile_put=get("LRS_UNCONDITIONAL_PROFILE_PUT").lower(),
            unsafe_fast_writes=_boolean("LRS_UNSAFE_FAST_WRITES", get("LRS_UNSAFE_FAST_WRITES")),
            metrics_token=get("LRS_METRICS_TOKEN"),
            metrics_public=_boolean("LRS_METRICS_PUBLIC", get("LRS_METRICS_PUBLIC")),
            header_timeout=_integer("LRS_HEADER_TIMEOUT", get("LRS_HEADER_TIMEOUT"), 1, 3600),
            keepalive_timeout=_integer("LRS_KEEPALIVE_TIMEOUT", get("LRS_KEEPALIVE_TIMEOUT"), 1, 86400),
            max_connections=_integer("LRS_MAX_CONNECTIONS", get("LRS_MAX_CONNECTIONS"), 1, 1_000_000),
            credential_cache_seconds=_integer(
                "LRS_CREDENTIAL_CACHE_SECONDS", get("LRS_CREDENTIAL_CACHE_SECONDS"), 0, 3600
            ),
            forward_max_backoff=_integer("LRS_FORWARD_MAX_BACKOFF", get("LRS_FORWARD_MAX_BACKOFF"), 1, 86400),
            forward_pause_after=_integer("LRS_FORWARD_PAUSE_AFTER", get("LRS_FORWARD_PAUSE_AFTER"), 1, 100_000),
            forward_timeout=_integer("LRS_FORWARD_TIMEOUT", get("LRS_FORWARD_TIMEOUT"), 1, 3600),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if bool(self.admin_key) != bool(self.admin_secret):
            raise SettingError("LRS_ADMIN_KEY and LRS_ADMIN_SECRET must be set together")
        if self.mongodb_uri and not self.mongodb_uri.startswith(("mongodb://", "mongodb+srv://")):
            raise SettingError("LRS_MONGODB_URI must start with mongodb:// or mongodb+srv://")
        if self.log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise SettingError("LRS_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        if self.log_format not in ("keyvalue", "json"):
            raise SettingError("LRS_LOG_FORMAT must be keyvalue or json")
        if self.unconditional_profile_put not in ("reject", "create"):
            raise SettingError("LRS_UNCONDITIONAL_PROFILE_PUT must be reject or create")
        if not self.database or any(c in self.database for c in '/\\. "$'):
            raise SettingError("LRS_DATABASE must be a plain database name")


def _boolean(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingError(f"{name} must be true or false, got {value!r}")
    return lowered in ("true", "1", "yes")


def _integer(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingError(f"{name} must be an integer, got {value!r}") from None
    if not low <= number <= high:
        raise SettingError(f"{name} must be between {low} and {high}, got {number}")
    return number
