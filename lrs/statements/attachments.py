"""Attachment bodies: stored once per SHA-2 in GridFS, whatever number of statements use them."""

from __future__ import annotations

from dataclasses import dataclass

from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo import IndexModel

from lrs.db import Database, IndexSpec

BUCKET = "attachments"
INDEXES = [IndexSpec(f"{BUCKET}.files", IndexModel("filename"))]


@dataclass(frozen=True)
class AttachmentBody:
    sha2: str
    content_type: str
    data: bytes


def _bucket(database: Database) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(database, bucket_name=BUCKET)


async def insert_attachment_bodies(database: Database, bodies: list[AttachmentBody]) -> None:
    if not bodies:
        return  # most batches: no bucket objects to build
    files = database[f"{BUCKET}.files"]
    bucket = _bucket(database)
    for body in bodies:
        # The content is named by its hash, so an existing file is the same bytes.
        if await files.find_one({"filename": body.sha2}, {"_id": 1}):
            continue
        await bucket.upload_from_stream(body.sha2, body.data, metadata={"contentType": body.content_type})


async def find_attachment_bodies(database: Database, hashes: list[str]) -> list[AttachmentBody]:
    bucket = _bucket(database)
    bodies = []
    for sha2 in hashes:
        try:
            stream = await bucket.open_download_stream_by_name(sha2)
        except NoFile:
            continue
        data = await stream.read()
        content_type = (stream.metadata or {}).get("contentType", "application/octet-stream")
        bodies.append(AttachmentBody(sha2, content_type, data))
    return bodies


async def delete_attachment_bodies(database: Database, hashes: list[str]) -> int:
    """Delete bodies no statement uses any more (erasure); the caller has checked that."""
    bucket = _bucket(database)
    deleted = 0
    for document in await database[f"{BUCKET}.files"].find({"filename": {"$in": hashes}}, {"_id": 1}).to_list():
        await bucket.delete(document["_id"])
        deleted += 1
    return deleted
