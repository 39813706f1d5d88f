"""Headless Chromium for browser tests: the system's Debian `chromium`, driven by Playwright.

Tests that need it use the `browser` fixture of tests/conftest.py and mark themselves with
`requires_chromium`, which skips them, saying so, when Chromium is absent.
"""

from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]

requires_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package `chromium`)")
