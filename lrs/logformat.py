"""Structured log lines: `key=value` (logfmt) or one JSON object per line.

A record's own fields come from `extra={"fields": {...}}`; every line also carries the time,
level, logger and message, so log shippers can parse lines without a pattern per message.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

FIELDS = "fields"


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname,
        "logger": record.name,
        "msg": record.getMessage(),
    }
    fields.update({k: v for k, v in (getattr(record, FIELDS, None) or {}).items() if v is not None})
    if record.exc_info:
        fields["error"] = logging.Formatter().formatException(record.exc_info)
    return fields


def format_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        value = f"{value:.1f}"
    text = str(value)
    if text and text.isprintable() and not any(c in text for c in ' "=\\'):
        return text
    return json.dumps(text)  # quoted, with quotes and control characters escaped


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={format_value(value)}" for key, value in record_fields(record).items())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(record_fields(record), default=str, separators=(",", ":"))


FORMATTERS = {"keyvalue": KeyValueFormatter, "json": JsonFormatter}


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(FORMATTERS[fmt]())
    logging.basicConfig(level=level, handlers=[handler], force=True)
