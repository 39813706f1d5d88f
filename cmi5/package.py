"""Course packages (cmi5 14): a bare cmi5.xml, or a Zip32/Zip64 archive with cmi5.xml at its root.

Nothing is ever extracted to disk: members are read into memory, checked and stored in the
database, so no member can land outside its folder. Member names become url paths, so names
that are absolute, climb out with `..`, use backslashes or hold control characters are refused.
The number of files and the total uncompressed size are capped before anything is inflated,
and each member is read with a running count, so a lying header cannot inflate past the cap.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field

from cmi5 import vocab
from cmi5.course import InvalidCourseStructure, parse_course_structure

CHUNK = 1 << 16


@dataclass(frozen=True)
class PackageLimits:
    max_files: int = 10_000
    max_total_bytes: int = 1 << 30  # uncompressed


@dataclass
class Package:
    course: dict
    # path inside the package -> bytes; empty for a bare cmi5.xml.
    files: dict[str, bytes] = field(default_factory=dict)


def read_package(data: bytes, media_type: str, limits: PackageLimits = PackageLimits()) -> Package:
    if media_type in ("application/xml", "text/xml"):
        return Package(parse_course_structure(data))
    if media_type in ("application/zip", "application/x-zip-compressed"):
        files = read_zip(data, limits)
        if vocab.COURSE_FILE not in files:
            raise InvalidCourseStructure("package", f"{vocab.COURSE_FILE} is missing at the root of the zip")
        course = parse_course_structure(files[vocab.COURSE_FILE], frozenset(files))
        return Package(course, files)
    raise InvalidCourseStructure(
        "", f"a course package is application/xml (cmi5.xml) or application/zip, not {media_type or 'nothing'}"
    )


def member_path(name: str) -> str:
    """The checked path of a zip member; raises when it could leave the package folder."""
    if not name or "\\" in name or any(ord(c) < 32 for c in name):
        raise InvalidCourseStructure("package", f"member name {name!r} is not a safe relative path")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise InvalidCourseStructure("package", f"member {name!r} has an absolute path")
    parts = name.rstrip("/").split("/")
    if any(part in ("..", ".", "") for part in parts):
        raise InvalidCourseStructure("package", f"member {name!r} has '..', '.' or empty path segments")
    normalized = posixpath.normpath(name)
    return normalized


def read_zip(data: bytes, limits: PackageLimits) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError) as error:
        raise InvalidCourseStructure("package", f"not a readable zip file: {error}") from None
    with archive:
        # Not ZipInfo.is_dir(): it raises IndexError for an empty name, which member_path refuses.
        members = [info for info in archive.infolist() if not info.filename.endswith("/")]
        if len(members) > limits.max_files:
            raise InvalidCourseStructure("package", f"holds {len(members)} files; at most {limits.max_files} are accepted")
        declared = sum(info.file_size for info in members)
        if declared > limits.max_total_bytes:
            raise InvalidCourseStructure(
                "package", f"unpacks to {declared} bytes; at most {limits.max_total_bytes} are accepted"
            )
        files: dict[str, bytes] = {}
        total = 0
        for info in members:
            path = member_path(info.filename)
            if path in files:
                raise InvalidCourseStructure("package", f"member {path!r} appears twice")
            if info.flag_bits & 0x1:
                raise InvalidCourseStructure("package", f"member {path!r} is encrypted")
            chunks = []
            try:
                with archive.open(info) as stream:
                    while chunk := stream.read(CHUNK):
                        total += len(chunk)
                        if total > limits.max_total_bytes:
                            raise InvalidCourseStructure(
                                "package", f"unpacks to more than {limits.max_total_bytes} bytes"
                            )
                        chunks.append(chunk)
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError, ValueError) as error:
                raise InvalidCourseStructure("package", f"member {path!r} cannot be read: {error}") from None
            files[path] = b"".join(chunks)
        return files
