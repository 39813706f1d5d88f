"""Course packages (cmi5 14): a bare cmi5.xml, or a Zip32/Zip64 archive with cmi5.xml at its root.

A zip is unpacked into a folder that the caller owns (and removes), one chunk at a time: no
member is ever held whole in memory. Member names become url paths, so names that are absolute,
climb out with `..`, use backslashes or hold control characters are refused before anything is
written, and nothing lands outside the folder. The number of files and the total uncompressed
size are capped before anything is inflated, and each member is inflated with a running count.
A member declared to inflate to more than `max_ratio` times its compressed size (past the first
MiB) is refused as a zip bomb before it is inflated: real content (HTML, scripts, media) stays
far below that, while a run of zeros deflates about 1000:1. The declared sizes are a real bound:
zipfile never inflates a member past the size its central directory gives (it then fails the
CRC check), so a header that understates a bomb only truncates it.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from cmi5 import vocab
from cmi5.course import InvalidCourseStructure, parse_course_structure

CHUNK = 1 << 16
# Members that inflate to less than this are not judged by their ratio: they cannot hurt.
RATIO_GRACE = 1 << 20


@dataclass(frozen=True)
class PackageLimits:
    max_files: int = 10_000
    max_total_bytes: int = 1 << 30  # uncompressed
    max_ratio: int = 200  # uncompressed / compressed bytes of one member


@dataclass
class Package:
    course: dict
    # path inside the package -> the file it was unpacked to; empty for a bare cmi5.xml.
    files: dict[str, Path] = field(default_factory=dict)


def read_package(data: bytes, media_type: str, folder: Path, limits: PackageLimits = PackageLimits()) -> Package:
    """The course of a cmi5.xml or of a zip, which is unpacked into `folder`."""
    if media_type in ("application/xml", "text/xml"):
        return Package(parse_course_structure(data))
    if media_type in ("application/zip", "application/x-zip-compressed"):
        files = unpack_zip(data, limits, folder)
        if vocab.COURSE_FILE not in files:
            raise InvalidCourseStructure("package", f"{vocab.COURSE_FILE} is missing at the root of the zip")
        course = parse_course_structure(files[vocab.COURSE_FILE].read_bytes(), frozenset(files))
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


def unpack_zip(data: bytes | IO[bytes], limits: PackageLimits, folder: Path) -> dict[str, Path]:
    """Check the zip (bytes or a seekable file) and write its members under `folder`; package
    path -> file written."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError) as error:
        raise InvalidCourseStructure("package", f"not a readable zip file: {error}") from None
    with archive:
        # Not ZipInfo.is_dir(): it raises IndexError for an empty name, which member_path refuses.
        members = [info for info in archive.infolist() if not info.filename.endswith("/")]
        if len(members) > limits.max_files:
            raise InvalidCourseStructure(
                "package", f"holds {len(members)} files; at most {limits.max_files} are accepted"
            )
        declared = sum(info.file_size for info in members)
        if declared > limits.max_total_bytes:
            raise InvalidCourseStructure(
                "package", f"unpacks to {declared} bytes; at most {limits.max_total_bytes} are accepted"
            )
        paths = [member_path(info.filename) for info in members]
        check_layout(paths)
        for info, path in zip(members, paths, strict=True):
            if info.flag_bits & 0x1:
                raise InvalidCourseStructure("package", f"member {path!r} is encrypted")
            check_ratio(path, info.file_size, info.compress_size, limits)
        files: dict[str, Path] = {}
        total = 0
        for info, path in zip(members, paths, strict=True):
            files[path] = folder / path
            total = unpack_member(archive, info, path, files[path], limits, total)
        return files


def check_layout(paths: list[str]) -> None:
    """No path twice, and none that is both a file and a folder (`a` and `a/b`)."""
    seen: set[str] = set()
    for path in paths:
        if path in seen:
            raise InvalidCourseStructure("package", f"member {path!r} appears twice")
        seen.add(path)
    for path in paths:
        parent = posixpath.dirname(path)
        while parent:
            if parent in seen:
                raise InvalidCourseStructure("package", f"member {path!r} is inside {parent!r}, which is a file")
            parent = posixpath.dirname(parent)


def check_ratio(path: str, size: int, compressed: int, limits: PackageLimits) -> None:
    if size > RATIO_GRACE and size > limits.max_ratio * max(compressed, 1):
        raise InvalidCourseStructure(
            "package",
            f"member {path!r} inflates from {compressed} to {size} bytes or more; more than "
            f"{limits.max_ratio} times its compressed size is refused as a zip bomb",
        )


def unpack_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str, target: Path, limits: PackageLimits, total: int
) -> int:
    """Inflate one member into `target` a chunk at a time; the running total of bytes unpacked."""
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with archive.open(info) as stream, open(target, "xb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if total + written > limits.max_total_bytes:
                    raise InvalidCourseStructure("package", f"unpacks to more than {limits.max_total_bytes} bytes")
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, ValueError) as error:
        raise InvalidCourseStructure("package", f"member {path!r} cannot be read: {error}") from None
    except FileExistsError:
        # Only where the file system ignores case: `A.html` and `a.html` are one file there.
        raise InvalidCourseStructure("package", f"member {path!r} clashes with another member") from None
    return total + written
