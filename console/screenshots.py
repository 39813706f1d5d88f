"""`python -m console.screenshots [--out DIR] [--port P]`: a PNG of each console page, from a
freshly seeded store (console.seed), so that anyone can make the README's pictures again.

Starts the LRS with every plug-in on 127.0.0.1:P (content origin localhost:P) on its own embedded
database in a temporary folder, seeds it over HTTP, then signs in with headless Chromium (Playwright, the
system's `chromium`) and photographs each page at desktop width, and the overview at phone width.
Needs the test extra (`pip install -e '.[test]'`) and `npm ci`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp

if TYPE_CHECKING:  # playwright is a test dependency: imported where the browser starts
    from playwright.async_api import FilePayload, ViewportSize
from aiohttp import web

import bridge
import cmi5
import console
from cmi5.config import Cmi5Settings
from console.seed import Seeder, make_zip
from lrs.app import create_app
from lrs.settings import Settings

KEY, SECRET = "screenshots", "screenshots-secret"
DESKTOP: ViewportSize = {"width": 1280, "height": 860}
PHONE: ViewportSize = {"width": 390, "height": 844}
OUT = Path(__file__).resolve().parent / "screenshots"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def shoot(base: str, out: Path, seeded: dict) -> list[Path]:
    from playwright.async_api import async_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("console.screenshots needs Chromium (Debian package `chromium`)")
    pages = [
        ("overview", "/console/"),
        ("statements", "/console/statements"),
        ("courses", "/console/courses"),
        ("course", f"/console/courses/{seeded['course']}"),
        ("learners", "/console/learners"),
        ("registration", f"/console/registrations/{seeded['registration']}"),
        ("credentials", "/console/credentials"),
        ("system", "/console/system"),
    ]
    written = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        )
        context = await browser.new_context(viewport=DESKTOP)
        page = await context.new_page()
        await page.goto(base + "/console/sign-in")
        written.append(await save(page, out / "sign-in.png"))
        await page.fill("#key", KEY)
        await page.fill("#secret", SECRET)
        await page.click("button[type=submit]")
        await page.wait_for_url(base + "/console/")
        for name, path in pages:
            await page.goto(base + path)
            if name == "statements":
                await page.locator("details summary").first.click()
            if name == "courses":  # what an import of a bad package shows
                bad_package: FilePayload = {
                    "name": "slides.zip",
                    "mimeType": "application/zip",
                    "buffer": make_zip({"slides.pdf": b"%PDF"}),
                }
                await page.set_input_files("#package", files=[bad_package])
                await page.click("#import button[type=submit]")
                await page.wait_for_selector("#import-phase:text-is('Refused')")
            # Long pages are cut at the window's height: the README needs their top only.
            written.append(await save(page, out / f"{name}.png", full_page=name not in ("statements",)))
        await page.set_viewport_size(PHONE)
        await page.goto(base + "/console/")
        written.append(await save(page, out / "overview-phone.png"))
        await browser.close()
    return written


async def save(page, path: Path, full_page: bool = True) -> Path:
    await page.wait_for_load_state("networkidle")
    await page.screenshot(path=str(path), full_page=full_page)
    return path


async def main(out: Path, port: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="lrs-screenshots-") as data_dir:
        # As `lrs serve` runs by default: its own embedded database, in a folder of its own.
        settings = Settings(data_dir=Path(data_dir), admin_key=KEY, admin_secret=SECRET, port=port)
        app = create_app(
            settings,
            [cmi5.plugin(Cmi5Settings(content_url=f"http://localhost:{port}")), bridge.setup, console.plugin()],
        )
        runner = web.AppRunner(app, access_log=None)
        try:
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            async with aiohttp.ClientSession() as session:
                seeded = await Seeder(session, base, KEY, SECRET).seed(random.Random(14))
            for path in await shoot(base, out, seeded):
                print(path)
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m console.screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNGs (default {OUT})")
    parser.add_argument("--port", type=int, default=0, help="port to serve on (default: a free one)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.out, arguments.port or free_port()))
    sys.exit(0)
