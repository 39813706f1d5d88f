"""`imsmanifest.xml` of a SCORM package to a plain structure: the reader of SCORM 1.2 manifests
(IMS CP 1.1.2 + ADL CP 1.2) and what every edition shares. Pure.

Elements are matched by local name: SCORM 1.2 manifests in the wild often get their namespaces
slightly wrong, and nothing here depends on which namespace an element carries, except telling
the edition (`bridge.editions`): a SCORM 2004 manifest is read by `bridge.manifest2004`.

Real packages are often sloppy where their intent is still clear; those are read as meant:
attribute names in any case (`adlcp:scormType`, `SCORMTYPE`), an `xml:base` without its
trailing slash, a byte order mark or blank lines before the XML declaration, and, reported in
`Manifest.warnings` because they change what is played, a default organization that names none
(the first is played, as LMSes do), an identifierref or launch file that differs only in case,
a resource without adlcp:scormtype (an asset, as IMS CP has it) and Windows-1252 text in a
manifest that claims UTF-8. What could reach outside the package stays refused: absolute or
climbing launch urls, and any entity declaration. The XML is parsed with defusedxml: a DOCTYPE naming a DTD (as old
IMS CP 1.1 manifests do) is allowed, but no DTD is ever read or fetched and no entity is
declared or expanded. Each rejection names the element (`organizations/organization[1]/item[2]`)
and the problem.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, unquote, urlsplit

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from bridge import editions, vocab
from bridge.errors import InvalidPackage

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
TIMESPAN = r"^\d{1,4}:\d{2}:\d{2}(\.\d{1,2})?$"
UTF8_BOM = b"\xef\xbb\xbf"
XML_ENCODING = re.compile(rb"^(<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._-]+)([\"'])")
MAX_DEPTH = 100
MAX_TEXT = 4096


@dataclass
class Sco:
    """A launchable item: an item of the organization whose resource has an href."""

    index: int
    identifier: str  # the item's identifier
    resource: str  # the resource's identifier
    title: str
    scorm_type: str  # "sco" or "asset"
    launch: str  # package-relative url of the launch file, parameters included
    file: str  # package path of the launch file
    mastery_score: Decimal | None = None
    data_from_lms: str = ""
    max_time_allowed: str = ""
    time_limit_action: str = ""
    prerequisites: str = ""
    # SCORM 2004 (bridge.manifest2004)
    move_on: str = ""  # the AU's cmi5 moveOn; empty for SCORM 1.2, whose rule is bridge.course's
    scaled_passing_score: Decimal | None = None
    completion_threshold: Decimal | None = None
    completion_set_by_content: bool = False
    objective_set_by_content: bool = False
    global_objectives: dict[str, str] = field(default_factory=dict)  # local objective id -> global one


@dataclass
class Item:
    identifier: str
    title: str
    sco: Sco | None = None
    children: list[Item] = field(default_factory=list)


@dataclass
class Manifest:
    identifier: str
    title: str  # the default organization's title
    organization: str  # its identifier
    items: list[Item]
    scos: list[Sco]  # launchable items, in organization order
    warnings: list[str] = field(default_factory=list)  # what was read leniently, and how
    edition: str = editions.SCORM_12.key
    activity_tree: dict | None = None  # SCORM 2004: scorm-again's sequencing settings (bridge.imsss)


def parse_manifest(data: bytes, files: frozenset[str]) -> Manifest:
    """The package's default organization; `files` are the package paths, to check launch files."""
    warnings: list[str] = []
    root = parse_xml(data, warnings)
    if local(root) != "manifest":
        raise InvalidPackage(vocab.MANIFEST_FILE, f"the root element must be <manifest>, found <{local(root)}>")
    metadata = child(root, "metadata")
    version = text(child(metadata, "schemaversion")) if metadata is not None else ""
    edition = editions.detect_edition(root, version, warnings)
    if edition.sequenced:
        from bridge.manifest2004 import Manifest2004Reader  # it builds on this module's reader

        return Manifest2004Reader(files, warnings, edition).read(root)
    return ManifestReader(files, warnings).read(root)


