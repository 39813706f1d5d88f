"""The bridge's JSON schemas, kept in `schemas/` at the repository root beside the statement's."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


@cache
def validator(name: str) -> Draft202012Validator:
    """The validator of `schemas/<name>`, loaded once; a broken schema file fails at first use."""
    document = json.loads((SCHEMAS / name).read_text())
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)
