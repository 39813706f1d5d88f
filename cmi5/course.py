"""Course structure XML (cmi5 13-14) to a plain course dict, checked as the schema and the spec say.

The schema's rules are written out here in Python (element order, required elements and
attributes, enumerations, decimal ranges, language tags, where foreign-namespace extensions
may appear), followed by what the schema cannot say: absolute IRIs for ids, ids unique in the
structure, objective references that resolve, no cmi5 launch parameter names in an AU url's
query, and relative urls only inside a zip package and present in it. Every value is trimmed.
Each rejection names the element (a path such as `courseStructure/block[1]/au[2]/url`) and the
problem. XML is parsed with defusedxml and no DTD: no entities, no external or network access.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from cmi5 import vocab
from lrs.datatypes import is_iri, is_language_tag
from lrs.errors import BadRequest

NS = "{" + vocab.COURSE_NAMESPACE + "}"

DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
MASTERY_PLACES = 4
# Blocks nested deeper than this are refused (the reader recurses once per level).
MAX_BLOCK_DEPTH = 100
UNDETERMINED = "und"


class InvalidCourseStructure(BadRequest):
    """A course structure or package that cannot be imported; names the element and the problem."""

    error = "invalid course structure"

    def __init__(self, element: str, problem: str) -> None:
        self.element = element
        self.problem = problem
        super().__init__(f"{element}: {problem}" if element else problem)


def parse_course_structure(data: bytes, package_paths: frozenset[str] | None = None) -> dict:
    """`package_paths`: the files of the zip, for checking relative AU urls; None for a bare cmi5.xml."""
    root = parse_xml(data)
    return CourseReader(package_paths).read(root)


def parse_xml(data: bytes) -> ET.Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise InvalidCourseStructure(
            vocab.COURSE_FILE, f"DTDs and entities are not allowed ({error.__class__.__name__})"
        ) from None
    except ET.ParseError as error:
        raise InvalidCourseStructure(vocab.COURSE_FILE, f"not well-formed XML: {error}") from None


# --- element helpers ------------------------------------------------------------------------


def local_name(element: ET.Element) -> str | None:
    """The name of a cmi5 element; None for an element of another namespace."""
    tag = element.tag
    if not isinstance(tag, str):
        return None
    if tag.startswith(NS):
        return tag[len(NS) :]
    return None


def is_foreign(element: ET.Element) -> bool:
    """An element of another, non-empty namespace: allowed where the schema has `any ##other`."""
    return isinstance(element.tag, str) and element.tag.startswith("{") and not element.tag.startswith(NS)


def describe(element: ET.Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else "?"
    return f"<{local_name(element) or tag}>"


class Children:
    """Walks an element's children in the order the schema's sequence wants them."""

    def __init__(self, element: ET.Element, path: str) -> None:
        self.items = list(element)
        self.position = 0
        self.path = path
        self.counts: dict[str, int] = {}

    def child_path(self, name: str) -> str:
        self.counts[name] = self.counts.get(name, 0) + 1
        return f"{self.path}/{name}[{self.counts[name]}]"

    def peek(self) -> str | None:
        if self.position >= len(self.items):
            return None
        element = self.items[self.position]
        if local_name(element) is None and not is_foreign(element):
            raise InvalidCourseStructure(
                self.path, f"{describe(element)} has no namespace; cmi5 elements use {vocab.COURSE_NAMESPACE}"
            )
        return local_name(element)

    def take(self) -> ET.Element:
        element = self.items[self.position]
        self.position += 1
        return element

    def required(self, name: str) -> tuple[ET.Element, str]:
        if self.peek() != name:
            found = describe(self.items[self.position]) if self.position < len(self.items) else "nothing"
            raise InvalidCourseStructure(self.path, f"<{name}> is required here, found {found}")
        return self.take(), f"{self.path}/{name}"

    def optional(self, name: str) -> tuple[ET.Element, str] | None:
        if self.peek() != name:
            return None
        return self.take(), f"{self.path}/{name}"

    def end(self) -> None:
        """Only foreign-namespace extension elements may follow (`any namespace="##other"`)."""
        while self.position < len(self.items):
            self.peek()  # an element without a namespace is named as such
            element = self.items[self.position]
            if not is_foreign(element):
                raise InvalidCourseStructure(self.path, f"unexpected {describe(element)} at this position")
            self.position += 1


def check_attributes(element: ET.Element, path: str, allowed: set[str], foreign: bool = True) -> None:
    for name in element.attrib:
        if name in allowed:
            continue
        if foreign and name.startswith("{") and not name.startswith(NS):
            continue
        raise InvalidCourseStructure(path, f"attribute {name!r} is not allowed")


def text_of(element: ET.Element, path: str) -> str:
    """Trimmed simple content; a child element is not allowed in it."""
    if len(element):
        raise InvalidCourseStructure(path, f"must hold text only, found {describe(element[0])}")
    return (element.text or "").strip()


def attribute(element: ET.Element, name: str, path: str) -> str | None:
    value = element.attrib.get(name)
    return None if value is None else value.strip()


def check_iri(value: str, path: str, what: str) -> str:
    # The LRS's own check: these ids go into the statements the LMS makes for the course.
    if not is_iri(value):
        raise InvalidCourseStructure(path, f"{what} {value!r} must be an absolute IRI")
    return value


# --- the reader -----------------------------------------------------------------------------


class CourseReader:
    def __init__(self, package_paths: frozenset[str] | None) -> None:
        self.package_paths = package_paths
        self.ids: dict[str, str] = {}
        self.objective_ids: set[str] = set()
        self.aus: list[dict] = []
        self.blocks: list[dict] = []
        # Objective references are checked once every objective is known.
        self.references: list[tuple[str, str]] = []

    def read(self, root: ET.Element) -> dict:
        if local_name(root) != "courseStructure":
            raise InvalidCourseStructure(
                "",
                f"the root element must be <courseStructure> in namespace {vocab.COURSE_NAMESPACE}, "
                f"found {root.tag if isinstance(root.tag, str) else '?'}",
            )
        path = "courseStructure"
        check_attributes(root, path, set())
        children = Children(root, path)
        course = self.read_course(*children.required("course"))
        objectives = children.optional("objectives")
        course["objectives"] = self.read_objectives(*objectives) if objectives else []
        course["children"] = self.read_members(children)
        children.end()
        for reference, ref_path in self.references:
            if reference not in self.objective_ids:
                raise InvalidCourseStructure(ref_path, f"idref {reference!r} names no objective of the course")
        course["aus"] = self.aus
        course["blocks"] = self.blocks
        return course

    def claim_id(self, value: str, path: str) -> None:
        if value in self.ids:
            raise InvalidCourseStructure(path, f"id {value!r} is already used by {self.ids[value]}")
        self.ids[value] = path

    def read_id(self, element: ET.Element, path: str) -> str:
        value = attribute(element, "id", path)
        if value is None:
            raise InvalidCourseStructure(path, "attribute id is required")
        value = check_iri(value, path, "id")
        self.claim_id(value, path)
        return value

    def read_course(self, element: ET.Element, path: str) -> dict:
        check_attributes(element, path, {"id"})
        publisher_id = self.read_id(element, path)
        children = Children(element, path)
        title = self.read_text(*children.required("title"))
        description = self.read_text(*children.required("description"))
        children.end()
        return {"id": publisher_id, "title": title, "description": description}

    def read_text(self, element: ET.Element, path: str) -> dict[str, str]:
        """A textType: one or more langstrings, as an xAPI language map."""
        check_attributes(element, path, set())
        children = Children(element, path)
        texts: dict[str, str] = {}
        while children.peek() == "langstring":
            langstring = children.take()
            item_path = children.child_path("langstring")
            check_attributes(langstring, item_path, {"lang"})
            lang = attribute(langstring, "lang", item_path) or UNDETERMINED
            if not is_language_tag(lang):
                raise InvalidCourseStructure(item_path, f"lang {lang!r} is not a language tag")
            texts.setdefault(lang, text_of(langstring, item_path))
        if not texts:
            raise InvalidCourseStructure(path, "at least one <langstring> is required")
        children.end()
        return texts

    def read_objectives(self, element: ET.Element, path: str) -> list[dict]:
        check_attributes(element, path, set())
        children = Children(element, path)
        objectives = []
        while children.peek() == "objective":
            objective = children.take()
            item_path = children.child_path("objective")
            check_attributes(objective, item_path, {"id"}, foreign=False)
            objective_id = self.read_id(objective, item_path)
            self.objective_ids.add(objective_id)
            parts: dict[str, dict] = {}
            for child in objective:
                name = local_name(child)
                if name not in ("title", "description") or name in parts:
                    raise InvalidCourseStructure(
                        item_path, f"unexpected {describe(child)}; an objective has one title and one description"
                    )
                parts[name] = self.read_text(child, f"{item_path}/{name}")
            for name in ("title", "description"):
                if name not in parts:
                    raise InvalidCourseStructure(item_path, f"<{name}> is required")
            objectives.append({"id": objective_id, **parts})
        if not objectives:
            raise InvalidCourseStructure(path, "at least one <objective> is required")
        children.end()
        return objectives

    def read_references(self, element: ET.Element, path: str) -> list[str]:
        check_attributes(element, path, set())
        children = Children(element, path)
        references = []
        while children.peek() == "objective":
            objective = children.take()
            item_path = children.child_path("objective")
            check_attributes(objective, item_path, {"idref"}, foreign=False)
            if len(objective):
                raise InvalidCourseStructure(item_path, "an objective reference has no content")
            idref = attribute(objective, "idref", item_path)
            if idref is not None:
                self.references.append((idref, item_path))
                references.append(idref)
        if not children.counts.get("objective"):
            raise InvalidCourseStructure(path, "at least one <objective> is required")
        children.end()
        return references

    def read_members(self, children: Children, parent: int | None = None) -> list[dict]:
        """One or more <au> and <block> elements, in order: the node's children."""
        members = []
        while (name := children.peek()) is not None and name in ("au", "block"):
            element = children.take()
            path = children.child_path(name)
            if name == "au":
                members.append({"au": self.read_au(element, path, parent)})
            else:
                members.append({"block": self.read_block(element, path, parent)})
        if not members:
            found = (
                describe(children.items[children.position]) if children.position < len(children.items) else "nothing"
            )
            raise InvalidCourseStructure(children.path, f"at least one <au> or <block> is required, found {found}")
        return members

    def read_block(self, element: ET.Element, path: str, parent: int | None) -> int:
        check_attributes(element, path, {"id"})
        if path.count("/block[") > MAX_BLOCK_DEPTH:
            raise InvalidCourseStructure(path, f"blocks are nested more than {MAX_BLOCK_DEPTH} deep")
        index = len(self.blocks)
        block: dict[str, Any] = {"index": index, "id": self.read_id(element, path), "parent": parent}
        self.blocks.append(block)
        children = Children(element, path)
        block["title"] = self.read_text(*children.required("title"))
        block["description"] = self.read_text(*children.required("description"))
        references = children.optional("objectives")
        block["objectives"] = self.read_references(*references) if references else []
        block["children"] = self.read_members(children, index)
        children.end()
        return index

    def read_au(self, element: ET.Element, path: str, parent: int | None) -> int:
        check_attributes(element, path, {"id", "moveOn", "masteryScore", "launchMethod", "activityType"})
        au: dict = {"index": len(self.aus), "id": self.read_id(element, path), "parent": parent}
        au["moveOn"] = self.read_choice(element, "moveOn", path, vocab.MOVE_ON_VALUES, "NotApplicable")
        au["launchMethod"] = self.read_choice(element, "launchMethod", path, vocab.LAUNCH_METHODS, "AnyWindow")
        au["masteryScore"] = self.read_mastery_score(element, path)
        activity_type = attribute(element, "activityType", path)
        au["activityType"] = check_iri(activity_type, path, "activityType") if activity_type else None
        children = Children(element, path)
        au["title"] = self.read_text(*children.required("title"))
        au["description"] = self.read_text(*children.required("description"))
        references = children.optional("objectives")
        au["objectives"] = self.read_references(*references) if references else []
        url_element, url_path = children.required("url")
        check_attributes(url_element, url_path, set(), foreign=False)
        au["url"], au["packaged"] = self.read_url(text_of(url_element, url_path), url_path)
        for name in ("launchParameters", "entitlementKey"):
            found = children.optional(name)
            # Declared without a type (xs:anyType): any content; its text is the value.
            au[name] = "".join(found[0].itertext()).strip() if found else None
        children.end()
        self.aus.append(au)
        return au["index"]

    @staticmethod
    def read_choice(element: ET.Element, name: str, path: str, options: tuple[str, ...], default: str) -> str:
        value = attribute(element, name, path)
        if value is None:
            return default
        if value not in options:
            raise InvalidCourseStructure(path, f"{name} {value!r} must be one of {', '.join(options)}")
        return value

    @staticmethod
    def read_mastery_score(element: ET.Element, path: str) -> float | None:
        value = attribute(element, "masteryScore", path)
        if value is None:
            return None
        problem = f"masteryScore {value!r} must be a decimal from 0 to 1 with at most {MASTERY_PLACES} decimal places"
        if not DECIMAL.match(value):
            raise InvalidCourseStructure(path, problem)
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise InvalidCourseStructure(path, problem) from None
        exponent = number.normalize().as_tuple().exponent  # an int: the pattern excludes NaN and Infinity
        if not 0 <= number <= 1 or not isinstance(exponent, int) or -exponent > MASTERY_PLACES:
            raise InvalidCourseStructure(path, problem)
        return float(number)

    def read_url(self, value: str, path: str) -> tuple[str, bool]:
        """The url and whether it points into the package."""
        if not value:
            raise InvalidCourseStructure(path, "must not be empty")
        if any(c.isspace() for c in value):
            raise InvalidCourseStructure(path, f"{value!r} must not contain whitespace")
        try:
            parts = urlsplit(value)
            query = parse_qsl(parts.query, keep_blank_values=True)
        except ValueError as error:
            raise InvalidCourseStructure(path, f"{value!r} is not a URL: {error}") from None
        clashes = [name for name, _ in query if name in vocab.LAUNCH_PARAMETERS]
        if clashes:
            raise InvalidCourseStructure(
                path, f"the query uses the cmi5 launch parameter name {clashes[0]!r} (8.1), which the LMS adds itself"
            )
        if parts.scheme:
            return value, False
        if self.package_paths is None:
            raise InvalidCourseStructure(
                path,
                f"relative url {value!r} is only allowed inside a zip package; a bare cmi5.xml needs fully qualified urls (14.2)",
            )
        if value.startswith("/") or parts.netloc:
            raise InvalidCourseStructure(path, f"{value!r} must be relative to the package root")
        file_path = package_path(parts.path)
        if file_path is None:
            raise InvalidCourseStructure(path, f"{value!r} points outside the package")
        if file_path not in self.package_paths:
            raise InvalidCourseStructure(path, f"{value!r} names no file of the package ({file_path} is missing)")
        return value, True


def package_path(url_path: str) -> str | None:
    """The package file a relative url path names, or None when it leaves the package root."""
    decoded = unquote(url_path)
    if not decoded or "\\" in decoded or "\x00" in decoded:
        return None
    normalized = posixpath.normpath(decoded)
    if normalized.startswith(("../", "/")) or normalized in ("..", "."):
        return None
    return normalized
