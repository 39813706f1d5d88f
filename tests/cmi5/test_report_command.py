"""`lrs report` (a command cmi5 plugs into `lrs`) beside a running server."""

from __future__ import annotations

import json
import urllib.request

from tests.cmi5.conftest import LEARNER, au, course_xml
from tests.lrs.serve_process import ADMIN, ServeProcess, basic_auth, server_env
from tests.lrs.test_cli import run_lrs


def call(server: ServeProcess, path: str, data: bytes, content_type: str) -> dict:
    request = urllib.request.Request(
        server.url + path,
        data=data,
        method="POST",
        headers={"Authorization": basic_auth(*ADMIN), "Content-Type": content_type},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_report_command_prints_the_course_report(tmp_path):
    env = server_env(tmp_path / "data", LRS_ADMIN_KEY=ADMIN[0], LRS_ADMIN_SECRET=ADMIN[1])
    server = ServeProcess(env).wait_ready()
    try:
        course = call(
            server,
            "/cmi5/courses",
            course_xml(au("https://example.com/aus/a", moveOn="NotApplicable")),
            "application/xml",
        )
        call(
            server,
            "/cmi5/registrations",
            json.dumps({"course": course["id"], "actor": LEARNER}).encode(),
            "application/json",
        )
        result = run_lrs(["report", "course", course["id"], "--format", "csv"], env)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "au,moveOn,completed,passed,failed,waived,satisfied,averageScore,averageTimeSeconds"
        assert lines[1] == "https://example.com/aus/a,NotApplicable,0,0,0,0,1,,"
        listed = run_lrs(["report", "courses"], env)
        assert course["id"] in listed.stdout and "registered" in listed.stdout
        learner = json.loads(
            run_lrs(["report", "learner", "--agent", json.dumps(LEARNER), "--format", "json"], env).stdout
        )
        assert learner["registrations"][0]["satisfied"] is True
        missing = run_lrs(["report", "course", "nope"], env)
        assert missing.returncode == 1 and "no course" in missing.stderr
    finally:
        server.stop()
