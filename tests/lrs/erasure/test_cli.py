"""`lrs erase` beside a running server: dry run first, then the erasure and its audit record."""

from __future__ import annotations

import json

from tests.conftest import make_statement
from tests.lrs.serve_process import ADMIN, ServeProcess, server_env
from tests.lrs.test_cli import request, run_lrs

ADA = {"mbox": "mailto:ada@example.com"}


def test_erase_from_the_command_line(tmp_path):
    env = server_env(tmp_path / "data", LRS_ADMIN_KEY=ADMIN[0], LRS_ADMIN_SECRET=ADMIN[1])
    server = ServeProcess(env).wait_ready()
    try:
        status, [own] = request(server, "POST", "/xapi/statements", ADMIN, make_statement(actor=ADA))
        assert status == 200
        dry = run_lrs(["erase", "--agent", json.dumps(ADA), "--dry-run"], env)
        assert dry.returncode == 0, dry.stderr
        assert json.loads(dry.stdout)["counts"]["statementsDeleted"] == 1
        assert request(server, "GET", f"/xapi/statements?statementId={own}", ADMIN)[0] == 200

        done = run_lrs(["erase", "--agent", json.dumps(ADA)], env)
        assert done.returncode == 0, done.stderr
        record = json.loads(done.stdout)
        assert record["by"] == "cli" and record["counts"]["statementsDeleted"] == 1
        assert "cmi5RegistrationsDeleted" in record["counts"]  # the plug-ins' hooks ran too
        assert request(server, "GET", f"/xapi/statements?statementId={own}", ADMIN)[0] == 404
        status, audit = request(server, "GET", "/admin/erasures", ADMIN)
        assert status == 200 and audit["erasures"][0]["id"] == record["id"]

        bad = run_lrs(["erase", "--agent", '{"name": "nobody"}'], env)
        assert bad.returncode == 1 and "agent" in bad.stderr and "Traceback" not in bad.stderr
    finally:
        server.stop()
