"""The bridge's own collections: imported packages and their files. Every write is here.

Run-time state is not here: it lives in State documents, written through `lrs.documents.service`.
"""

from __future__ import annotations

from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo import ASCENDING, DESCENDING, IndexModel

from lrs.db import IndexSpec

PACKAGES = "scorm_packages"
CONTENT_BUCKET = "scorm_content"

INDEXES = [
    IndexSpec(PACKAGES, IndexModel([("course", ASCENDING)], unique=True)),
    IndexSpec(PACKAGES, IndexModel([("created", DESCENDING)])),
    IndexSpec(f"{CONTENT_BUCKET}.files", IndexModel([("filename", ASCENDING), ("uploadDate", ASCENDING)])),
    IndexSpec(f"{CONTENT_BUCKET}.chunks", IndexModel([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)),
]


def content_name(package: str, path: str) -> str:
    return f"{package}/{path}"


async def insert_package_files(database, package: str, files: dict[str, tuple[bytes, str]]) -> None:
    bucket = AsyncGridFSBucket(database, bucket_name=CONTENT_BUCKET)
    for path, (data, content_type) in files.items():
        await bucket.upload_from_stream(content_name(package, path), data, metadata={"contentType": content_type})


async def find_package_file(database, package: str, path: str):
    """An open GridFS download stream (with `.length` and `.metadata`), or None."""
    bucket = AsyncGridFSBucket(database, bucket_name=CONTENT_BUCKET)
    try:
        return await bucket.open_download_stream_by_name(content_name(package, path))
    except NoFile:
        return None


async def insert_package(database, document: dict) -> None:
    await database[PACKAGES].insert_one(document)


async def find_package(database, package: str) -> dict | None:
    return await database[PACKAGES].find_one({"_id": package})


async def find_package_by_course(database, course: str) -> dict | None:
    return await database[PACKAGES].find_one({"course": course})


async def find_packages(database) -> list[dict]:
    return await database[PACKAGES].find({}, {"scos": 0}).sort("created", DESCENDING).to_list()
