"""Course import and lookup: the LMS-facing verbs for courses. No HTTP here."""

from __future__ import annotations

import asyncio
import posixpath
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bson import BSON
from bson.errors import InvalidDocument

from cmi5 import store
from cmi5.course import InvalidCourseStructure
from cmi5.package import Package, PackageLimits, read_package
from lrs.errors import NotFound

# A course is one database document; leave headroom under MongoDB's 16 MiB.
MAX_COURSE_BYTES = 14 * 1024 * 1024

# Content types by extension, fixed here so that serving does not depend on the host's tables.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xhtml": "application/xhtml+xml",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".bmp": "image/bmp",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".vtt": "text/vtt; charset=utf-8",
    ".pdf": "application/pdf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".wasm": "application/wasm",
    ".swf": "application/x-shockwave-flash",
    ".zip": "application/zip",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def content_type_for(path: str) -> str:
    return CONTENT_TYPES.get(posixpath.splitext(path)[1].lower(), DEFAULT_CONTENT_TYPE)


def new_activity_id() -> str:
    """An LMS-generated activity IRI: never a publisher id, stable once stored (8.1.5, 9.4)."""
    return f"urn:uuid:{uuid.uuid4()}"


async def import_course(
    database, data: bytes, media_type: str, limits: PackageLimits = PackageLimits(), owner: str | None = None
) -> dict:
    """Import a cmi5.xml or zip. `owner` names what made the course (e.g. a SCORM package's URL),
    which is then the only way to delete it."""
    # A zip is unpacked to a temporary folder (never into memory), stored, then removed.
    with tempfile.TemporaryDirectory(prefix="cmi5-package-") as folder:
        package = await asyncio.to_thread(read_package, data, media_type, Path(folder), limits)
        return await store_course(database, package, owner)


async def store_course(database, package: Package, owner: str | None = None) -> dict:
    structure = package.course
    key = uuid.uuid4().hex
    for node in (*structure["aus"], *structure["blocks"]):
        node["activityId"] = new_activity_id()
    document = {
        "_id": key,
        "publisher_id": structure["id"],
        "activity_id": new_activity_id(),
        "title": structure["title"],
        "description": structure["description"],
        "created": datetime.now(UTC),
        "packaged": bool(package.files),
        "au_count": len(structure["aus"]),
        "structure": structure,
        "owner": owner,
    }
    try:
        size = len(BSON.encode(document))
    except InvalidDocument as error:
        raise InvalidCourseStructure("courseStructure", f"cannot be stored: {error}") from None
    if size > MAX_COURSE_BYTES:
        raise InvalidCourseStructure(
            "courseStructure", f"is {size} bytes once stored; at most {MAX_COURSE_BYTES} are accepted"
        )
    if package.files:
        await store.insert_package_files(
            database, key, {path: (file, content_type_for(path)) for path, file in package.files.items()}
        )
    await store.insert_course(database, document)
    return document


async def get_course(database, key: str) -> dict:
    document = await store.find_course(database, key)
    if document is None:
        raise NotFound(f"no course with id {key}")
    return document


async def list_courses(database) -> list[dict]:
    return await store.find_courses(database)


def find_au(course: dict, publisher_id: object) -> dict:
    for au in course["structure"]["aus"]:
        if au["id"] == publisher_id:
            return au
    raise NotFound(f"course {course['_id']} has no AU with id {publisher_id!r}")


def course_target(course: dict) -> dict:
    """The course as the object of satisfied statements."""
    return {
        "id": course["publisher_id"],
        "activityId": course["activity_id"],
        "title": course["title"],
        "description": course["description"],
    }


# --- rendering ------------------------------------------------------------------------------


def member_ids(course: dict, members: list[dict]) -> list[dict]:
    structure = course["structure"]
    return [
        {"au": structure["aus"][m["au"]]["id"]} if "au" in m else {"block": structure["blocks"][m["block"]]["id"]}
        for m in members
    ]


def parent_id(course: dict, parent: int | None) -> str | None:
    return None if parent is None else course["structure"]["blocks"][parent]["id"]


def render_course(course: dict) -> dict:
    structure = course["structure"]
    aus = [
        {
            "id": au["id"],
            "activityId": au["activityId"],
            "title": au["title"],
            "description": au["description"],
            "moveOn": au["moveOn"],
            "masteryScore": au["masteryScore"],
            "launchMethod": au["launchMethod"],
            "activityType": au["activityType"],
            "url": au["url"],
            "packaged": au["packaged"],
            "launchParameters": au["launchParameters"],
            "entitlementKey": au["entitlementKey"],
            "objectives": au["objectives"],
            "block": parent_id(course, au["parent"]),
        }
        for au in structure["aus"]
    ]
    blocks = [
        {
            "id": block["id"],
            "activityId": block["activityId"],
            "title": block["title"],
            "description": block["description"],
            "objectives": block["objectives"],
            "block": parent_id(course, block["parent"]),
            "children": member_ids(course, block["children"]),
        }
        for block in structure["blocks"]
    ]
    return {
        **render_course_summary(course),
        "description": course["description"],
        "objectives": structure["objectives"],
        "children": member_ids(course, structure["children"]),
        "aus": aus,
        "blocks": blocks,
    }


def render_course_summary(course: dict) -> dict:
    return {
        "id": course["_id"],
        "publisherId": course["publisher_id"],
        "activityId": course["activity_id"],
        "title": course["title"],
        "packaged": course["packaged"],
        "auCount": course["au_count"],
        "created": course["created"].isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "owner": course.get("owner"),
    }
