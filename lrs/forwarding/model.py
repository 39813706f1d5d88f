"""What a forward is: its definition as an administrator gives it, checked, and its filter.

A forward sends the statements this LRS stores to one receiver, in the order they were stored:
another xAPI LRS (POST /statements with that LRS's Basic credentials) or a webhook (a JSON POST
signed with HMAC-SHA256). Its filter narrows which statements go, with the meaning the same
parameters have for GET /statements; each may list several values (any of them matches).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from lrs.datatypes import is_iri, is_uuid
from lrs.errors import BadRequest, InvalidStatement
from lrs.forwarding.addresses import is_refused_address
from lrs.ifi import ifi_key
from lrs.statements.query import (
    StatementQuery,
    match_activity,
    match_agent,
    match_authority,
    match_registration,
    match_verb,
)
from lrs.statements.validate import validate_agent
from lrs.versions import SUPPORTED, XAPI_1_0_3, version_for_header

LRS = "lrs"
WEBHOOK = "webhook"
KINDS = (LRS, WEBHOOK)
ACTIVE, PAUSED = "active", "paused"

DEFINITION_FIELDS = {"name", "type", "url", "key", "secret", "filter", "xapiVersion"}
FILTER_FIELDS = {"verb", "activity", "agent", "registration", "credential", "related_activities", "related_agents"}
MAX_NAME = 200
MAX_VALUES = 100
MAX_URL = 2000


@dataclass(frozen=True)
class Filter:
    verbs: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    agents: tuple[dict[str, Any], ...] = ()
    registrations: tuple[str, ...] = ()
    credentials: tuple[str, ...] = ()
    related_activities: bool = False
    related_agents: bool = False

    def conditions(self) -> list[list[dict[str, Any]]]:
        """Groups of `{field: value}` a statement's stored keys must meet (records.matches):
        one group per filter given, any value of a group. The same field choice as GET /statements."""
        groups = [
            [match_verb(StatementQuery(verb=v)) for v in self.verbs],
            [
                match_activity(StatementQuery(activity=a, related_activities=self.related_activities))
                for a in self.activities
            ],
            [match_agent(StatementQuery(agent=a, related_agents=self.related_agents)) for a in self.agents],
            [match_registration(StatementQuery(registration=r)) for r in self.registrations],
            [match_authority(StatementQuery(authority_key=c)) for c in self.credentials],
        ]
        return [group for group in groups if group]

    def to_json(self) -> dict[str, Any]:
        found = {
            "verb": list(self.verbs),
            "activity": list(self.activities),
            "agent": list(self.agents),
            "registration": list(self.registrations),
            "credential": list(self.credentials),
        }
        result = {name: values for name, values in found.items() if values}
        if self.related_activities:
            result["related_activities"] = True
        if self.related_agents:
            result["related_agents"] = True
        return result


@dataclass(frozen=True)
class Definition:
    """What an administrator sets. `key`/`secret`: the receiving LRS's credential; for a webhook,
    `secret` is the HMAC key (generated when not given). `xapi_version`: the version an LRS
    receiver is spoken to in; each statement is sent in the form valid for it, as a GET of that
    version would return it (a webhook gets the statements as stored, and has none)."""

    name: str
    kind: str
    url: str
    filter: Filter = field(default_factory=Filter)
    key: str = ""
    secret: str = ""
    xapi_version: str = ""


def _values(raw: object, name: str) -> list[Any]:
    values = raw if isinstance(raw, list) else [raw]
    if not values or len(values) > MAX_VALUES:
        raise BadRequest(f"filter.{name}: give one value or a list of 1 to {MAX_VALUES}")
    return values


def parse_filter(raw: object) -> Filter:
    if raw is None:
        return Filter()
    if not isinstance(raw, dict):
        raise BadRequest("filter: must be an object")
    unknown = sorted(set(raw) - FILTER_FIELDS)
    if unknown:
        raise BadRequest(f"filter.{unknown[0]}: unknown; allowed are {', '.join(sorted(FILTER_FIELDS))}")
    found: dict[str, Any] = {}
    for name in ("verb", "activity"):
        if name in raw:
            values = _values(raw[name], name)
            for value in values:
                if not is_iri(value):
                    raise BadRequest(f"filter.{name}: {value!r} is not an absolute IRI")
            found[name] = tuple(values)
    if "agent" in raw:
        agents = []
        for value in _values(raw["agent"], "agent"):
            try:
                agent = validate_agent(value, "filter.agent")
            except InvalidStatement as error:
                raise BadRequest(error.detail) from None
            if ifi_key(agent) is None:
                raise BadRequest("filter.agent: needs an inverse functional identifier")
            agents.append(agent)
        found["agent"] = tuple(agents)
    if "registration" in raw:
        values = _values(raw["registration"], "registration")
        if not all(is_uuid(v) for v in values):
            raise BadRequest("filter.registration: must be UUIDs")
        found["registration"] = tuple(v.lower() for v in values)
    if "credential" in raw:
        values = _values(raw["credential"], "credential")
        if not all(isinstance(v, str) and v for v in values):
            raise BadRequest("filter.credential: must be credential keys")
        found["credential"] = tuple(values)
    for name in ("related_activities", "related_agents"):
        if name in raw and not isinstance(raw[name], bool):
            raise BadRequest(f"filter.{name}: must be true or false")
    return Filter(
        verbs=found.get("verb", ()),
        activities=found.get("activity", ()),
        agents=found.get("agent", ()),
        registrations=found.get("registration", ()),
        credentials=found.get("credential", ()),
        related_activities=raw.get("related_activities", False),
        related_agents=raw.get("related_agents", False),
    )


def check_url(value: object) -> str:
    if not isinstance(value, str):
        raise BadRequest("url: must be a string")
    if len(value) > MAX_URL:
        raise BadRequest(f"url: at most {MAX_URL} characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError as error:
        raise BadRequest(f"url: not a valid URL ({error})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("url: must be an absolute http or https URL")
    if parts.username or parts.password:
        raise BadRequest("url: give credentials as key and secret, not in the URL")
    if is_refused_address(parts.hostname):
        raise BadRequest(
            f"url: {parts.hostname} is a link-local, metadata, unspecified or multicast address; "
            "forwards never send there"
        )
    return value.rstrip("/")


def check_text(body: dict[str, Any], name: str, required: bool, longest: int = MAX_NAME * 10) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise BadRequest(f"{name}: must be a string")
    if len(value) > longest:
        raise BadRequest(f"{name}: at most {longest} characters")
    if required and not value:
        raise BadRequest(f"{name}: is required")
    return value


def parse_definition(body: object, current: Definition | None = None) -> Definition:
    """A new definition from a JSON body; with `current`, the body changes only what it names."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    unknown = sorted(set(body) - DEFINITION_FIELDS)
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r}; allowed are {', '.join(sorted(DEFINITION_FIELDS))}")
    if current is not None:
        if "type" in body and body["type"] != current.kind:
            raise BadRequest("type: cannot be changed; delete the forward and create another")
        merged = {
            "name": current.name,
            "type": current.kind,
            "url": current.url,
            "key": current.key,
            "secret": current.secret,
            "filter": current.filter,
            "xapiVersion": current.xapi_version,
            **body,
        }
    else:
        merged = dict(body)
    kind = merged.get("type")
    if kind not in KINDS:
        raise BadRequest(f"type: must be {' or '.join(KINDS)}")
    name = check_text(merged, "name", required=True, longest=MAX_NAME)
    key = check_text(merged, "key", required=kind == LRS)
    secret = check_text(merged, "secret", required=kind == LRS)
    if kind == WEBHOOK:
        if key:
            raise BadRequest("key: a webhook has no key; its secret signs the deliveries")
        secret = secret or secrets.token_urlsafe(32)
    raw_filter = merged.get("filter")
    parsed_filter = raw_filter if isinstance(raw_filter, Filter) else parse_filter(raw_filter)
    return Definition(
        name,
        kind,
        check_url(merged.get("url")),
        parsed_filter,
        key,
        secret,
        check_xapi_version(kind, merged.get("xapiVersion")),
    )


def check_xapi_version(kind: str, value: object) -> str:
    if kind == WEBHOOK:
        if value:
            raise BadRequest("xapiVersion: a webhook receives the statements as stored; only an lrs forward has one")
        return ""
    if value is None or value == "":
        return XAPI_1_0_3.name  # what every xAPI LRS speaks
    version = version_for_header(value) if isinstance(value, str) else None
    if version is None:
        raise BadRequest(f"xapiVersion: must be one of {', '.join(v.name for v in SUPPORTED)}")
    return version.name
