"""Zip course packages (cmi5 14.1): Zip32 and Zip64, safe member names, size and count caps."""

from __future__ import annotations

import io
import os
import tracemalloc
import warnings
import zipfile

import pytest

from cmi5.course import InvalidCourseStructure
from cmi5.package import PackageLimits, read_package
from tests.cmi5.conftest import au, course_xml, make_zip

A = "https://example.com/aus/a"
PAGE = b"<!doctype html><title>AU</title>"


def package(**files: bytes) -> dict[str, bytes]:
    return {"cmi5.xml": course_xml(au(A, url="au/index.html")), "au/index.html": PAGE, **files}


@pytest.mark.parametrize("zip64", [False, True], ids=["zip32", "zip64"])
def test_zip_package_is_read_with_its_files(zip64, tmp_path):
    data = make_zip(package(**{"au/app.js": b"1"}), zip64=zip64)
    assert (b"PK\x06\x06" in data) is zip64  # the Zip64 end of central directory record
    read = read_package(data, "application/zip", tmp_path)
    assert read.course["aus"][0]["packaged"] is True
    assert read.files["au/index.html"].read_bytes() == PAGE
    assert set(read.files) == {"cmi5.xml", "au/index.html", "au/app.js"}


def test_bare_xml_package_has_no_files(tmp_path):
    read = read_package(course_xml(au(A)), "application/xml", tmp_path)
    assert read.files == {}


def test_cmi5_xml_must_be_at_the_root(tmp_path):
    data = make_zip({"course/cmi5.xml": course_xml(au(A)), "au/index.html": PAGE})
    with pytest.raises(InvalidCourseStructure, match="cmi5.xml is missing at the root"):
        read_package(data, "application/zip", tmp_path)


def test_relative_url_missing_from_the_zip_is_refused(tmp_path):
    data = make_zip({"cmi5.xml": course_xml(au(A, url="au/index.html"))})
    with pytest.raises(InvalidCourseStructure, match="au/index.html is missing"):
        read_package(data, "application/zip", tmp_path)


@pytest.mark.parametrize(
    "name", ["../evil.html", "au/../../evil.html", "/etc/evil", "C:/evil.html", "au\\evil.html", "au//x", ""]
)
def test_member_names_that_could_leave_the_folder_are_refused(name, tmp_path):
    data = make_zip(package(**{name: b"x"}))
    with pytest.raises(InvalidCourseStructure, match="member"):
        read_package(data, "application/zip", tmp_path)


def test_file_count_is_capped(tmp_path):
    data = make_zip(package(**{f"f{n}.txt": b"x" for n in range(10)}))
    with pytest.raises(InvalidCourseStructure, match="holds 12 files; at most 5"):
        read_package(data, "application/zip", tmp_path, PackageLimits(max_files=5))


def test_uncompressed_size_is_capped_before_inflating(tmp_path):
    bomb = make_zip(package(**{"zeros.bin": bytes(2_000_000)}))
    assert len(bomb) < 10_000
    with pytest.raises(InvalidCourseStructure, match="at most 1000000"):
        read_package(bomb, "application/zip", tmp_path, PackageLimits(max_total_bytes=1_000_000))


def test_member_whose_size_header_lies_is_refused(tmp_path):
    data = bytearray(make_zip(package(**{"zeros.bin": bytes(500_000)})))
    # Shrink the declared size of zeros.bin in its central directory entry to 10 bytes.
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("zeros.bin")
    position = bytes(data).find(b"zeros.bin", bytes(data).find(b"PK\x01\x02"))
    header = position - 46
    assert data[header : header + 4] == b"PK\x01\x02"
    data[header + 24 : header + 28] = (10).to_bytes(4, "little")
    with pytest.raises(InvalidCourseStructure):
        read_package(bytes(data), "application/zip", tmp_path, PackageLimits(max_total_bytes=100_000))
    assert info.file_size == 500_000


def with_byte(data: bytes, position: int, value: int) -> bytes:
    return data[:position] + bytes([value]) + data[position + 1 :]


