"""Property paths: where in a statement a rule is broken, as error messages name it.

Both validation layers (the compiled schema and the xAPI rules) collect a path as a tuple and
format it once, at the edge, into ``context.contextActivities.parent[0].id``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

PropertyPath = tuple[str | int, ...]  # ("context", "contextActivities", "parent", 0, "id")

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def format_path(parts: Iterable[str | int]) -> str:
    """``("context", "contextActivities", "parent", 0, "id")`` -> ``context.contextActivities.parent[0].id``.

    Keys that are not plain names (IRIs in extensions, odd language keys) are quoted in
    brackets so the path stays unambiguous: ``result.extensions["http://example.com/x"]``.
    """
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.match(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(out)


def join_path(prefix: str, path: str) -> str:
    """Put a caller's prefix ("agent", "[2]") in front of a formatted path."""
    if not prefix or not path:
        return prefix or path
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"
