"""The console's settings, from `LRS_CONSOLE_*` environment variables, and its app keys."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from lrs.settings import SettingError

# name, default, help (listed by `lrs serve --help`)
ENVIRONMENT = [
    ("LRS_CONSOLE_SESSION_HOURS", "8", "longest a console sign-in lasts, in hours"),
    ("LRS_CONSOLE_IDLE_MINUTES", "30", "a console session ends after this many minutes without a request"),
    (
        "LRS_CONSOLE_SIGN_IN_LIMIT",
        "5",
        "failed console sign-ins allowed per credential key in 15 minutes (four times as many per client address)",
    ),
    (
        "LRS_CONSOLE_ASSETS_DIR",
        "",
        "node_modules folder holding htmx.org and chart.js; when empty, "
        "node_modules of the source tree, then of the working directory",
    ),
]


@dataclass(frozen=True)
class ConsoleSettings:
    session_hours: int = 8
    idle_minutes: int = 30
    sign_in_limit: int = 5
    assets_dir: str = ""

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(hours=self.session_hours)

    @property
    def idle_timeout(self) -> timedelta:
        return timedelta(minutes=self.idle_minutes)

    @classmethod
    def from_env(cls, env=None) -> ConsoleSettings:
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(name, next(d for n, d, _ in ENVIRONMENT if n == name)).strip()

        return cls(
            session_hours=_positive("LRS_CONSOLE_SESSION_HOURS", get("LRS_CONSOLE_SESSION_HOURS")),
            idle_minutes=_positive("LRS_CONSOLE_IDLE_MINUTES", get("LRS_CONSOLE_IDLE_MINUTES")),
            sign_in_limit=_positive("LRS_CONSOLE_SIGN_IN_LIMIT", get("LRS_CONSOLE_SIGN_IN_LIMIT")),
            assets_dir=get("LRS_CONSOLE_ASSETS_DIR"),
        )


def _positive(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingError(f"{name} must be an integer, got {value!r}") from None
    if number < 1:
        raise SettingError(f"{name} must be at least 1, got {number}")
    return number


console_settings_key = web.AppKey("console_settings", ConsoleSettings)
