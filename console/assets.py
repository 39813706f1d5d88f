"""The console's static files: its own stylesheet and script, and the npm libraries it uses.

htmx (`htmx.org`) and Chart.js (`chart.js`) are installed by `npm ci` at the repository root
(package.json pins them, package-lock.json locks them) and served from node_modules, never
copied into the repository: the same arrangement as the bridge's SCORM runtime.
"""

from __future__ import annotations

import os
from pathlib import Path

from lrs.errors import NotFound, ServiceUnavailable

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
INSTALL_COMMAND = "npm ci"
# URL name -> (npm package, file inside it)
LIBRARIES = {
    "htmx.min.js": ("htmx.org", "dist/htmx.min.js"),
    "chart.umd.min.js": ("chart.js", "dist/chart.umd.min.js"),
}
OWN = {"console.css": "text/css", "console.js": "text/javascript"}


def node_modules_candidates(configured: str = "") -> list[Path]:
    candidates = [Path(configured)] if configured else []
    if os.environ.get("LRS_CONSOLE_ASSETS_DIR") and not configured:
        candidates.append(Path(os.environ["LRS_CONSOLE_ASSETS_DIR"]))
    return candidates + [HERE.parent / "node_modules", Path.cwd() / "node_modules"]


def library_path(name: str, configured: str = "") -> Path:
    package, file = LIBRARIES[name]
    for folder in node_modules_candidates(configured):
        path = folder / package / file
        if path.is_file():
            return path
    raise ServiceUnavailable(
        f"the console's npm package {package} is not installed: run `{INSTALL_COMMAND}` in {HERE.parent}"
    )


def find_asset(name: str, configured: str = "") -> tuple[Path, str]:
    """The file behind /console/static/{name} and its content type; only the names listed above."""
    if name in OWN:
        return STATIC / name, OWN[name]
    if name in LIBRARIES:
        return library_path(name, configured), "text/javascript"
    raise NotFound(f"no console file {name}")