def reserved_deflate_block(data: bytes) -> bytes:
    """au/index.html's compressed data starts with a final block of the reserved type 3."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("au/index.html")
    return with_byte(data, info.header_offset + 30 + len(info.filename) + len(info.extra), 0b111)


def unsupported_version(data: bytes) -> bytes:
    """The first central directory entry needs version 25.5 to extract."""
    return with_byte(data, data.find(b"PK\x01\x02") + 6, 0xFF)


def encrypted(data: bytes) -> bytes:
    """The first central directory entry (cmi5.xml) has the "encrypted" flag."""
    position = data.find(b"PK\x01\x02") + 8
    return with_byte(data, position, data[position] | 1)


@pytest.mark.parametrize(
    "damage, problem",
    [
        (reserved_deflate_block, "member 'au/index.html' cannot be read"),
        (unsupported_version, "not a readable zip file"),
        (encrypted, "member 'cmi5.xml' is encrypted"),
    ],
)
def test_damaged_zip_is_refused(damage, problem, tmp_path):
    with pytest.raises(InvalidCourseStructure, match=problem):
        read_package(damage(make_zip(package())), "application/zip", tmp_path)


def test_member_named_twice_is_refused(tmp_path):
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name, and writes it
        for name, data in package().items():
            archive.writestr(name, data)
        archive.writestr("au/index.html", b"again")
    with pytest.raises(InvalidCourseStructure, match="'au/index.html' appears twice"):
        read_package(buffer.getvalue(), "application/zip", tmp_path)


def test_not_a_zip_and_wrong_media_type_are_refused(tmp_path):
    with pytest.raises(InvalidCourseStructure, match="not a readable zip"):
        read_package(b"PK\x03\x04 broken", "application/zip", tmp_path)
    with pytest.raises(InvalidCourseStructure, match="application/xml .* or application/zip"):
        read_package(course_xml(au(A)), "text/plain", tmp_path)


def zeros_bomb(megabytes: int) -> bytes:
    """A real zip bomb: a package with a member of `megabytes` MiB of zeros, deflated ~1000:1."""
    return make_zip(package(**{"zeros.bin": bytes(megabytes << 20)}))


def test_a_member_with_an_absurd_compression_ratio_is_refused_before_inflating(tmp_path):
    bomb = zeros_bomb(8)
    assert len(bomb) < 16_000
    with pytest.raises(InvalidCourseStructure, match="'zeros.bin' inflates from .* refused as a zip bomb"):
        read_package(bomb, "application/zip", tmp_path)
    assert not (tmp_path / "zeros.bin").exists()


def test_a_bomb_whose_headers_understate_its_size_inflates_no_more_than_they_say(tmp_path):
    data = bytearray(zeros_bomb(8))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local and central headers
        position = bytes(data).find(b"zeros.bin", bytes(data).find(signature))
        header = position - (30 if signature == b"PK\x03\x04" else 46)
        assert data[header : header + 4] == signature
        data[header + offset : header + offset + 4] = (1000).to_bytes(4, "little")
    with pytest.raises(InvalidCourseStructure, match="'zeros.bin' cannot be read: Bad CRC-32"):
        read_package(bytes(data), "application/zip", tmp_path)
    # No more than the declared size is ever inflated: the ratio judged before is the real bound.
    assert (tmp_path / "zeros.bin").stat().st_size <= 1000


def test_members_are_unpacked_to_disk_a_chunk_at_a_time(tmp_path):
    video = os.urandom(16 << 20)
    data = make_stored_zip(package(**{"au/video.mp4": video}))
    tracemalloc.start()
    try:
        read = read_package(data, "application/zip", tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read.files["au/video.mp4"] == tmp_path / "au" / "video.mp4"
    assert read.files["au/video.mp4"].read_bytes() == video
    assert peak < 2 << 20, f"{peak} bytes held while unpacking a 16 MiB member"


def make_stored_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_member_inside_another_member_is_refused(tmp_path):
    with pytest.raises(InvalidCourseStructure, match="'au/index.html/x.js' is inside 'au/index.html', which is a file"):
        read_package(make_zip(package(**{"au/index.html/x.js": b"1"})), "application/zip", tmp_path)
