"""The SCORM editions the bridge plays, and how a manifest says which one it is. Pure.

Everything that differs between editions and is not a whole data model lives in this table:
the data models themselves are `bridge.cmi` (1.2) and `bridge.cmi2004` (2004, one model for its
three editions, as in scorm-again), and the manifest readers `bridge.manifest` (1.2) and
`bridge.manifest2004`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

# Namespaces only SCORM 2004 manifests use (ADL CP 1.3, IMS SS, ADL sequencing and navigation).
SCORM_2004_MARKERS = ("adlcp_v1p3", "imsss", "adlseq", "adlnav")


@dataclass(frozen=True)
class Edition:
    key: str  # stored in the package document
    name: str  # for people
    runtime_file: str  # the scorm-again build the player loads (from node_modules/scorm-again)
    player_page: str  # the player's page, in bridge/
    # SCORM 2004 3rd and 4th Edition write adlcp:completionThreshold as a value (2nd, 3rd) or as
    # attributes completedByMeasure / minProgressMeasure / progressWeight (4th).
    threshold_attributes: bool = False
    # 4th Edition: jump navigation, adl.data shared data, objective maps of raw/min/max score,
    # completion status and progress measure (adlseq:objectives).
    fourth_edition_features: bool = False

    @property
    def sequenced(self) -> bool:
        return self.key != SCORM_12.key


SCORM_12 = Edition("1.2", "SCORM 1.2", "dist/scorm12.min.js", "player.html")
SCORM_2004_2ND = Edition("2004-2nd", "SCORM 2004 2nd Edition", "dist/scorm2004.min.js", "player2004.html")
SCORM_2004_3RD = Edition("2004-3rd", "SCORM 2004 3rd Edition", "dist/scorm2004.min.js", "player2004.html")
SCORM_2004_4TH = Edition(
    "2004-4th",
    "SCORM 2004 4th Edition",
    "dist/scorm2004.min.js",
    "player2004.html",
    threshold_attributes=True,
    fourth_edition_features=True,
)
EDITIONS = {e.key: e for e in (SCORM_12, SCORM_2004_2ND, SCORM_2004_3RD, SCORM_2004_4TH)}

# <schemaversion> as the ADL CAM books give it, lower case and without spaces; real packages
# write some variants, matched in `edition_of_version`.
SCHEMA_VERSIONS = {
    "1.2": SCORM_12,
    "cam1.3": SCORM_2004_2ND,
    "1.3": SCORM_2004_2ND,
    "20042ndedition": SCORM_2004_2ND,
    "2004secondedition": SCORM_2004_2ND,
    "20043rdedition": SCORM_2004_3RD,
    "2004thirdedition": SCORM_2004_3RD,
    "20044thedition": SCORM_2004_4TH,
    "2004fourthedition": SCORM_2004_4TH,
}


def edition_of_version(version: str) -> Edition | None:
    """The edition a <schemaversion> names, if it names one ('2004 3rd Edition', 'CAM 1.3', ...)."""
    key = "".join(version.lower().split()).replace("scorm", "")
    if key.startswith("1.2"):
        return SCORM_12
    return SCHEMA_VERSIONS.get(key)


def namespaces_of(root: ET.Element) -> set[str]:
    found = {e.tag.split("}", 1)[0][1:] for e in root.iter() if isinstance(e.tag, str) and e.tag.startswith("{")}
    found |= {name.split("}", 1)[0][1:] for e in root.iter() for name in e.attrib if name.startswith("{")}
    return found


def uses_2004_namespaces(root: ET.Element) -> bool:
    return any(marker in namespace for namespace in namespaces_of(root) for marker in SCORM_2004_MARKERS)


def detect_edition(root: ET.Element, version: str, warnings: list[str]) -> Edition:
    """The edition of a manifest: by <schemaversion>, else by its namespaces (not by
    `adlcp:scormType` alone: SCORM 1.2 manifests spell it that way too)."""
    named = edition_of_version(version) if version else None
    if named is SCORM_12 and uses_2004_namespaces(root):
        warnings.append(
            f"metadata/schemaversion says {version!r} but the manifest uses SCORM 2004 namespaces; "
            "it is read as SCORM 2004"
        )
        named = None
    elif named is not None:
        return named
    if not uses_2004_namespaces(root):
        if version and "2004" not in version and "1.3" not in version:
            warnings.append(f"metadata/schemaversion {version!r} names no SCORM edition; it is read as SCORM 1.2")
        return SCORM_12
    guessed = SCORM_2004_4TH if has_fourth_edition_signs(root) else SCORM_2004_3RD
    warnings.append(
        f"metadata/schemaversion {'is missing' if not version else repr(version) + ' names no edition'}; "
        f"the manifest is read as {guessed.name}"
    )
    return guessed


def has_fourth_edition_signs(root: ET.Element) -> bool:
    """Whether the manifest uses what only 4th Edition has: adlcp:data maps, adlseq:objectives,
    completionThreshold attributes."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        namespace, _, name = element.tag[1:].partition("}") if element.tag.startswith("{") else ("", "", element.tag)
        if ("adlcp" in namespace and name in ("data", "map")) or ("adlseq" in namespace and name == "objectives"):
            return True
        if any(
            key.rsplit("}", 1)[-1].lower() in ("completedbymeasure", "minprogressmeasure") for key in element.attrib
        ):
            return True
    return False
