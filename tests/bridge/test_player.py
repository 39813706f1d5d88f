"""The player page and the runtime it serves, without a browser."""

from __future__ import annotations

import pytest

import bridge
import cmi5
from bridge import player
from cmi5.config import Cmi5Settings
from lrs.app import create_app
from tests.bridge.conftest import single_sco, single_sco_2004
from tests.conftest import ADMIN_AUTH


def on_content(content_origin: str) -> dict:
    return {"Host": content_origin.split("//", 1)[1]}


async def test_player_page_is_served_on_the_content_origin_unsandboxed_and_loads_scorm_again(scorm, content_origin):
    package = await scorm.import_package(single_sco())
    response = await scorm.client.get(f"/scorm/player/{package['id']}/0", headers=on_content(content_origin))
    assert response.status == 200 and response.content_type == "text/html"
    # No CSP sandbox: it would pass on to the SCO's frames and stop frameset SCOs (see bridge/http.py).
    assert "Content-Security-Policy" not in response.headers
    assert response.headers["Referrer-Policy"] == "no-referrer"  # the launch URL carries the fetch secret
    page = await response.text()
    assert '<script src="../../static/scorm12.js"></script>' in page
    runtime = await scorm.client.get("/scorm/static/scorm12.js", headers=on_content(content_origin))
    assert runtime.status == 200 and runtime.content_type == "text/javascript"
    assert (await runtime.read()).startswith(b"this.Scorm12API=")
    assert (await scorm.client.get("/scorm/static/player.js")).status == 200
    assert (await scorm.client.get("/scorm/static/secrets.py")).status == 404
    for sco in ("7", "\u00b2", "9" * 5000):  # int() refused the last two: they were 500s
        missing = await scorm.client.get(f"/scorm/player/{package['id']}/{sco}", headers=on_content(content_origin))
        assert missing.status == 404


async def test_a_scorm_2004_package_gets_the_2004_player_with_scorm_agains_2004_runtime(scorm, content_origin):
    package = await scorm.import_package(single_sco_2004())
    response = await scorm.client.get(f"/scorm/player/{package['id']}/0", headers=on_content(content_origin))
    assert response.status == 200 and "Content-Security-Policy" not in response.headers
    page = await response.text()
    assert '<script src="../../static/scorm2004.js"></script>' in page and "player2004.js" in page
    runtime = await scorm.client.get("/scorm/static/scorm2004.js", headers=on_content(content_origin))
    assert runtime.status == 200 and b"Scorm2004API" in (await runtime.read())[:200]
    style = await scorm.client.get("/scorm/static/player2004.css")
    assert style.status == 200 and style.content_type == "text/css"
    assert (await scorm.client.get("/scorm/static/player2004.js")).content_type == "text/javascript"


async def test_without_scorm_again_installed_the_player_names_the_install_command(
    scorm, content_origin, monkeypatch, tmp_path
):
    package = await scorm.import_package(single_sco())
    monkeypatch.setattr(player, "runtime_candidates", lambda: [tmp_path / "node_modules" / "scorm-again"])
    response = await scorm.client.get(f"/scorm/player/{package['id']}/0", headers=on_content(content_origin))
    assert response.status == 503
    body = await response.json()
    assert "scorm-again" in body["detail"] and "`npm ci`" in body["detail"]
    assert (await scorm.client.get("/scorm/static/scorm12.js")).status == 503


async def test_runtime_is_found_through_the_environment(monkeypatch, tmp_path):
    dist = tmp_path / "sa" / "dist"
    dist.mkdir(parents=True)
    (dist / "scorm12.min.js").write_text("this.Scorm12API=1")
    monkeypatch.setenv("LRS_SCORM_AGAIN_DIR", str(tmp_path / "sa"))
    assert player.runtime_path() == dist / "scorm12.min.js"


class TestWithoutContentOrigin:
    @pytest.fixture
    def cmi5_settings(self):
        return Cmi5Settings()

    async def test_the_player_refuses_to_run_content_on_the_lrs_origin(self, scorm):
        package = await scorm.import_package(single_sco())
        response = await scorm.client.get(f"/scorm/player/{package['id']}/0")
        assert response.status == 503
        assert "LRS_CMI5_CONTENT_URL" in (await response.json())["detail"]
        assert (await scorm.client.get(f"/scorm/content/{package['id']}/sco/index.html")).status == 503


async def test_the_bridge_refuses_to_start_without_cmi5(settings):
    app = create_app(settings, [bridge.setup])
    assert bridge.require_cmi5 in app.on_startup
    with pytest.raises(RuntimeError, match="needs the cmi5 plug-in"):
        await bridge.require_cmi5(app)


async def test_entry_points_plug_bridge_in_with_cmi5(settings, aiohttp_client, monkeypatch):
    monkeypatch.delenv("LRS_CMI5_CONTENT_URL", raising=False)
    client = await aiohttp_client(create_app(settings, [bridge.setup, cmi5.setup]))  # name order, as lrs loads them
    response = await client.get("/scorm/packages", headers={"Authorization": ADMIN_AUTH})
    assert response.status == 200 and await response.json() == {"packages": []}
