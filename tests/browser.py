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
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

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


def watch_errors(page) -> list[str]:
    """What went wrong on `page` from now on: script errors and answers of 400 and above (the
    favicon that no page serves aside), for the assertion messages of browser tests."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None
        ),
    )
    return errors
