"""Headless Chromium for browser tests: the system's Debian `chromium`, driven by Playwright.

Tests that need it use the `browser` fixture of tests/conftest.py and mark themselves with
`requires_chromium`, which skips them, saying so, when Chromium is absent.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]

requires_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package `chromium`)")


@asynccontextmanager
async def launched_chromium() -> AsyncIterator:
    """A headless Chromium for as long as the block runs."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()
