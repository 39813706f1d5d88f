"""The xAPI versions this LRS serves, and every rule in which they differ.

A request names its version in the X-Experience-API-Version header and is handled by that
version's rules from start to end; the answer carries the version it was served with. Where
xAPI 1.0.3 and xAPI 2.0 (IEEE 9274.1.1) differ, the difference is a field of `XapiVersion`
below, read by the code that applies the rule; nothing else compares version strings.

Rules both versions share live where they are applied, also where 2.0 turned a 1.0.3 SHOULD*
into a SHALL (Last-Modified on statement and document reads, If-Match on POST and DELETE of
documents, Duration comparison to 0.01 s, unknown Activities answered with an Activity Object).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from lrs.documents.service import UnconditionalPut
from lrs.documents.store import ACTIVITY_PROFILE, AGENT_PROFILE, STATE

VERSION_HEADER = "X-Experience-API-Version"


@dataclass(frozen=True)
class XapiVersion:
    # The value of X-Experience-API-Version in answers: the latest patch version served.
    name: str
    # Request header values served by these rules ("1.0" means "1.0.0", "2.0" means "2.0.0").
    header: re.Pattern[str]
    # The `version` given to a statement stored without one.
    statement_version: str
    # The `version` values a statement may carry, and the rule reported when it does not.
    statement_versions: re.Pattern[str]
    statement_versions_rule: str
    # Context properties this version does not have: refused in statements it stores, and
    # left out of statements it returns.
    missing_context_properties: frozenset[str]
    # Communication 1.3 (`POST ...?method=PUT` with a form); 9274.1.1 dropped it.
    alternate_request_syntax: bool
    # 9274.1.1 4.2.7: timestamps are converted to UTC when stored, and returned in UTC.
    utc_timestamps: bool
    # What a PUT without If-Match / If-None-Match does, per document kind: 1.0.3 Communication 3.1
    # guards the profiles (409 when the document exists, and the conformance suite's XAPI-00273
    # wants 400 when it does not); 9274.1.1 4.1.4 guards State too, and only documents that exist.
    unconditional_put: Mapping[str, UnconditionalPut]

    def serves(self, header_value: str) -> bool:
        return self.header.fullmatch(header_value.strip()) is not None

    def accepts_statement_version(self, value: object) -> bool:
        return isinstance(value, str) and self.statement_versions.fullmatch(value) is not None


# A patch number, optionally with a Semantic Versioning pre-release tag (1.0.0-rc1).
_PATCH = r"(?:\.[0-9]+(?:-[0-9A-Za-z-]+)?)?"

XAPI_1_0_3 = XapiVersion(
    name="1.0.3",
    header=re.compile(r"1\.0" + _PATCH),
    statement_version="1.0.0",
    statement_versions=re.compile(r"1\.0" + _PATCH),
    statement_versions_rule="must be 1.0 or 1.0.x",
    missing_context_properties=frozenset({"contextAgents", "contextGroups"}),
    alternate_request_syntax=True,
    utc_timestamps=False,
    unconditional_put=MappingProxyType(
        {
            STATE: UnconditionalPut.REPLACE,
            AGENT_PROFILE: UnconditionalPut.REJECT,
            ACTIVITY_PROFILE: UnconditionalPut.REJECT,
        }
    ),
)

XAPI_2_0_0 = XapiVersion(
    name="2.0.0",
    header=re.compile(r"2\.0" + _PATCH),
    statement_version="2.0.0",
    # 1.0.x statements remain valid 2.0 input (9274.1.1 4.2.2: "formatted according to Semantic
    # Versioning"; the conformance suite sends 1.0 and 1.0.9 and expects them stored).
    statement_versions=re.compile(r"(?:1|2)\.0" + _PATCH),
    statement_versions_rule="must be 1.0, 1.0.x, 2.0 or 2.0.x",
    missing_context_properties=frozenset(),
    alternate_request_syntax=False,
    utc_timestamps=True,
    unconditional_put=MappingProxyType(
        dict.fromkeys((STATE, AGENT_PROFILE, ACTIVITY_PROFILE), UnconditionalPut.CREATE)
    ),
)

SUPPORTED = (XAPI_1_0_3, XAPI_2_0_0)
NEWEST = XAPI_2_0_0


def version_for_header(value: str) -> XapiVersion | None:
    """The rules a request with this X-Experience-API-Version value is handled by; None when no
    version served here matches (older than 1.0.0, 1.1 and later, 2.1.0 and later, junk)."""
    return next((version for version in SUPPORTED if version.serves(value)), None)
