"""`lrs export` and `lrs import` as a user runs them, with a running server and without one."""

from __future__ import annotations

import json

from tests.conftest import make_statement
from tests.lrs.serve_process import ADMIN, ServeProcess, server_env
from tests.lrs.test_cli import request, run_lrs


def statement_ids(path) -> list[str]:
    return [
        json.loads(raw)["statement"]["id"] for raw in path.read_bytes().splitlines() if raw.startswith(b'{"statement"')
    ]


def test_export_import_and_pull_from_the_command_line(tmp_path):
    source_env = server_env(tmp_path / "source", LRS_ADMIN_KEY=ADMIN[0], LRS_ADMIN_SECRET=ADMIN[1])
    server = ServeProcess(source_env).wait_ready()
    try:
        status, ids = request(server, "POST", "/xapi/statements", ADMIN, [make_statement() for _ in range(5)])
        assert status == 200
        exported = tmp_path / "store.ndjson"
        result = run_lrs(["export", "-o", str(exported)], source_env)
        assert result.returncode == 0, result.stderr
        assert "export" in result.stderr and "5 statements" in result.stderr  # the progress bar
        assert statement_ids(exported) == ids
        again = run_lrs(["export", "-o", str(exported)], source_env)
        assert again.returncode == 1 and "--resume" in again.stderr

        copy_env = server_env(tmp_path / "copy")
        loaded = run_lrs(["import", str(exported)], copy_env)
        assert loaded.returncode == 0, loaded.stderr
        assert json.loads(loaded.stdout)["statements"] == 5
        pulled_env = server_env(tmp_path / "pulled", LRS_IMPORT_SECRET=ADMIN[1])
        pulled = run_lrs(["import", "--from", f"{server.url}/xapi", "--key", ADMIN[0]], pulled_env)
        assert pulled.returncode == 0, pulled.stderr
        assert json.loads(pulled.stdout)["statements"] == 5
    finally:
        server.stop()
    for env in (copy_env, pulled_env):
        check = tmp_path / f"check-{len(list(tmp_path.iterdir()))}.ndjson"
        assert run_lrs(["export", "-o", str(check), "--no-documents"], env).returncode == 0
        assert statement_ids(check) == ids
    bad = run_lrs(["import"], copy_env)
    assert bad.returncode == 1 and "export file or --from" in bad.stderr


def test_export_to_a_place_it_cannot_write_says_so_without_a_traceback(tmp_path):
    env = server_env(tmp_path / "store")
    missing = run_lrs(["export", "-o", str(tmp_path / "no-such-folder" / "x.ndjson")], env)
    assert missing.returncode == 1 and "No such file or directory" in missing.stderr
    assert "Traceback" not in missing.stderr
    folder = run_lrs(["export", "--resume", "-o", str(tmp_path)], env)
    assert folder.returncode == 1 and "Is a directory" in folder.stderr
    assert "Traceback" not in folder.stderr
