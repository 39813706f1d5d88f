"""A statement as something a person reads: "Ada completed Module 1, score 85%". Pure.

Every part is returned as plain text; the templates escape it like any other value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Language map entries in the order they are preferred.
PREFERRED_LANGUAGES = ("en-US", "en-GB", "en", "und")


@dataclass(frozen=True)
class Sentence:
    actor: str
    verb: str
    object: str
    details: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        details = f", {', '.join(self.details)}" if self.details else ""
        return f"{self.actor} {self.verb} {self.object}{details}"


def pick_language(language_map: object) -> str | None:
    if not isinstance(language_map, dict) or not language_map:
        return None
    for tag in PREFERRED_LANGUAGES:
        if language_map.get(tag):
            return str(language_map[tag])
    return str(next(iter(language_map.values())))


def last_segment(iri: str) -> str:
    """The readable end of an IRI: `http://adlnet.gov/expapi/verbs/completed` -> `completed`."""
    stripped = iri.rstrip("/#")
    for separator in ("#", "/", ":"):
        if separator in stripped:
            return stripped.rsplit(separator, 1)[1] or iri
    return iri


def actor_name(actor: dict) -> str:
    if actor.get("name"):
        return str(actor["name"])
    if actor.get("mbox"):
        return str(actor["mbox"]).removeprefix("mailto:")
    if actor.get("account"):
        account = actor["account"]
        return str(account.get("name", ""))
    if actor.get("openid"):
        return str(actor["openid"])
    if actor.get("mbox_sha1sum"):
        return f"agent {str(actor['mbox_sha1sum'])[:8]}…"
    members = actor.get("member") or []
    if members:
        return "group of " + ", ".join(actor_name(m) for m in members[:3]) + ("…" if len(members) > 3 else "")
    return "someone"


def verb_name(verb: dict) -> str:
    return pick_language(verb.get("display")) or last_segment(verb["id"])


def activity_name(activity: dict) -> str:
    return pick_language((activity.get("definition") or {}).get("name")) or activity["id"]


def object_name(obj: dict) -> str:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return activity_name(obj)
    if kind in ("Agent", "Group"):
        return actor_name(obj)
    if kind == "StatementRef":
        return f"statement {obj['id']}"
    # A SubStatement: what someone said another would do.
    inner = describe(obj)
    return f"“{inner.text}”"


def score_text(score: dict) -> str | None:
    if "scaled" in score:
        percent = Decimal(str(score["scaled"])) * 100
        return f"score {format_number(percent)}%"
    if "raw" in score:
        maximum = f"/{format_number(Decimal(str(score['max'])))}" if "max" in score else ""
        return f"score {format_number(Decimal(str(score['raw'])))}{maximum}"
    return None


def format_number(value: Decimal) -> str:
    rounded = round(value, 2)
    text = format(rounded.normalize(), "f")
    return text


def result_details(result: dict) -> list[str]:
    details = []
    score = score_text(result.get("score") or {})
    if score:
        details.append(score)
    if result.get("success") is True:
        details.append("success")
    elif result.get("success") is False:
        details.append("no success")
    if result.get("completion") is True:
        details.append("complete")
    elif result.get("completion") is False:
        details.append("not complete")
    if result.get("duration"):
        details.append(f"in {result['duration']}")
    if result.get("response") not in (None, ""):
        details.append(f"response {result['response']}")
    return details


def describe(statement: dict) -> Sentence:
    return Sentence(
        actor=actor_name(statement["actor"]),
        verb=verb_name(statement["verb"]),
        object=object_name(statement["object"]),
        details=result_details(statement.get("result") or {}),
    )