def parse_xml(data: bytes, warnings: list[str]) -> ET.Element:
    data = trim_prolog(data)
    try:
        return parse_safely(data)
    except ET.ParseError as error:
        problem = error
    recoded = as_windows_1252(data)
    try:
        if recoded is not None:
            root = parse_safely(recoded)
            warnings.append(f"{vocab.MANIFEST_FILE} is not UTF-8 as it says: it was read as Windows-1252")
            return root
    except ET.ParseError:
        pass
    raise InvalidPackage(vocab.MANIFEST_FILE, f"not well-formed XML: {problem}")


def parse_safely(data: bytes) -> ET.Element:
    """defusedxml: a DOCTYPE may name a DTD (it is never read); entity declarations are refused."""
    try:
        return SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise InvalidPackage(
            vocab.MANIFEST_FILE,
            f"entity declarations and external references are not allowed ({error.__class__.__name__})",
        ) from None


def trim_prolog(data: bytes) -> bytes:
    """Without a UTF-8 byte order mark and blank lines before the XML declaration (both common)."""
    trimmed = data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data
    return trimmed.lstrip() if trimmed.lstrip().startswith(b"<?xml") else trimmed


def as_windows_1252(data: bytes) -> bytes | None:
    """A manifest that says (or defaults to) UTF-8 but is not, re-encoded from Windows-1252: old
    Windows authoring tools wrote such files. None when it is UTF-8 or declares another encoding."""
    declared = XML_ENCODING.match(data)
    if declared and declared.group(2).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("windows-1252")
    except UnicodeDecodeError:
        return None
    recoded = text.encode("utf-8")
    return XML_ENCODING.sub(rb"\1utf-8\3", recoded, count=1)


def local(element_or_name) -> str:
    name = element_or_name.tag if isinstance(element_or_name, ET.Element) else element_or_name
    if not isinstance(name, str):
        return ""
    return name.rsplit("}", 1)[-1]


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if local(child) == name]


def child(element: ET.Element, name: str) -> ET.Element | None:
    found = children(element, name)
    return found[0] if found else None


