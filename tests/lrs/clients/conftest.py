"""Real xAPI client libraries against the test server.

TinCanPython (PyPI `tincan`) runs in a thread, TinCanJS and @xapi/xapi (npm, installed by
`npm ci`) run under Node: each JavaScript library has a driver script beside this file that runs
one scenario and prints what the library reported as JSON. The tests assert on that report and
on what the LRS stored.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from lrs.app import create_app
from lrs.keys import database_key
from tests.conftest import ADMIN_KEY, ADMIN_SECRET, XAPI
from tests.lrs.clients import tincanpython_driver

HERE = Path(__file__).parent
NODE_MODULES = HERE.parents[2] / "node_modules"
NODE = shutil.which("node")
LIBRARIES = ["tincanpython", "tincanjs", "xapi"]
JS_DRIVERS = {"tincanjs": HERE / "tincanjs_driver.js", "xapi": HERE / "xapi_driver.js"}
JS_PACKAGES = {"tincanjs": "tincanjs", "xapi": "@xapi/xapi"}
NODE_TIMEOUT = 120


@dataclass
class Lrs:
    """A running test LRS: its endpoint for the libraries, a test client to check what it stored,
    and its database."""

    endpoint: str
    xapi: XAPI
    database: AsyncDatabase

    async def get_json(self, path: str, **params) -> tuple[int, object]:
        response = await self.xapi.get(path, params=params)
        body = await response.read()
        return response.status, json.loads(body) if body else None


@pytest.fixture
def start_lrs(settings, plugins, aiohttp_client):
    """`await start_lrs(**setting_overrides)`: an LRS on a port of its own."""

    async def start(**overrides) -> Lrs:
        client = await aiohttp_client(create_app(replace(settings, **overrides), plugins))
        return Lrs(str(client.make_url("/xapi/")), XAPI(client), client.server.app[database_key])

    return start


@pytest.fixture
async def lrs(start_lrs) -> Lrs:
    return await start_lrs()


@pytest.fixture
def cfg() -> dict:
    """What a scenario needs, fresh for each test so that nothing is shared between them."""
    tag = uuid.uuid4().hex[:10]
    return {
        "username": ADMIN_KEY,
        "password": ADMIN_SECRET,
        "agent": {"objectType": "Agent", "name": f"Learner {tag}", "mbox": f"mailto:{tag}@example.com"},
        "activityId": f"http://example.com/activities/{tag}",
        "registration": str(uuid.uuid4()),
        "otherRegistration": str(uuid.uuid4()),
        # @xapi/xapi adds a `cachebuster` parameter to its reads when asked to.
        "cacheBuster": True,
    }


async def run_scenario(library: str, scenario: str, lrs: Lrs, cfg: dict) -> dict:
    """Run one scenario with one library against `lrs`; return the library's report."""
    config = {**cfg, "scenario": scenario, "endpoint": lrs.endpoint}
    if library == "tincanpython":
        return await asyncio.to_thread(getattr(tincanpython_driver, scenario), config)
    return await run_node(JS_DRIVERS[library], JS_PACKAGES[library], config)


async def run_node(script: Path, package: str, config: dict) -> dict:
    if NODE is None:
        pytest.skip("Node.js is not installed (the Makefile installs npm, which brings it)")
    if not (NODE_MODULES / package).is_dir():
        pytest.fail(f"npm package {package} is missing: run `npm ci` in the repository root")
    process = await asyncio.create_subprocess_exec(
        NODE,
        str(script),
        json.dumps(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), NODE_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        pytest.fail(f"{script.name} {config['scenario']} failed:\n{err.decode()}")
    return json.loads(out)
