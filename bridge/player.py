"""The player page and the browser runtime it loads (`scorm-again` from npm, never copied here).

`scorm-again` is installed by `npm ci` at the repository root (package.json pins it and
package-lock.json locks it). It is looked up in `LRS_SCORM_AGAIN_DIR` when set, then in the
node_modules folder next to this package's source tree, then in the working directory's.
"""

from __future__ import annotations

import os
from pathlib import Path

from lrs.errors import ServiceUnavailable

HERE = Path(__file__).resolve().parent
RUNTIME_FILE = "dist/scorm12.min.js"
INSTALL_COMMAND = "npm ci"
PLAYER_FILES = frozenset({"player.js"})


# name, default, help (listed by `lrs serve --help`)
ENVIRONMENT = [
    ("LRS_SCORM_AGAIN_DIR", "", "folder of the scorm-again npm package; when empty, node_modules of the "
                            "source tree, then of the working directory"),
]


def runtime_candidates() -> list[Path]:
    candidates = []
    if os.environ.get("LRS_SCORM_AGAIN_DIR"):
        candidates.append(Path(os.environ["LRS_SCORM_AGAIN_DIR"]))
    candidates += [HERE.parent / "node_modules" / "scorm-again", Path.cwd() / "node_modules" / "scorm-again"]
    return candidates


def runtime_path() -> Path:
    """The SCORM 1.2 runtime of scorm-again, or a 503 naming the command that installs it."""
    for folder in runtime_candidates():
        path = folder / RUNTIME_FILE
        if path.is_file():
            return path
    raise ServiceUnavailable(
        f"the SCORM runtime (npm package scorm-again) is not installed: run `{INSTALL_COMMAND}` in {HERE.parent} "
        f"(looked in {', '.join(str(c) for c in runtime_candidates())})"
    )


def player_page() -> bytes:
    return (HERE / "player.html").read_bytes()


def player_file(name: str) -> bytes | None:
    return (HERE / name).read_bytes() if name in PLAYER_FILES else None
