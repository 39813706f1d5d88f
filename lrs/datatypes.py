"""xAPI value formats (Data 4): IRIs, UUIDs, mailto IRIs, timestamps, durations, language tags.

Pure checks on one value each, for statement validation and for anything else that receives
such a value, such as query parameters. Formats a regular expression can state are defined
once, in ``schemas/statement.json``, and read from the compiled schema here; IRLs share the
IRI check, as the schema's ``irl`` refers to ``iri``. The others need code and live here.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, NoReturn, TypeGuard

from lrs.statements.schema import definition_pattern


def is_iri(value: object) -> TypeGuard[str]:
    """An absolute IRI (RFC 3987): ``scheme:...``, no spaces, every % a %XX escape."""
    return isinstance(value, str) and definition_pattern("iri").search(value) is not None


def is_uuid(value: object) -> TypeGuard[str]:
    """A UUID in standard string form, 8-4-4-4-12 hex digits, either case."""
    return isinstance(value, str) and definition_pattern("uuid").search(value) is not None


# --------------------------------------------------------------------------- timestamps

_ZONE = r"(?P<zone>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
_TIMESTAMP_FORMATS = (
    re.compile(  # extended: 2013-05-18T05:32:34.804+02:00
        r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
        r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]+))?)?"
        + _ZONE
        + r"\Z"
    ),
    re.compile(  # basic: 20130518T053234.804Z
        r"(?P<year>[0-9]{4})(?P<month>[0-9]{2})(?P<day>[0-9]{2})[Tt]"
        r"(?P<hour>[0-9]{2})(?P<minute>[0-9]{2})(?:(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]+))?)?" + _ZONE + r"\Z"
    ),
)


def parse_timestamp(value: str) -> datetime:
    """Parse an xAPI Timestamp (ISO 8601 date and time) into an aware UTC datetime.

    Accepted: extended (``2013-05-18T05:32:34.804+02:00``) or basic (``20130518T053234Z``)
    format, seconds and fraction optional, ``.`` or ``,`` before the fraction, offsets
    ``Z``, ``±hh``, ``±hhmm`` or ``±hh:mm``. A missing offset is read as UTC: the offset
    is a SHOULD* (Data 4.5.s1.b4) and such statements must still be accepted. A negative
    zero offset (``-00``, ``-0000``, ``-00:00``) is rejected: ISO 8601 forbids it and the
    conformance suite requires the rejection.

    Raises ValueError whose message is the rule broken ("must be an ISO 8601 date and time...").
    """
    match = None
    if isinstance(value, str):
        match = _TIMESTAMP_FORMATS[0].match(value) or _TIMESTAMP_FORMATS[1].match(value)
    if match is None:
        raise ValueError("must be an ISO 8601 date and time, e.g. 2013-05-18T05:32:34.804Z")
    zone = match["zone"]
    if zone is None or zone in ("Z", "z"):
        tz = UTC
    else:
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours == 0 and minutes == 0 and zone[0] == "-":
            raise ValueError("must not use a negative zero offset (-00:00); use Z or +00:00 for UTC")
        if hours > 23 or minutes > 59:
            raise ValueError("has an invalid UTC offset")
        offset = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-offset if zone[0] == "-" else offset)
    fraction = match["fraction"] or ""
    try:
        moment = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            int((fraction + "000000")[:6]),
            tzinfo=tz,
        )
    except ValueError:
        raise ValueError("is not a real date and time (month, day, hour, minute or second out of range)") from None
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:30:00+01:00
        raise ValueError("is before year 1 or after year 9999 in UTC") from None


# RFC 3339 with a UTC offset: what xAPI 2.0 stores and returns (IEEE 9274.1.1 4.2.7).
_RFC3339_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|\+00:00)\Z")


def utc_timestamp(value: str) -> str:
    """`value` in RFC 3339 form at UTC: unchanged when it already is one, else converted
    (``2023-05-04T12:00:00-05:00`` -> ``2023-05-04T17:00:00.000Z``), keeping the fraction
    to the microsecond. Raises ValueError as ``parse_timestamp`` does."""
    if _RFC3339_UTC.match(value):
        return value
    moment = parse_timestamp(value)
    precision = "milliseconds" if moment.microsecond % 1000 == 0 else "microseconds"
    return moment.isoformat(timespec=precision).replace("+00:00", "Z")


# --------------------------------------------------------------------------- durations

# ISO 8601:2004 4.4.3.2 only: PnYnMnDTnHnMnS or PnW (the alternative P0003-06-04T... is forbidden).
_NUMBER = r"[0-9]+(?:[.,][0-9]+)?"
_DURATION = re.compile(
    rf"P(?:(?P<weeks>{_NUMBER})W"
    rf"|(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?(?:(?P<days>{_NUMBER})D)?"
    rf"(?P<time>T(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?)\Z"
)
_DURATION_PARTS = ("weeks", "years", "months", "days", "hours", "minutes", "seconds")


def duration_problem(value: str) -> str | None:
    """The rule an ISO 8601 duration breaks (``"must have at least one component..."``), or None."""
    match = _DURATION.match(value)
    if match is None:
        return "must be an ISO 8601 duration such as PT1H30M, P3Y1M29DT4H35M59.14S or P4W"
    parts = [match[name] for name in _DURATION_PARTS if match[name] is not None]
    if not parts:
        return "must have at least one component (e.g. PT0S)"
    if match["time"] == "T":
        return "must have hours, minutes or seconds after T"
    if any("." in part or "," in part for part in parts[:-1]):
        return "only the smallest component may have a decimal fraction"
    return None


# Calendar parts have no fixed length; reports read a year as 365 days and a month as 30.
_DURATION_SECONDS = {
    "weeks": 604800,
    "years": 31536000,
    "months": 2592000,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
    "seconds": 1,
}


def duration_seconds(value: str) -> float | None:
    """Seconds in an ISO 8601 duration (as `duration_problem` accepts it), or None if it is not one."""
    match = _DURATION.match(value) if isinstance(value, str) and not duration_problem(value) else None
    if match is None:
        return None
    return sum(
        float(match[name].replace(",", ".")) * _DURATION_SECONDS[name]
        for name in _DURATION_PARTS
        if match[name] is not None
    )


# --------------------------------------------------------------------------- language tags

# RFC 5646 2.1: well-formed tags; plus the 2.2.5/2.2.6 rules that variants and extension
# singletons do not repeat. Registry contents (is "qq" a language?) are not checked.
_LANGUAGE_TAG = re.compile(
    r"""(?:
        (?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})          # language, extlang
        (?:-[a-z]{4})?                                       # script
        (?:-(?:[a-z]{2}|[0-9]{3}))?                          # region
        (?P<variants>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)
        (?P<extensions>(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*)
        (?:-x(?:-[a-z0-9]{1,8})+)?                           # private use
      | x(?:-[a-z0-9]{1,8})+                                 # private use only
    )\Z""",
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)
_GRANDFATHERED = frozenset(
    [
        "en-gb-oed",
        "i-ami",
        "i-bnn",
        "i-default",
        "i-enochian",
        "i-hak",
        "i-klingon",
        "i-lux",
        "i-mingo",
        "i-navajo",
        "i-pwn",
        "i-tao",
        "i-tay",
        "i-tsu",
        "sgn-be-fr",
        "sgn-be-nl",
        "sgn-ch-de",
        "art-lojban",
        "cel-gaulish",
        "no-bok",
        "no-nyn",
        "zh-guoyu",
        "zh-hakka",
        "zh-min",
        "zh-min-nan",
        "zh-xiang",
    ]
)


@lru_cache(maxsize=4096)  # the same few tags ("en-US") recur in nearly every statement
def is_language_tag(tag: str) -> bool:
    """A well-formed RFC 5646 language tag (``en-US``, ``zh-Hant-TW``, ``x-private``)."""
    if tag.lower() in _GRANDFATHERED:
        return True
    match = _LANGUAGE_TAG.match(tag)
    if match is None:
        return False
    # Both groups are None for a private-use-only tag ("x-whatever").
    variants = (match["variants"] or "").lower().split("-")[1:]
    singletons = [part for part in (match["extensions"] or "").lower().split("-") if len(part) == 1]
    return len(set(variants)) == len(variants) and len(set(singletons)) == len(singletons)


# --- JSON ----------------------------------------------------------------------------------

# A \uD800-\uDFFF escape: paired ones become one character, a lone one stays a surrogate,
# which is no character at all and cannot be stored (UTF-8 has no encoding for it).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, Any]:
    # RFC 8259 4: with repeated names "the behavior of software that receives such an object is
    # unpredictable"; one reader taking the first and another the last could each see a
    # different statement (a signature checked against one, the other stored).
    value = dict(pairs)
    if len(value) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {key!r} appears twice in one object")
            seen.add(key)
    return value


def parse_json_text(text: str) -> object:
    """Strict JSON: no NaN or Infinity, no lone surrogates, no key twice in an object.
    Raises ValueError with the reason. Not orjson: it keeps the last of two equal keys and turns
    integers past 64 bits into floats (bench/README.md, "Libraries against our own code")."""
    value = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    if _SURROGATE_ESCAPE.search(text) and _holds_lone_surrogate(value):
        raise ValueError("a lone UTF-16 surrogate escape (\\uD800-\\uDFFF) is no character")
    return value


def _holds_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return bool(_SURROGATE.search(value))
    if isinstance(value, dict):
        return any(_holds_lone_surrogate(k) or _holds_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_lone_surrogate(v) for v in value)
    return False


def is_timestamp(value: object) -> bool:
    """Whether `value` is a string parse_timestamp accepts."""
    if not isinstance(value, str):
        return False
    try:
        parse_timestamp(value)
    except ValueError:
        return False
    return True


def as_utc(moment: datetime) -> datetime:
    """A datetime read back from the database as aware UTC (a naive one is UTC already)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
