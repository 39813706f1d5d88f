"""The player page and the browser runtime it loads (`scorm-again` from npm, never copied here).

`scorm-again` is installed by `npm ci` at the repository root (package.json pins it and
package-lock.json locks it). It is looked up in `LRS_SCORM_AGAIN_DIR` when set, then in the
node_modules folder next to this package's source tree, then in the working directory's.
"""

from __future__ import annotations

import os
from pathlib import Path

from bridge.editions import EDITIONS, SCORM_12, SCORM_2004_3RD
from lrs.errors import ServiceUnavailable

HERE = Path(__file__).resolve().parent
RUNTIME_FILE = SCORM_12.runtime_file
INSTALL_COMMAND = "npm ci"
PLAYER_FILES = frozenset({"player_session.js", "player.js", "player2004.js", "player2004.css"})
# The runtimes the player pages load, by the name they load them under (/scorm/static/{name}).
RUNTIMES = {"scorm12.js": SCORM_12.runtime_file, "scorm2004.js": SCORM_2004_3RD.runtime_file}


# name, default, help (listed by `lrs serve --help`)
ENVIRONMENT = [
    (
        "LRS_SCORM_AGAIN_DIR",
        "",
        "folder of the scorm-again npm package; when empty, node_modules of the "
        "source tree, then of the working directory",
    ),
]


def runtime_candidates() -> list[Path]:
    candidates = []
    if os.environ.get("LRS_SCORM_AGAIN_DIR"):
        candidates.append(Path(os.environ["LRS_SCORM_AGAIN_DIR"]))
    candidates += [HERE.parent / "node_modules" / "scorm-again", Path.cwd() / "node_modules" / "scorm-again"]
    return candidates


def runtime_path(file: str = RUNTIME_FILE) -> Path:
    """A runtime of scorm-again (SCORM 1.2's by default), or a 503 naming the command that installs it."""
    for folder in runtime_candidates():
        path = folder / file
        if path.is_file():
            return path
    raise ServiceUnavailable(
        f"the SCORM runtime (npm package scorm-again) is not installed: run `{INSTALL_COMMAND}` in {HERE.parent} "
        f"(looked in {', '.join(str(c) for c in runtime_candidates())})"
    )


def player_page(edition: str = SCORM_12.key) -> bytes:
    return (HERE / EDITIONS[edition].player_page).read_bytes()


def player_file(name: str) -> bytes | None:
    return (HERE / name).read_bytes() if name in PLAYER_FILES else None
