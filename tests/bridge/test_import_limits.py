"""The caps on a package's file count and unpacked size (LRS_CMI5_MAX_PACKAGE_FILES / _MB)."""

from __future__ import annotations

import io
import zipfile

import pytest

from cmi5.config import Cmi5Settings
from cmi5.package import PackageLimits
from tests.bridge.conftest import SCO_PAGE, manifest
from tests.bridge.test_import import ONE, RES, zip_with


@pytest.fixture
def cmi5_settings(content_origin):
    return Cmi5Settings(content_url=content_origin, package_limits=PackageLimits(max_files=3, max_total_bytes=50_000))


async def test_file_count_and_unpacked_size_are_capped(scorm):
    many = zip_with(manifest(ONE, RES), **{"sco/index.html": SCO_PAGE, "a.txt": b"a", "b.txt": b"b"})
    assert "at most 3 are accepted" in (await scorm.import_package(many, expect=400))["detail"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest(ONE, RES))
        archive.writestr("sco/index.html", b"0" * 60_000)  # a small zip that unpacks past the cap
    assert "at most 50000 are accepted" in (await scorm.import_package(buffer.getvalue(), expect=400))["detail"]
