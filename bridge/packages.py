"""Package import and lookup: the LMS-facing verbs for SCORM packages. No HTTP here.

A package is unpacked to a temporary folder and checked whole before anything is stored: zip
(with the limits and safe member names of `cmi5.package.unpack_zip`), manifest, launch files.
It then becomes a cmi5 course through cmi5's public import, its files go from that folder to
the bridge's GridFS bucket, and the package document ties the SCOs to the course's AUs.
"""

from __future__ import annotations

import asyncio
import posixpath
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from bson import BSON
from gridfs import AsyncGridOut

from bridge import store, vocab
from bridge.course import PackageIris, course_structure, format_decimal
from bridge.editions import EDITIONS, SCORM_12
from bridge.errors import InvalidPackage
from bridge.manifest import Manifest, parse_manifest
from cmi5.course import InvalidCourseStructure
from cmi5.courses import DEFAULT_CONTENT_TYPE, content_type_for, import_course
from cmi5.package import PackageLimits, unpack_zip
from lrs.db import Database
from lrs.errors import NotFound

ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
# A package is one document; like cmi5's courses, it keeps headroom under MongoDB's 16 MiB.
MAX_PACKAGE_BYTES = 14 * 1024 * 1024
# What `link_course` adds to the document (course ids) and to each SCO (its AU's activity id and masteryScore).
COURSE_LINK_BYTES = 100

# Left in zips by macOS's archiver: resource forks, never content.
MACOS_FOLDER = "__MACOSX/"


def read_files(
    data: bytes | IO[bytes], media_type: str, limits: PackageLimits, folder: Path
) -> tuple[dict[str, Path], list[str]]:
    """The package's files (package path -> file unpacked under `folder`) and what was read leniently."""
    if media_type not in ZIP_TYPES:
        raise InvalidPackage(
            "", f"a SCORM package is sent as application/zip, not {media_type or 'without a Content-Type'}"
        )
    try:
        files = unpack_zip(data, limits, folder)
    except InvalidCourseStructure as error:
        raise InvalidPackage("package", error.problem) from None
    return package_root(files)


def package_root(files: dict[str, Path]) -> tuple[dict[str, Path], list[str]]:
    """The files as the manifest sees them, with imsmanifest.xml at their root.

    Two common mistakes are read as meant: a manifest named in another case, and a package zipped
    with its folder (`course/imsmanifest.xml`, everything else inside `course/`, maybe beside
    macOS's `__MACOSX/`), whose folder then becomes the root.
    """
    if vocab.MANIFEST_FILE in files:
        return files, []
    named = [p for p in files if p.lower() == vocab.MANIFEST_FILE]
    if len(named) == 1:
        files = {vocab.MANIFEST_FILE if p == named[0] else p: f for p, f in files.items()}
        return files, [f"the manifest is named {named[0]!r}; it is read as {vocab.MANIFEST_FILE}"]
    content = {p: f for p, f in files.items() if not p.startswith(MACOS_FOLDER)}
    nested = [p for p in content if posixpath.basename(p).lower() == vocab.MANIFEST_FILE and p.count("/") == 1]
    if len(nested) == 1:
        prefix = posixpath.dirname(nested[0]) + "/"
        if all(p.startswith(prefix) for p in content):
            files = {p[len(prefix) :]: f for p, f in content.items()}
            files[vocab.MANIFEST_FILE] = files.pop(posixpath.basename(nested[0]))
            return files, [f"the package was zipped with its folder {prefix!r}; that folder is its root"]
    raise InvalidPackage("package", f"{vocab.MANIFEST_FILE} is missing at the root of the zip")


async def import_package(
    database: Database, data: bytes | IO[bytes], media_type: str, limits: PackageLimits, base: str, content_base: str
) -> dict:
    """Import a SCORM zip (1.2 or 2004); `base` names its IRIs, `content_base` serves its player and files."""
    with tempfile.TemporaryDirectory(prefix="scorm-package-") as folder:
        files, warnings = await asyncio.to_thread(read_files, data, media_type, limits, Path(folder))
        manifest = parse_manifest(files[vocab.MANIFEST_FILE].read_bytes(), frozenset(files))
        package = uuid.uuid4().hex
        iris = PackageIris(f"{base}/scorm/packages/{package}")
        document = package_document(package, manifest, iris, warnings + manifest.warnings)
        check_size(document)
        course = await import_course(
            database,
            course_structure(manifest, iris, package, content_base),
            "application/xml",
            owner=f"/scorm/packages/{package}",
        )
        link_course(document, course)
        await store.insert_package_files(
            database, package, {path: (file, content_type_for(path)) for path, file in files.items()}
        )
        await store.insert_package(database, document)
        return document


