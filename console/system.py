"""The System page's facts: database, versions, disk, uptime and the process's /metrics figures."""

from __future__ import annotations

import platform
import shutil
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from aiohttp import web
from prometheus_client import CollectorRegistry
from pymongo.errors import PyMongoError

from lrs.settings import Settings

PACKAGES = ("lrs", "aiohttp", "pymongo", "secantusdb")


@dataclass
class Started:
    """When this process's app started, and whether it started its own embedded database."""

    monotonic: float
    embedded: bool


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def folder_size(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:  # a file the database removed meanwhile
            continue
    return total


def format_bytes(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def format_uptime(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return (f"{days}d " if days else "") + f"{hours}h {minutes:02d}m {secs:02d}s"


def metric_figures(registry: CollectorRegistry) -> list[tuple[str, str]]:
    """The /metrics figures a person reads first: requests by status class, latency, statements, errors."""
    by_class: dict[str, float] = {}
    figures: dict[str, float] = {}
    latency_sum = latency_count = 0.0
    for family in registry.collect():
        for sample in family.samples:
            if sample.name == "lrs_http_requests_total":
                status_class = sample.labels["status"][0] + "xx"
                by_class[status_class] = by_class.get(status_class, 0) + sample.value
            elif sample.name == "lrs_http_request_duration_seconds_sum":
                latency_sum += sample.value
            elif sample.name == "lrs_http_request_duration_seconds_count":
                latency_count += sample.value
            elif sample.name in ("lrs_statements_stored_total", "lrs_http_requests_in_progress", "lrs_draining"):
                figures[sample.name] = sample.value
            elif sample.name == "lrs_database_errors_total":
                figures[sample.name] = figures.get(sample.name, 0) + sample.value
    rows = [(f"requests answered {status_class}", f"{n:.0f}") for status_class, n in sorted(by_class.items())]
    if latency_count:
        rows.append(("mean request time", f"{latency_sum / latency_count * 1000:.1f} ms"))
    rows += [
        ("statements stored (this process)", f"{figures.get('lrs_statements_stored_total', 0):.0f}"),
        ("requests in progress", f"{figures.get('lrs_http_requests_in_progress', 0):.0f}"),
        ("database errors", f"{figures.get('lrs_database_errors_total', 0):.0f}"),
        ("draining", "yes" if figures.get("lrs_draining") else "no"),
    ]
    return rows


async def read_system(client, database, settings: Settings, started: Started, registry: CollectorRegistry) -> dict:
    facts: dict = {
        "database_kind": "embedded SecantusDB (a child process of this LRS)" if started.embedded else "MongoDB",
        "database_uri": settings.redacted_uri,
        "database_name": settings.database,
        "uptime": format_uptime(time.monotonic() - started.monotonic),
        "versions": [(name, package_version(name)) for name in PACKAGES] + [("Python", platform.python_version())],
        "public_url": settings.public_url or "(not set: links use the address each request came to)",
        "metrics": metric_figures(registry),
    }
    try:
        facts["server_version"] = (await client.admin.command("buildInfo")).get("version", "unknown")
        stats = await database.command("dbStats")
        facts["stats"] = [
            ("collections", f"{stats.get('collections', 0)}"),
            ("documents", f"{stats.get('objects', 0)}"),
            ("data size", format_bytes(stats.get("dataSize", 0))),
            ("storage size", format_bytes(stats.get("storageSize", 0))),
            ("index size", format_bytes(stats.get("indexSize", 0))),
        ]
    except PyMongoError as error:
        facts["database_error"] = error.__class__.__name__
    if started.embedded:
        data_dir = settings.data_dir.resolve()
        usage = shutil.disk_usage(data_dir)
        facts["disk"] = [
            ("data folder", str(data_dir)),
            ("used by the data folder", format_bytes(folder_size(data_dir))),
            ("free on its disk", format_bytes(usage.free)),
        ]
    return facts


started_key = web.AppKey("console_started", Started)
