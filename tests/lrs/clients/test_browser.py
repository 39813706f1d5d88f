"""The browser builds of TinCanJS and @xapi/xapi in headless Chromium, on a page served from
another origin than the LRS's: every call is a CORS request (preflights, exposed ETag), and
TinCanJS turns a request whose URL would pass 2048 characters into the alternate request syntax.
The drivers are the ones the Node tests run; so are the checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from lrs.documents import store
from tests.browser import requires_chromium
from tests.lrs.clients import expectations
from tests.lrs.clients.conftest import HERE, JS_DRIVERS, NODE_MODULES

pytestmark = requires_chromium

LIBRARY_BUILDS = {
    "tincan.js": NODE_MODULES / "tincanjs" / "build" / "tincan.js",
    "xapi.umd.js": NODE_MODULES / "@xapi" / "xapi" / "dist" / "XAPI.umd.js",
}
DRIVER_GLOBALS = {"tincanjs": "tincanjsDriver", "xapi": "xapiDriver"}


def page_app() -> web.Application:
    """The test page with the libraries' browser builds and the drivers."""
    files = {
        "/": HERE / "browser_page" / "index.html",
        **{f"/lib/{name}": path for name, path in LIBRARY_BUILDS.items()},
        **{f"/drivers/{path.name}": path for path in JS_DRIVERS.values()},
    }

    async def serve(request: web.Request) -> web.FileResponse:
        return web.FileResponse(files[request.path])

    app = web.Application()
    for path in files:
        app.router.add_get(path, serve)
    return app


@pytest.fixture(scope="module")
async def chromium():
    """One Chromium for the module (a launch costs seconds on a busy machine); a page per test."""
    from tests.browser import launched_chromium

    async with launched_chromium() as launched:
        yield launched


@pytest.fixture
async def page(chromium, aiohttp_server):
    for path in LIBRARY_BUILDS.values():
        if not path.is_file():
            pytest.fail(f"{path} is missing: run `npm ci` in the repository root")
    server = await aiohttp_server(page_app())
    context = await chromium.new_context()
    page = await context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("requestfailed", lambda request: page.errors.append(f"{request.method} {request.url} {request.failure}"))
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    await page.goto(str(server.make_url("/")))
    yield page
    await context.close()


@pytest.fixture
def run_in_browser(page):
    async def run(library: str, scenario: str, lrs, cfg: dict) -> dict:
        config = {**cfg, "scenario": scenario, "endpoint": lrs.endpoint}
        try:
            return await page.evaluate(
                "([driver, config]) => window[driver].run(config)", [DRIVER_GLOBALS[library], config]
            )
        except Exception as error:
            raise AssertionError(f"{library} {scenario} failed in the browser: {error}; {page.errors}") from None

    return run


@pytest.fixture(params=list(DRIVER_GLOBALS))
def library(request) -> str:
    return request.param


async def test_statements(library, lrs, cfg, run_in_browser):
    await expectations.check_statements(library, lrs, cfg, run_in_browser)


async def test_state(library, lrs, cfg, run_in_browser):
    await expectations.check_state(library, lrs, cfg, run_in_browser)


async def test_state_of_an_activity_whose_urls_pass_2048_characters(library, lrs, cfg, run_in_browser, page):
    cfg["activityId"] += "/" + "x" * 2100
    await expectations.check_state(library, lrs, cfg, run_in_browser)
    if library == "tincanjs":
        # It sent them as POST ?method=... with headers and parameters in the form body.
        assert {url.rpartition("?")[2] for url in page.requests if "/activities/state" in url} == {
            "method=GET",
            "method=PUT",
            "method=POST",
            "method=DELETE",
        }


async def test_a_document_read_again_after_it_changed_is_never_an_old_copy(lrs, cfg, run_in_browser):
    # A document last changed a day ago: a browser may reuse an answer for a tenth of its age
    # (heuristic freshness) unless the LRS says not to store it.
    place = {"activityId": cfg["activityId"], "agent": json.dumps(cfg["agent"]), "stateId": "bookmark"}
    assert (await lrs.xapi.put("/xapi/activities/state", params=place, json={"page": 1})).status == 204
    day_ago = datetime.now(UTC) - timedelta(days=1)
    await lrs.database[store.DOCUMENTS].update_many({}, {"$set": {store.UPDATED: day_ago}})
    cfg["stateId"] = "bookmark"
    assert await run_in_browser("tincanjs", "readState", lrs, cfg) == {"contents": {"page": 1}}

    assert (await lrs.xapi.put("/xapi/activities/state", params=place, json={"page": 2})).status == 204
    assert await run_in_browser("tincanjs", "readState", lrs, cfg) == {"contents": {"page": 2}}


@pytest.mark.parametrize("kind", ["activity", "agent"])
async def test_profiles(library, kind, start_lrs, cfg, run_in_browser):
    await expectations.check_profiles(library, kind, await start_lrs(), cfg, run_in_browser)


async def test_statement_with_attachment(library, lrs, cfg, run_in_browser):
    await expectations.check_attachments(library, lrs, cfg, run_in_browser)


async def test_about_activities_and_agents(library, lrs, cfg, run_in_browser):
    await expectations.check_about(library, lrs, cfg, run_in_browser)
