"""The bridge's own collections: imported packages and their files. Every write is here.

Run-time state is not here: it lives in State documents, written through `lrs.documents.service`.
"""

from __future__ import annotations

from pathlib import Path

from gridfs import AsyncGridOut
from pymongo import ASCENDING, DESCENDING, IndexModel

from lrs.db import Database, IndexSpec
from lrs.files import PackageFiles

PACKAGES = "scorm_packages"
PACKAGE_FILES = PackageFiles("scorm_content")

INDEXES = [
    IndexSpec(PACKAGES, IndexModel([("course", ASCENDING)], unique=True)),
    IndexSpec(PACKAGES, IndexModel([("created", DESCENDING)])),
    *PACKAGE_FILES.indexes,
]


async def insert_package_files(database: Database, package: str, files: dict[str, tuple[Path, str]]) -> None:
    await PACKAGE_FILES.insert_files(database, package, files)


async def find_package_file(database: Database, package: str, path: str) -> AsyncGridOut | None:
    return await PACKAGE_FILES.find_file(database, package, path)


async def insert_package(database: Database, document: dict) -> None:
    await database[PACKAGES].insert_one(document)


async def find_package(database: Database, package: str) -> dict | None:
    return await database[PACKAGES].find_one({"_id": package})


async def find_package_sco(database: Database, course: str, au: str) -> dict | None:
    """The package of `course`: its id, IRI, edition, course_activity_id and, alone in `scos`, the SCO of AU `au`."""
    return await database[PACKAGES].find_one(
        {"course": course, "scos.au": au}, {"course_activity_id": 1, "iri": 1, "edition": 1, "scos.$": 1}
    )


async def find_packages(database: Database) -> list[dict]:
    return await database[PACKAGES].find({}, {"scos": 0}).sort("created", DESCENDING).to_list()
