"""The console plugged in beside cmi5 and the bridge, on a known port (the bridge's fixtures: its
`localhost` name is the content origin), and a client that signs in as a browser does."""

from __future__ import annotations

import re

import pytest

import bridge
import cmi5
import console
from console.config import ConsoleSettings
from tests.bridge.conftest import client, cmi5_settings, content_origin, port  # noqa: F401  (fixtures)
from tests.cmi5.conftest import lms  # noqa: F401  (fixture)
from tests.conftest import ADMIN_KEY, ADMIN_SECRET

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def console_settings():
    return ConsoleSettings(sign_in_limit=3)


@pytest.fixture
def plugins(cmi5_settings, console_settings):  # noqa: F811
    return [cmi5.plugin(cmi5_settings), bridge.setup, console.plugin(console_settings)]


class Console:
    """The console as a browser uses it: cookies kept by the client, the CSRF token read from pages."""

    def __init__(self, http_client) -> None:
        self.client = http_client
        self.csrf: str | None = None

    async def page(self, path: str, expect: int = 200, **kwargs) -> str:
        response = await self.client.get(path, allow_redirects=False, **kwargs)
        text = await response.text()
        assert response.status == expect, (response.status, text[:2000])
        found = CSRF.search(text)
        if found and self.signed_in:
            self.csrf = found.group(1)
        return text

    @property
    def signed_in(self) -> bool:
        return any(cookie.key == "lrs_console" and cookie.value for cookie in self.client.session.cookie_jar)

    async def sign_in(self, key: str = ADMIN_KEY, secret: str = ADMIN_SECRET, expect: int = 303, **extra):
        self.client.session.cookie_jar.clear()  # a fresh browser
        form = await self.page("/console/sign-in")
        token = CSRF.search(form).group(1)
        response = await self.client.post(
            "/console/sign-in",
            data={"key": key, "secret": secret, "csrf": token, "next": "/console/", **extra},
            allow_redirects=False,
        )
        assert response.status == expect, (response.status, (await response.text())[:2000])
        if expect == 303:
            await self.page("/console/")
        return response

    async def post(self, path: str, data: dict | None = None, expect: int = 303, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf", self.csrf)
        response = await self.client.post(path, data=data, allow_redirects=False, **kwargs)
        assert response.status == expect, (response.status, (await response.text())[:2000])
        return response


@pytest.fixture
async def admin_console(client):  # noqa: F811
    signed = Console(client)
    await signed.sign_in()
    return signed
