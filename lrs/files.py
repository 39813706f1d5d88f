"""Named files in a GridFS bucket: the content of imported packages (cmi5 courses, SCORM zips).

Each package stores its members as `<package>/<path>`; plug-ins name their own bucket.
"""

from __future__ import annotations

import re
from pathlib import Path

from gridfs import AsyncGridFSBucket, AsyncGridOut
from gridfs.errors import NoFile
from pymongo import ASCENDING, IndexModel

from lrs.db import Database, IndexSpec


class PackageFiles:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @property
    def indexes(self) -> list[IndexSpec]:
        # The indexes GridFS itself would create on first write; declared so they exist up front.
        return [
            IndexSpec(f"{self.bucket}.files", IndexModel([("filename", ASCENDING), ("uploadDate", ASCENDING)])),
            IndexSpec(f"{self.bucket}.chunks", IndexModel([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)),
        ]

    async def insert_files(self, database: Database, package: str, files: dict[str, tuple[Path, str]]) -> None:
        """Store unpacked files (package path -> file on disk, content type), read a chunk at a time."""
        bucket = AsyncGridFSBucket(database, bucket_name=self.bucket)
        for path, (source, content_type) in files.items():
            with open(source, "rb") as stream:
                await bucket.upload_from_stream(f"{package}/{path}", stream, metadata={"contentType": content_type})

    async def find_file(self, database: Database, package: str, path: str) -> AsyncGridOut | None:
        """An open GridFS download stream (with `.length` and `.metadata`), or None."""
        bucket = AsyncGridFSBucket(database, bucket_name=self.bucket)
        try:
            return await bucket.open_download_stream_by_name(f"{package}/{path}")
        except NoFile:
            return None

    async def delete_files(self, database: Database, package: str) -> int:
        """Delete every file of a package; returns how many there were."""
        # Two deletes for the whole package, not two per file (GridFS's delete) for thousands of files.
        files = database[f"{self.bucket}.files"]
        ids = await files.distinct("_id", {"filename": {"$regex": f"^{re.escape(package)}/"}})
        if ids:
            await files.delete_many({"_id": {"$in": ids}})
            await database[f"{self.bucket}.chunks"].delete_many({"files_id": {"$in": ids}})
        return len(ids)
