"""Package content on a separate origin (LRS_CMI5_CONTENT_URL)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import ClientSession, web

import cmi5
from cmi5.config import Cmi5Settings
from lrs.app import create_app
from lrs.embedded import free_port
from lrs.logformat import FIELDS
from lrs.settings import SettingError
from tests.cmi5.test_http import A, packaged
from tests.conftest import ADMIN_AUTH


@pytest.fixture
def cmi5_settings():
    return Cmi5Settings(content_url="https://content.lrs.example.com")


async def test_separate_content_origin_is_used_and_may_keep_its_origin(lms):
    course = await lms.import_course(packaged(), "application/zip")
    registration = await lms.register(course["id"])
    launch = await lms.launch(registration, A)
    assert launch["url"].startswith(f"https://content.lrs.example.com/cmi5/content/{course['id']}/au/index.html?")
    path = f"/cmi5/content/{course['id']}/au/index.html"
    # On the content origin the file keeps that origin: no sandbox, which would also keep frames of
    # a frameset course from loading pages into each other.
    response = await lms.client.get(path, headers={"Host": "content.lrs.example.com"})
    assert response.status == 200
    assert "Content-Security-Policy" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_content_asked_for_on_the_lrs_origin_goes_to_the_content_origin(lms, method):
    # Served on the LRS's own origin, an uploaded page would run beside the console and the APIs.
    course = await lms.import_course(packaged(), "application/zip")
    path = f"/cmi5/content/{course['id']}/au/index.html?x=1"
    response = await lms.client.request(method, path, allow_redirects=False)
    assert response.status == 307
    assert response.headers["Location"] == f"https://content.lrs.example.com{path}"


def test_settings_come_from_the_environment():
    settings = Cmi5Settings.from_env(
        {
            "LRS_CMI5_CONTENT_URL": "https://content.example.com/",
            "LRS_CMI5_MAX_PACKAGE_FILES": "7",
            "LRS_CMI5_MAX_PACKAGE_MB": "2",
        }
    )
    assert settings.content_url == "https://content.example.com"
    # As a browser sends it in Host: a default port would make every content request a 307 to itself.
    for written in ("https://Content.Example.com:443", "http://content.example.com:80/"):
        expected = written.split(":")[0] + "://content.example.com"
        assert Cmi5Settings.from_env({"LRS_CMI5_CONTENT_URL": written}).content_url == expected
    assert Cmi5Settings.from_env({"LRS_CMI5_CONTENT_URL": "http://localhost:8080"}).content_url == (
        "http://localhost:8080"
    )
    assert (settings.package_limits.max_files, settings.package_limits.max_total_bytes) == (7, 2 * 1024 * 1024)
    assert Cmi5Settings.from_env({}) == Cmi5Settings()
    for bad in (
        {"LRS_CMI5_CONTENT_URL": "content.example.com"},
        {"LRS_CMI5_MAX_PACKAGE_MB": "lots"},
        {"LRS_CMI5_MAX_PACKAGE_FILES": "0"},
    ):
        with pytest.raises(SettingError):
            Cmi5Settings.from_env(bad)


async def test_entry_point_setup_plugs_cmi5_into_the_lrs(settings, aiohttp_client, monkeypatch):
    monkeypatch.delenv("LRS_CMI5_CONTENT_URL", raising=False)
    client = await aiohttp_client(create_app(settings, [cmi5.setup]))
    response = await client.get("/cmi5/courses", headers={"Authorization": ADMIN_AUTH})
    assert response.status == 200
    assert await response.json() == {"courses": []}


async def test_serving_content_on_the_lrs_origin_is_warned_about(settings, aiohttp_client, caplog):
    await aiohttp_client(create_app(settings, [cmi5.plugin(Cmi5Settings())]))
    assert any("LRS_CMI5_CONTENT_URL is not set" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    caplog.clear()
    await aiohttp_client(create_app(settings, [cmi5.plugin(Cmi5Settings(content_url="http://localhost:1"))]))
    assert not any("LRS_CMI5_CONTENT_URL" in r.getMessage() for r in caplog.records)


async def test_a_learner_leaving_while_a_file_is_sent_is_a_499_not_an_error(app, caplog):
    # Browsers drop the requests for a page's files when the learner closes it, and the server then
    # writes to a closed connection: the client went away, the server did not fail. Served as `lrs
    # serve` serves (aiohttp's test server cancels the handler instead, which hides this).
    caplog.set_level(logging.INFO, logger="lrs.access")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with (
            ClientSession(f"http://127.0.0.1:{port}", headers={"Authorization": ADMIN_AUTH}) as http,
            http.post("/cmi5/courses", data=packaged(), headers={"Content-Type": "application/zip"}) as answer,
        ):
            course = await answer.json()
        path = f"/cmi5/content/{course['id']}/au/index.html"
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: content.lrs.example.com\r\n\r\n".encode())
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        for _ in range(200):
            statuses = [
                getattr(r, FIELDS)["status"]
                for r in caplog.records
                if r.name == "lrs.access" and getattr(r, FIELDS)["path"] == path
            ]
            if len(statuses) == 3:
                break
            await asyncio.sleep(0.05)
    finally:
        await runner.cleanup()
    assert statuses == [499, 499, 499]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
