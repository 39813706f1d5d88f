"""SCORM interactions as xAPI interaction activities and responses (xAPI Data 2.4.4.1). Pure.

SCORM 1.2 writes sets as `a,b` (optionally in braces) and matching pairs as `1.a,2.b`; xAPI
writes them `a[,]b` and `1[.]a[,]2[.]b`, true-false as `true`/`false`, and a numeric correct
answer as a range `min[:]max`. SCORM 2004 already writes responses and patterns as xAPI does (the
xAPI format was taken from it), so they pass as they are. Choices, scale, source and target are
listed when the patterns and the response name them (neither edition has a place for their
descriptions). What differs between the editions is the `Notation`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bridge import cmi, cmi2004, vocab
from bridge.cmi import decimal_of, parse_timespan
from bridge.cmi2004 import parse_interval
from cmi5.statements import format_duration

# An interaction as either edition's commit holds it.
AnyInteraction = cmi.Interaction | cmi2004.Interaction

TRUE_FALSE = {"t": "true", "1": "true", "true": "true", "f": "false", "0": "false", "false": "false"}


@dataclass(frozen=True)
class Notation:
    items: str  # between the members of a set
    pair: str  # between the two sides of a matching pair
    converted: bool  # responses and patterns need SCORM 1.2 -> xAPI conversion
    success: dict[str, bool]  # cmi.interactions.n.result -> result.success
    seconds: Callable[[str], float]  # cmi.interactions.n.latency in seconds


SCORM_12 = Notation(",", ".", True, {"correct": True, "wrong": False}, parse_timespan)
SCORM_2004 = Notation("[,]", "[.]", False, {"correct": True, "incorrect": False}, parse_interval)


def items(value: str, notation: Notation = SCORM_12) -> list[str]:
    value = value.strip()
    if notation.converted and value.startswith("{") and value.endswith("}"):
        value = value[1:-1]
    return [part.strip() for part in value.split(notation.items) if part.strip()]


def pairs(value: str, notation: Notation = SCORM_12) -> list[tuple[str, str]]:
    found = []
    for part in items(value, notation):
        source, _, target = part.partition(notation.pair)
        found.append((source, target))
    return found


def to_xapi_response(kind: str, value: str, notation: Notation = SCORM_12) -> str:
    if not notation.converted:
        return value
    if kind == "true-false":
        return TRUE_FALSE.get(value.strip().lower(), value)
    if kind in ("choice", "sequencing"):
        return "[,]".join(items(value))
    if kind == "matching":
        return "[,]".join(f"{s}[.]{t}" for s, t in pairs(value))
    return value


def to_xapi_pattern(kind: str, value: str, notation: Notation = SCORM_12) -> str:
    if notation.converted and kind == "numeric" and decimal_of(value.strip()) is not None:
        return f"{value.strip()}[:]{value.strip()}"
    return to_xapi_response(kind, value, notation)


def component(ids: list[str]) -> list[dict]:
    return [{"id": i, "description": {"und": i}} for i in dict.fromkeys(ids) if i]


def language_map(text: str) -> dict:
    """A SCORM 2004 localized string (`{lang=de}Text`, or just text) as an xAPI language map."""
    if text.startswith("{lang=") and "}" in text:
        tag, _, rest = text[len("{lang=") :].partition("}")
        if tag.strip():
            return {tag.strip(): rest}
    return {"und": text}


def definition(interaction: AnyInteraction, notation: Notation = SCORM_12) -> dict:
    kind = interaction.type
    result: dict[str, Any] = {"type": vocab.TYPE_INTERACTION, "name": {"und": interaction.id}}
    description = getattr(interaction, "description", "")  # SCORM 1.2 has none
    if description:
        result["description"] = language_map(description)
    if not kind:
        return result
    result["interactionType"] = kind
    if interaction.correct_patterns:
        result["correctResponsesPattern"] = [to_xapi_pattern(kind, p, notation) for p in interaction.correct_patterns]
    values = [*interaction.correct_patterns, interaction.response]
    if kind in ("choice", "sequencing"):
        choices = component([i for v in values for i in items(v, notation)])
        if choices:
            result["choices"] = choices
    elif kind == "likert":
        scale = component([v.strip() for v in values])
        if scale:
            result["scale"] = scale
    elif kind == "matching":
        found = [p for v in values for p in pairs(v, notation)]
        source, target = component([s for s, _ in found]), component([t for _, t in found if t])
        if source and target:
            result["source"], result["target"] = source, target
    return result


def result(interaction: AnyInteraction, notation: Notation = SCORM_12) -> dict:
    found: dict = {}
    if interaction.response:
        found["response"] = to_xapi_response(interaction.type, interaction.response, notation)
    success = notation.success.get(interaction.result)
    if success is not None:
        found["success"] = success
    if interaction.latency:
        found["duration"] = format_duration(timedelta(seconds=notation.seconds(interaction.latency)))
    extensions: dict[str, Any] = {}
    if interaction.result and success is None:
        extensions[vocab.EXT_INTERACTION_RESULT] = interaction.result
    if interaction.weighting:
        # The commit schemas let only decimal numbers through (SCORM 1.2's CMIDecimal, 2004's real).
        extensions[vocab.EXT_INTERACTION_WEIGHTING] = float(interaction.weighting)
    if extensions:
        found["extensions"] = extensions
    return found


def is_answered(interaction: AnyInteraction) -> bool:
    return bool(interaction.id and (interaction.response or interaction.result))
