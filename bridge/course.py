"""A SCORM manifest as a cmi5 course structure (cmi5.xml), to be imported by cmi5. Pure.

Every launchable item becomes an AU whose url is the bridge's player for it; an item with
children becomes a block (holding its own AU first when it launches something too). The AU's
masteryScore is adlcp:masteryscore / 100, cut (never rounded up) to the 4 decimals cmi5 keeps,
and the server judges pass/fail against that very number, so what it sends always agrees with
the cmi5 rules. SCORM 1.2 SCOs move on with "CompletedOrPassed": SCORM 1.2 reaches either
"completed" or "passed"; assets (which never talk to the API) with "NotApplicable". SCORM 2004
SCOs bring their moveOn from the manifest reader (`bridge.manifest2004.move_on`) and their
masteryScore from the scaled passing score.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from urllib.parse import quote

from bridge import vocab
from bridge.manifest import Item, Manifest, Sco
from cmi5.vocab import COURSE_NAMESPACE

NS = "{" + COURSE_NAMESPACE + "}"
MASTERY_STEP = Decimal("0.0001")


@dataclass(frozen=True)
class PackageIris:
    """The IRIs of one imported package: `{base}/scorm/packages/{id}` and what hangs below it."""

    package: str

    def sco(self, identifier: str) -> str:
        return f"{self.package}/scos/{quote(identifier, safe='')}"

    def item(self, identifier: str) -> str:
        return f"{self.package}/items/{quote(identifier, safe='')}"


def cmi5_mastery_score(mastery: Decimal | None) -> Decimal | None:
    if mastery is None:
        return None
    return (mastery / 100).quantize(MASTERY_STEP, rounding=ROUND_FLOOR)


def format_decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


def player_url(content_base: str, package: str, sco: Sco) -> str:
    return f"{content_base.rstrip('/')}/scorm/player/{package}/{sco.index}"


def course_structure(manifest: Manifest, iris: PackageIris, package: str, content_base: str) -> bytes:
    root = ET.Element(NS + "courseStructure")
    course = ET.SubElement(root, NS + "course", id=iris.package)
    add_texts(course, manifest.title)
    for item in manifest.items:
        add_member(root, item, iris, package, content_base)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def add_texts(parent: ET.Element, title: str) -> None:
    for name in ("title", "description"):
        ET.SubElement(ET.SubElement(parent, NS + name), NS + "langstring").text = title


def has_launchable(item: Item) -> bool:
    return item.sco is not None or any(has_launchable(c) for c in item.children)


def add_member(parent: ET.Element, item: Item, iris: PackageIris, package: str, content_base: str) -> None:
    if not has_launchable(item):
        return
    if not item.children and item.sco is not None:
        add_au(parent, item.sco, iris, package, content_base)
        return
    block = ET.SubElement(parent, NS + "block", id=iris.item(item.identifier))
    add_texts(block, item.title)
    if item.sco is not None:
        add_au(block, item.sco, iris, package, content_base)
    for child in item.children:
        add_member(block, child, iris, package, content_base)


def au_mastery_score(sco: Sco) -> Decimal | None:
    """cmi5 masteryScore: SCORM 1.2's masteryscore / 100, or SCORM 2004's scaled passing score when
    cmi5 can hold it (0 to 1; a negative one has no cmi5 form). Both cut to cmi5's 4 decimals."""
    if sco.scaled_passing_score is not None:
        if sco.scaled_passing_score < 0:
            return None
        return sco.scaled_passing_score.quantize(MASTERY_STEP, rounding=ROUND_FLOOR)
    return cmi5_mastery_score(sco.mastery_score)


def add_au(parent: ET.Element, sco: Sco, iris: PackageIris, package: str, content_base: str) -> None:
    attributes = {
        "id": iris.sco(sco.identifier),
        "moveOn": sco.move_on or ("CompletedOrPassed" if sco.scorm_type == "sco" else "NotApplicable"),
        "activityType": vocab.TYPE_LESSON,
    }
    mastery = au_mastery_score(sco)
    if mastery is not None and sco.scorm_type == "sco":
        attributes["masteryScore"] = format_decimal(mastery)
    au = ET.SubElement(parent, NS + "au", attributes)
    add_texts(au, sco.title)
    ET.SubElement(au, NS + "url").text = player_url(content_base, package, sco)
