"""Courses as the console shows and imports them: cmi5 courses and SCORM packages, through
the public import and lookup functions of cmi5 and the bridge; and launches as a test learner.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from bridge import packages
from cmi5 import courses, sessions
from cmi5.package import PackageLimits
from cmi5.vocab import COURSE_FILE
from console import store
from console.sentences import pick_language
from lrs.errors import NotFound

SCORM_MANIFEST = "imsmanifest.xml"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass
class Imported:
    course: str
    title: str
    kind: str  # "cmi5", or the SCORM edition ("SCORM 1.2", "SCORM 2004 4th Edition")
    units: int


def zip_names(data: bytes) -> set[str]:
    """The member names of a zip, or nothing when it is not one (the importer then says why)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return set()


def package_kind(data: bytes, filename: str) -> str:
    """Which importer takes the upload: a cmi5.xml, a cmi5 zip or a SCORM zip."""
    if data[:4] in ZIP_MAGIC or filename.lower().endswith(".zip"):
        names = zip_names(data)
        return "scorm" if SCORM_MANIFEST in names and COURSE_FILE not in names else "cmi5-zip"
    return "cmi5-xml"


async def import_upload(
    database, data: bytes, filename: str, limits: PackageLimits, base: str, content_base: str
) -> Imported:
    """Import with cmi5's or the bridge's own import; a bad package raises their refusal."""
    kind = package_kind(data, filename)
    if kind == "scorm":
        package = await packages.import_package(database, data, "application/zip", limits, base, content_base)
        return Imported(
            package["course"],
            package["title"] or package["course"],
            packages.edition_name(package),
            package["sco_count"],
        )
    media_type = "application/zip" if kind == "cmi5-zip" else "application/xml"
    course = await courses.import_course(database, data, media_type, limits)
    return Imported(course["_id"], text_of(course["title"]) or course["publisher_id"], "cmi5", course["au_count"])


@dataclass
class Node:
    """A block or an AU of a course tree, with what the page shows of it."""

    kind: str  # "block" or "au"
    id: str
    title: str
    details: dict
    children: list[Node] = field(default_factory=list)


def text_of(language_map: object) -> str:
    """A cmi5 title or description ({language: text}) in the language the console prefers."""
    return pick_language(language_map) or ""


def course_tree(course: dict, scos: dict[str, dict]) -> list[Node]:
    """The course's members as nested nodes, from cmi5's own rendering of the course."""
    rendered = courses.render_course(course)
    aus = {au["id"]: au for au in rendered["aus"]}
    blocks = {block["id"]: block for block in rendered["blocks"]}

    def build(members: list[dict]) -> list[Node]:
        nodes = []
        for member in members:
            if "au" in member:
                au = aus[member["au"]]
                details = {
                    "moveOn": au["moveOn"],
                    "masteryScore": au["masteryScore"],
                    "launchMethod": au["launchMethod"],
                    "url": au["url"],
                    "activityId": au["activityId"],
                }
                sco = scos.get(au["id"])
                if sco:
                    details.update(scormType=sco["scormType"], launch=sco["launch"])
                nodes.append(Node("au", au["id"], text_of(au["title"]) or au["id"], details))
            else:
                block = blocks[member["block"]]
                nodes.append(
                    Node(
                        "block",
                        block["id"],
                        text_of(block["title"]) or block["id"],
                        {"activityId": block["activityId"]},
                        build(block["children"]),
                    )
                )
        return nodes

    return build(rendered["children"])


async def list_all(database) -> list[dict]:
    """Every course, newest first, marked with its SCORM package when it came from one."""
    by_course = {package["course"]: package for package in await packages.list_packages(database)}
    return [
        {
            **courses.render_course_summary(course),
            "name": text_of(course["title"]) or course["publisher_id"],
            "kind": packages.edition_name(by_course[course["_id"]]) if course["_id"] in by_course else "cmi5",
        }
        for course in await courses.list_courses(database)
    ]


async def find_course(database, course_id: str) -> tuple[dict, list[Node], str]:
    course = await courses.get_course(database, course_id)
    package = next((p for p in await packages.list_packages(database) if p["course"] == course_id), None)
    scos = {}
    if package is not None:
        scos = {
            sco["au"]: sco
            for sco in packages.render_package(await packages.get_package(database, package["_id"]))["scos"]
        }
    return course, course_tree(course, scos), packages.edition_name(package) if package else "cmi5"


# --- launching as a test learner ----------------------------------------------------------------


def test_learner(operator_key: str, base: str) -> dict:
    """One test learner per console credential, identified by an account (cmi5 9.2)."""
    return {
        "objectType": "Agent",
        "name": f"Test learner ({operator_key})",
        "account": {"homePage": f"{base}/console", "name": f"test-learner-{operator_key}"},
    }


async def test_registration(lms: sessions.Lms, course_id: str, operator_key: str, base: str) -> str:
    """The test learner's registration for the course: the one made before, else a new one."""
    registration = await store.find_test_registration(lms.database, course_id, operator_key)
    if registration is not None:
        try:
            await sessions.get_registration(lms.database, registration)
            return registration
        except NotFound:
            pass
    registration, _ = await sessions.create_registration(
        lms, {"course": course_id, "actor": test_learner(operator_key, base)}
    )
    await store.update_test_registration(lms.database, course_id, operator_key, registration)
    return registration


async def launch_as_test_learner(
    lms: sessions.Lms, urls: sessions.Urls, course_id: str, au_id: str, operator_key: str
) -> tuple[str, dict]:
    registration = await test_registration(lms, course_id, operator_key, urls.base)
    launched = await sessions.launch(
        lms,
        registration,
        {
            "au": au_id,
            "launchMode": "Normal",
            "returnURL": f"{urls.base}/console/registrations/{registration}",
        },
        urls,
    )
    return registration, launched
