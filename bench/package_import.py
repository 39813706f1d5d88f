"""Package import memory: POST /scorm/packages with a zip bomb and with a large real package.

    python -m bench.package_import [--bomb-mib 900] [--large-mib 48,400] [--port 0]

Starts `lrs serve` (LRS_MAX_BODY_MB=1024) on a fresh embedded database and imports SCORM 1.2
zips built in a temporary folder:

- bomb: a normal SCO plus one member of `--bomb-mib` MiB of zeros, deflated (about 1 MB on disk);
- large: a normal SCO plus one member of each `--large-mib` size of random bytes, stored.

Prints the answer's status and detail, the time taken and the server process's RSS before the
import and at its peak during it (sampled every 50 ms from /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from bench.server import AUTHORIZATION, LRSProcess, rss_mb
from bench.stats import print_table

MIB = 1024 * 1024
MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="bench" version="1.0" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <organizations default="ORG"><organization identifier="ORG"><title>Bench</title>
    <item identifier="I" identifierref="R"><title>Lesson</title></item></organization></organizations>
  <resources><resource identifier="R" type="webcontent" adlcp:scormtype="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>"""


def build_package(path: Path, member: str, mib: int, compress_type: int, chunk) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST, zipfile.ZIP_DEFLATED)
        archive.writestr("index.html", b"<!doctype html><title>Lesson</title>", zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo(member, (2026, 1, 1, 0, 0, 0))
        info.compress_type = compress_type
        with archive.open(info, "w", force_zip64=mib >= 4096) as stream:
            for _ in range(mib):
                stream.write(chunk())
    return path


class PeakRss:
    """The highest RSS of `pid` while the block runs, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.running = pid, 0.0, False

    def __enter__(self) -> PeakRss:
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, rss_mb(self.pid))


def post(url: str, data: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/zip", "Authorization": AUTHORIZATION}
    )
    try:
        with urllib.request.urlopen(request, timeout=3600) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def import_package(server: LRSProcess, path: Path) -> list:
    before = rss_mb(server.pid)
    started = time.perf_counter()
    with PeakRss(server.pid) as watch:
        status, body = post(f"{server.url}/scorm/packages", path.read_bytes())
    seconds = time.perf_counter() - started
    detail = body.get("detail", f"{body.get('scoCount')} SCO(s)")
    return [path.name, f"{path.stat().st_size / MIB:.2f}", status, seconds, before, watch.peak, detail[:70]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bomb-mib", type=int, default=900)
    parser.add_argument("--large-mib", default="48,400")
    parser.add_argument("--port", type=int, default=0, help="port of the server (default: a free one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-package-") as folder:
        folder = Path(folder)
        zeros = bytes(MIB)
        bomb = build_package(folder / "bomb.zip", "media/zeros.bin", args.bomb_mib, zipfile.ZIP_DEFLATED, lambda: zeros)
        server = LRSProcess(folder / "data", port=args.port or None, LRS_MAX_BODY_MB="1024")
        try:
            rows = [import_package(server, bomb)]
            for mib in (int(m) for m in args.large_mib.split(",")):
                large = build_package(
                    folder / f"large-{mib}.zip", "media/video.bin", mib, zipfile.ZIP_STORED, lambda: os.urandom(MIB)
                )
                rows.append(import_package(server, large))
                large.unlink()
        finally:
            server.stop()
    print_table(["package", "zip MiB", "status", "seconds", "RSS before MB", "RSS peak MB", "answer"], rows)


if __name__ == "__main__":
    main()