def attribute(element: ET.Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace prefix (adlcp:scormtype, scormType, ...)."""
    for key, value in element.attrib.items():
        if local(key).lower() == name.lower():
            return value.strip()
    return None


def text(element: ET.Element | None) -> str:
    return "" if element is None else "".join(element.itertext()).strip()


def launch_url(href: str, parameters: str) -> str:
    """The resource href with the item's parameters (IMS CP: '?' joins a query, '#' a fragment)."""
    parameters = parameters.strip()
    if not parameters:
        return href
    if parameters.startswith("?") or parameters.startswith("&"):
        return href + ("&" if "?" in href else "?") + parameters[1:]
    if parameters.startswith("#"):
        return href if "#" in href else href + parameters
    return href + ("&" if "?" in href else "?") + parameters


def join_base(base: str, href: str) -> str:
    """xml:base and href joined: a base names a folder, with or without its trailing slash."""
    if not base or base.endswith("/") or not href:
        return base + href
    return f"{base}/{href}"


def package_file(url: str) -> str | None:
    """The package path a relative launch url names, or None when it is absolute or leaves the package."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("/"):
        return None
    decoded = unquote(parts.path)
    if not decoded or "\\" in decoded or "\x00" in decoded:
        return None
    normalized = posixpath.normpath(decoded)
    if normalized.startswith("../") or normalized in ("..", "."):
        return None
    return normalized


def unique_match(name: str, names) -> str | None:
    """The one name equal to `name` but for case, if there is exactly one."""
    found = [n for n in names if n.lower() == name.lower()]
    return found[0] if len(found) == 1 else None


class ManifestReader:
    def __init__(self, files: frozenset[str], warnings: list[str]) -> None:
        self.files = files
        self.files_by_case: dict[str, list[str]] = {}
        for name in files:
            self.files_by_case.setdefault(name.lower(), []).append(name)
        self.warnings = warnings
        self.resources: dict[str, tuple[ET.Element, str]] = {}
        self.scos: list[Sco] = []
        self.identifiers: set[str] = set()

    def read(self, root: ET.Element) -> Manifest:
        self.read_resources(root)
        organizations = child(root, "organizations")
        found = children(organizations, "organization") if organizations is not None else []
        if organizations is None or not found:
            raise InvalidPackage("organizations", "the manifest has no <organization>: nothing to launch")
        organization, position = self.default_organization(organizations, found)
        path = f"organizations/organization[{position}]"
        self.organization, self.organization_path = organization, path
        items = self.read_items(organization, path, 0)
        if not self.scos:
            raise InvalidPackage(path, "no item launches a resource: there is nothing to play")
        return Manifest(
            identifier=attribute(root, "identifier") or "",
            title=text(child(organization, "title")) or attribute(organization, "identifier") or "SCORM course",
            organization=attribute(organization, "identifier") or "",
            items=items,
            scos=self.scos,
            warnings=self.warnings,
        )

    def default_organization(self, organizations: ET.Element, found: list[ET.Element]) -> tuple[ET.Element, int]:
        """The organization `default` names; else, as LMSes do, the first one (said in a warning)."""
        default = attribute(organizations, "default")
        if not default:
            return found[0], 1
        identifiers = [attribute(o, "identifier") or "" for o in found]
        if default in identifiers:
            return found[identifiers.index(default)], identifiers.index(default) + 1
        same = unique_match(default, identifiers)
        if same is not None:
            self.warnings.append(f"organizations: default {default!r} names organization {same!r} in another case")
            return found[identifiers.index(same)], identifiers.index(same) + 1
        self.warnings.append(
            f"organizations: default {default!r} names no organization; the first one, {identifiers[0]!r}, is played"
        )
        return found[0], 1

    def read_resources(self, root: ET.Element) -> None:
        resources = child(root, "resources")
        if resources is None:
            return
        base = join_base(root.attrib.get(XML_BASE, ""), resources.attrib.get(XML_BASE, ""))
        for position, resource in enumerate(children(resources, "resource"), 1):
            identifier = attribute(resource, "identifier")
            if not identifier:
                raise InvalidPackage(f"resources/resource[{position}]", "attribute identifier is required")
            if identifier in self.resources:
                raise InvalidPackage(f"resources/resource[{position}]", f"identifier {identifier!r} is used twice")
            self.resources[identifier] = (resource, join_base(base, resource.attrib.get(XML_BASE, "")))

    def read_items(self, parent: ET.Element, path: str, depth: int) -> list[Item]:
        if depth > MAX_DEPTH:
            raise InvalidPackage(path, f"items are nested more than {MAX_DEPTH} deep")
        items = []
        for position, element in enumerate(children(parent, "item"), 1):
            item_path = f"{path}/item[{position}]"
            identifier = attribute(element, "identifier")
            if not identifier:
                raise InvalidPackage(item_path, "attribute identifier is required")
            if identifier in self.identifiers:
                raise InvalidPackage(item_path, f"identifier {identifier!r} is used by another item")
            self.identifiers.add(identifier)
            title = text(child(element, "title")) or identifier
            item = Item(identifier, title)
            reference = attribute(element, "identifierref")
            if reference:
                item.sco = self.read_sco(element, item_path, identifier, title, reference)
            item.children = self.read_items(element, item_path, depth + 1)
            items.append(item)
        return items

    def resource_of(self, path: str, reference: str) -> tuple[str, ET.Element, str]:
        """The resource an identifierref names, leniently in another case when only one matches."""
        if reference not in self.resources:
            same = unique_match(reference, self.resources)
            if same is None:
                raise InvalidPackage(path, f"identifierref {reference!r} names no resource of the manifest")
            self.warnings.append(f"{path}: identifierref {reference!r} names resource {same!r} in another case")
            reference = same
        return reference, *self.resources[reference]

    def launch_file(self, path: str, reference: str, url: str) -> tuple[str, str]:
        """The package file a launch url names, and the url; a file named in another case is
        taken when it is the only one (packages made on Windows), and the url then names it."""
        file = package_file(url)
        if file is None:
            raise InvalidPackage(
                path,
                f"launch url {url!r} must be a relative path inside the package "
                "(a SCO is served with the player to reach its API)",
            )
        if file in self.files:
            return file, url
        same = self.files_by_case.get(file.lower(), [])
        if len(same) != 1:
            raise InvalidPackage(path, f"the launch file {file!r} of resource {reference!r} is missing from the zip")
        self.warnings.append(f"{path}: launch file {file!r} is {same[0]!r} in the zip")
        parts = urlsplit(url)
        return same[0], quote(same[0]) + (f"?{parts.query}" if parts.query else "") + (
            f"#{parts.fragment}" if parts.fragment else ""
        )

    def read_sco(self, element: ET.Element, path: str, identifier: str, title: str, reference: str) -> Sco | None:
        reference, resource, base = self.resource_of(path, reference)
        href = attribute(resource, "href")
        if not href:
            if children(element, "item"):
                return None  # an aggregation pointing at a resource it cannot launch
            raise InvalidPackage(path, f"resource {reference!r} has no href: the item cannot be launched")
        declared = attribute(resource, "scormtype")
        scorm_type = (declared or "asset").lower()
        if scorm_type not in vocab.SCORM_12_TYPES:
            raise InvalidPackage(
                path, f"resource {reference!r} has adlcp:scormtype {scorm_type!r}; it must be sco or asset"
            )
        if declared is None:
            self.warnings.append(
                f"{path}: resource {reference!r} has no adlcp:scormtype; it is played as an asset "
                "(its AU is satisfied without a status)"
            )
        file, url = self.launch_file(path, reference, join_base(base, href))
        launch = launch_url(url, attribute(element, "parameters") or "")
        sco = Sco(
            index=len(self.scos),
            identifier=identifier,
            resource=reference,
            title=title,
            scorm_type=scorm_type,
            launch=launch,
            file=file,
        )
        self.read_adlcp(element, path, sco)
        self.scos.append(sco)
        return sco

    def read_adlcp(self, element: ET.Element, path: str, sco: Sco) -> None:
        values = {
            local(e).lower(): (text(e), e)
            for e in element
            if local(e).lower() in ("masteryscore", "datafromlms", "maxtimeallowed", "timelimitaction", "prerequisites")
        }
        if "masteryscore" in values and values["masteryscore"][0]:
            raw = values["masteryscore"][0]
            try:
                score = Decimal(raw)
            except InvalidOperation:
                score = None
            if score is None or not score.is_finite() or not 0 <= score <= 100:
                raise InvalidPackage(f"{path}/adlcp:masteryscore", f"{raw!r} must be a number from 0 to 100")
            sco.mastery_score = score
        if "datafromlms" in values:
            sco.data_from_lms = values["datafromlms"][0]
            if len(sco.data_from_lms) > MAX_TEXT:
                raise InvalidPackage(
                    f"{path}/adlcp:datafromlms", f"holds more than {MAX_TEXT} characters (cmi.launch_data)"
                )
        if "maxtimeallowed" in values and values["maxtimeallowed"][0]:
            value = values["maxtimeallowed"][0]
            if not re.match(TIMESPAN, value):
                raise InvalidPackage(
                    f"{path}/adlcp:maxtimeallowed", f"{value!r} must be a SCORM 1.2 timespan HHHH:MM:SS.SS"
                )
            sco.max_time_allowed = value
        if "timelimitaction" in values and values["timelimitaction"][0]:
            value = values["timelimitaction"][0].lower()
            if value not in vocab.TIME_LIMIT_ACTIONS:
                raise InvalidPackage(
                    f"{path}/adlcp:timelimitaction", f"{value!r} must be one of {', '.join(vocab.TIME_LIMIT_ACTIONS)}"
                )
            sco.time_limit_action = value
        if "prerequisites" in values:
            sco.prerequisites = values["prerequisites"][0]
