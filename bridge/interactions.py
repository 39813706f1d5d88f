"""SCORM 1.2 interactions as xAPI interaction activities and responses (xAPI Data 2.4.4.1). Pure.

SCORM 1.2 writes sets as `a,b` (optionally in braces) and matching pairs as `1.a,2.b`; xAPI
writes them `a[,]b` and `1[.]a[,]2[.]b`, true-false as `true`/`false`, and a numeric correct
answer as a range `min[:]max`. Choices, scale, source and target are listed when the patterns
and the response name them (SCORM 1.2 has no place for their descriptions).
"""

from __future__ import annotations

from bridge import vocab
from bridge.cmi import Interaction, decimal_of, parse_timespan
from cmi5.statements import format_duration
from datetime import timedelta

TRUE_FALSE = {"t": "true", "1": "true", "true": "true", "f": "false", "0": "false", "false": "false"}
RESULT_SUCCESS = {"correct": True, "wrong": False}


def items(value: str) -> list[str]:
    value = value.strip()
    if value.startswith("{") and value.endswith("}"):
        value = value[1:-1]
    return [part.strip() for part in value.split(",") if part.strip()]


def pairs(value: str) -> list[tuple[str, str]]:
    found = []
    for part in items(value):
        source, _, target = part.partition(".")
        found.append((source, target))
    return found


def to_xapi_response(kind: str, value: str) -> str:
    if kind == "true-false":
        return TRUE_FALSE.get(value.strip().lower(), value)
    if kind in ("choice", "sequencing"):
        return "[,]".join(items(value))
    if kind == "matching":
        return "[,]".join(f"{s}[.]{t}" for s, t in pairs(value))
    return value


def to_xapi_pattern(kind: str, value: str) -> str:
    if kind == "numeric" and decimal_of(value.strip()) is not None:
        return f"{value.strip()}[:]{value.strip()}"
    return to_xapi_response(kind, value)


def component(ids: list[str]) -> list[dict]:
    return [{"id": i, "description": {"und": i}} for i in dict.fromkeys(ids) if i]


def definition(interaction: Interaction) -> dict:
    kind = interaction.type
    result = {"type": vocab.TYPE_INTERACTION, "name": {"und": interaction.id}}
    if not kind:
        return result
    result["interactionType"] = kind
    if interaction.correct_patterns:
        result["correctResponsesPattern"] = [to_xapi_pattern(kind, p) for p in interaction.correct_patterns]
    values = [*interaction.correct_patterns, interaction.student_response]
    if kind in ("choice", "sequencing"):
        choices = component([i for v in values for i in items(v)])
        if choices:
            result["choices"] = choices
    elif kind == "likert":
        scale = component([v.strip() for v in values])
        if scale:
            result["scale"] = scale
    elif kind == "matching":
        found = [p for v in values for p in pairs(v)]
        source, target = component([s for s, _ in found]), component([t for _, t in found if t])
        if source and target:
            result["source"], result["target"] = source, target
    return result


def result(interaction: Interaction) -> dict:
    found: dict = {}
    if interaction.student_response:
        found["response"] = to_xapi_response(interaction.type, interaction.student_response)
    success = RESULT_SUCCESS.get(interaction.result)
    if success is not None:
        found["success"] = success
    if interaction.latency:
        found["duration"] = format_duration(timedelta(seconds=parse_timespan(interaction.latency)))
    extensions = {}
    if interaction.result and success is None:
        extensions[vocab.EXT_INTERACTION_RESULT] = interaction.result
    if interaction.weighting:
        extensions[vocab.EXT_INTERACTION_WEIGHTING] = float(decimal_of(interaction.weighting))
    if extensions:
        found["extensions"] = extensions
    return found


def is_answered(interaction: Interaction) -> bool:
    return bool(interaction.id and (interaction.student_response or interaction.result))