def package_document(package: str, manifest: Manifest, iris: PackageIris, warnings: list[str]) -> dict:
    """The package's document but for what its cmi5 course gives (`link_course`)."""
    scos = []
    for sco in manifest.scos:
        scos.append(
            {
                "index": sco.index,
                "identifier": sco.identifier,
                "resource": sco.resource,
                "title": sco.title,
                "scormType": sco.scorm_type,
                "launch": sco.launch,
                "au": iris.sco(sco.identifier),
                "masteryScoreScorm": format_decimal(sco.mastery_score) if sco.mastery_score is not None else None,
                "dataFromLMS": sco.data_from_lms,
                "maxTimeAllowed": sco.max_time_allowed,
                "timeLimitAction": sco.time_limit_action,
                "prerequisites": sco.prerequisites,
                **(sco_2004_values(sco) if manifest.activity_tree is not None else {}),
            }
        )
    document = {
        "_id": package,
        "iri": iris.package,
        "identifier": manifest.identifier,
        "organization": manifest.organization,
        "title": manifest.title,
        "created": datetime.now(UTC),
        "sco_count": len(scos),
        "scos": scos,
        "warnings": warnings,
        "edition": manifest.edition,
    }
    if manifest.activity_tree is not None:
        document["activity_tree"] = manifest.activity_tree
    return document


def sco_2004_values(sco) -> dict:
    """What a SCORM 2004 SCO starts with beyond SCORM 1.2's values (bridge.attempts2004)."""
    return {
        "scaledPassingScore": format_decimal(sco.scaled_passing_score)
        if sco.scaled_passing_score is not None
        else None,
        "completionThreshold": format_decimal(sco.completion_threshold)
        if sco.completion_threshold is not None
        else None,
        "completionSetByContent": sco.completion_set_by_content,
        "objectiveSetByContent": sco.objective_set_by_content,
        "globalObjectives": sco.global_objectives,
        "moveOn": sco.move_on,
    }


def check_size(document: dict) -> None:
    """Refuse, before anything is stored, a package whose document would not fit once linked to its course."""
    size = len(BSON.encode(document)) + COURSE_LINK_BYTES * (len(document["scos"]) + 1)
    if size > MAX_PACKAGE_BYTES:
        raise InvalidPackage(
            vocab.MANIFEST_FILE, f"makes a package record of {size} bytes; at most {MAX_PACKAGE_BYTES} are accepted"
        )


def link_course(document: dict, course: dict) -> None:
    aus = {au["id"]: au for au in course["structure"]["aus"]}
    document.update(course=course["_id"], course_activity_id=course["activity_id"])
    for sco in document["scos"]:
        au = aus[sco["au"]]
        sco.update(activityId=au["activityId"], masteryScore=au["masteryScore"])


async def get_package(database: Database, package: str) -> dict:
    document = await store.find_package(database, package)
    if document is None:
        raise NotFound(f"no SCORM package with id {package}")
    return document


async def get_sco(database: Database, package: str, sco: str) -> dict:
    """The SCO whose player url ends in `sco` (its index, as `render_package` writes it)."""
    found = next((s for s in (await get_package(database, package))["scos"] if str(s["index"]) == sco), None)
    if found is None:
        raise NotFound(f"SCORM package {package} has no SCO {sco}")
    return found


async def get_edition(database: Database, package: str, sco: str) -> str:
    """The edition of the package whose SCO `sco` (its index) a player plays; 404 when there is none."""
    document = await get_package(database, package)
    if not any(str(s["index"]) == sco for s in document["scos"]):
        raise NotFound(f"SCORM package {package} has no SCO {sco}")
    return document.get("edition", "1.2")


async def open_package_file(database: Database, package: str, path: str) -> tuple[AsyncGridOut, str]:
    """A package file as an open download stream (`.length`, `.readchunk()`) and its content type."""
    stream = await store.find_package_file(database, package, path)
    if stream is None:
        raise NotFound(f"no file {path} in this package")
    return stream, (stream.metadata or {}).get("contentType", DEFAULT_CONTENT_TYPE)


async def find_package_sco(database: Database, course: str, au: str) -> tuple[dict, dict] | None:
    """The package of a cmi5 course (`_id`, `iri`, `edition`, `course_activity_id` only) and its SCO of AU `au`."""
    document = await store.find_package_sco(database, course, au)
    return None if document is None else (document, document["scos"][0])


async def list_packages(database: Database) -> list[dict]:
    return await store.find_packages(database)


def render_package(package: dict) -> dict:
    return {
        **render_package_summary(package),
        "scos": [
            {
                "id": s["identifier"],
                "title": s["title"],
                "launch": s["launch"],
                "scormType": s["scormType"],
                "au": s["au"],
                "activityId": s["activityId"],
                "masteryScore": s["masteryScore"],
                "masteryscore": s["masteryScoreScorm"],
                "dataFromLMS": s["dataFromLMS"],
                "maxTimeAllowed": s["maxTimeAllowed"],
                "timeLimitAction": s["timeLimitAction"],
                "prerequisites": s["prerequisites"],
                "player": f"/scorm/player/{package['_id']}/{s['index']}",
                **(
                    {key: s[key] for key in ("scaledPassingScore", "completionThreshold", "moveOn")}
                    if "moveOn" in s
                    else {}
                ),
            }
            for s in package["scos"]
        ],
        "warnings": package.get("warnings", []),
    }


def edition_name(package: dict) -> str:
    """The package's SCORM edition for people ("SCORM 1.2", "SCORM 2004 3rd Edition")."""
    return EDITIONS[package.get("edition", SCORM_12.key)].name


def render_package_summary(package: dict) -> dict:
    return {
        "id": package["_id"],
        "course": package["course"],
        "title": package["title"],
        "activityId": package["iri"],
        "scoCount": package["sco_count"],
        "edition": package.get("edition", "1.2"),
        "created": package["created"].isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
