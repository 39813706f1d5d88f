"""cmi5's settings, from `LRS_CMI5_*` environment variables, and its app key."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from aiohttp import web
from yarl import URL

from cmi5.package import PackageLimits
from lrs.settings import SettingError

# name, default, help
ENVIRONMENT = [
    (
        "LRS_CMI5_CONTENT_URL",
        "",
        "separate origin (e.g. https://content.lrs.example.com) that serves course "
        "package content; when empty it is served sandboxed from this server's origin",
    ),
    ("LRS_CMI5_MAX_PACKAGE_FILES", "10000", "most files a course zip may hold"),
    ("LRS_CMI5_MAX_PACKAGE_MB", "1024", "largest total uncompressed size of a course zip, in MiB"),
]


@dataclass(frozen=True)
class Cmi5Settings:
    content_url: str = ""
    package_limits: PackageLimits = field(default_factory=PackageLimits)

    @classmethod
    def from_env(cls, env=None) -> Cmi5Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return env.get(name, next(d for n, d, _ in ENVIRONMENT if n == name)).strip()

        content_url = get("LRS_CMI5_CONTENT_URL")
        if content_url and not content_url.startswith(("http://", "https://")):
            raise SettingError("LRS_CMI5_CONTENT_URL must start with http:// or https://")
        try:
            # As browsers name the host: lower case, no default port. Content is served only where
            # the Host header matches it, so https://host:443 would redirect to itself forever.
            content_url = str(URL(content_url)).rstrip("/")
        except ValueError as error:
            raise SettingError(f"LRS_CMI5_CONTENT_URL is not a URL ({error})") from None
        try:
            files = int(get("LRS_CMI5_MAX_PACKAGE_FILES"))
            megabytes = int(get("LRS_CMI5_MAX_PACKAGE_MB"))
        except ValueError:
            raise SettingError("LRS_CMI5_MAX_PACKAGE_FILES and LRS_CMI5_MAX_PACKAGE_MB must be integers") from None
        if files < 1 or megabytes < 1:
            raise SettingError("LRS_CMI5_MAX_PACKAGE_FILES and LRS_CMI5_MAX_PACKAGE_MB must be positive")
        return cls(content_url, PackageLimits(files, megabytes * 1024 * 1024))


cmi5_settings_key = web.AppKey("cmi5_settings", Cmi5Settings)
