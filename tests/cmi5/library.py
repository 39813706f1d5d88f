"""Real cmi5 AUs for browser tests: the page in library_au/ with the browser bundles of @xapi/cmi5
and @xapi/xapi from node_modules (installed by `npm ci`), packed into a course zip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cmi5.conftest import make_zip

AU_PAGE = Path(__file__).parent / "library_au"
LIBRARIES = Path(__file__).parents[2] / "node_modules" / "@xapi"
BUNDLES = {
    "Cmi5.umd.js": LIBRARIES / "cmi5" / "dist" / "Cmi5.umd.js",
    "XAPI.umd.js": LIBRARIES / "xapi" / "dist" / "XAPI.umd.js",
}

requires_libraries = pytest.mark.skipif(
    not all(path.exists() for path in BUNDLES.values()), reason="@xapi/cmi5 is not installed: run `npm ci`"
)


def library_course_zip(cmi5_xml: str) -> bytes:
    """A course zip whose AUs are at au/index.html, built on the libraries."""
    files = {
        "cmi5.xml": cmi5_xml,
        "au/index.html": (AU_PAGE / "index.html").read_bytes(),
        "au/au.js": (AU_PAGE / "au.js").read_bytes(),
    }
    files.update({f"au/lib/{name}": path.read_bytes() for name, path in BUNDLES.items()})
    return make_zip(files)
