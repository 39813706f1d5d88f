"""Response building shared by the handlers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web


def dump_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(value: object, status: int = 200, headers: dict[str, Any] | None = None) -> web.Response:
    return web.Response(
        body=dump_json(value), status=status, headers=headers, content_type="application/json", charset="utf-8"
    )


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)
