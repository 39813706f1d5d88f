"""Package content on a separate origin (LRS_CMI5_CONTENT_URL)."""

from __future__ import annotations

import pytest

from cmi5.config import Cmi5Settings
from tests.cmi5.test_http import A, packaged


@pytest.fixture
def cmi5_settings():
    return Cmi5Settings(content_url="https://content.lrs.example.com")


async def test_separate_content_origin_is_used_and_may_keep_its_origin(lms):
    course = await lms.import_course(packaged(), "application/zip")
    registration = await lms.register(course["id"])
    launch = await lms.launch(registration, A)
    assert launch["url"].startswith(f"https://content.lrs.example.com/cmi5/content/{course['id']}/au/index.html?")
    response = await lms.client.get(f"/cmi5/content/{course['id']}/au/index.html")
    assert "allow-same-origin" in response.headers["Content-Security-Policy"]
