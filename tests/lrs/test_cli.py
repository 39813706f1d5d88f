"""`lrs serve` and `lrs credentials` as a user runs them: real processes, real embedded database."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from lrs.embedded import free_port
from tests.lrs.serve_process import ADMIN, ServeProcess, basic_auth, server_env


def run_lrs(args, env, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "lrs", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def request(server: ServeProcess, method: str, path: str, auth: tuple[str, str], body=None):
    """(status, parsed JSON body) of one xAPI request with Basic credentials `auth`."""
    sent = urllib.request.Request(
        server.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
            "Authorization": basic_auth(*auth),
        },
    )
    try:
        with urllib.request.urlopen(sent, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def env(tmp_path):
    return server_env(tmp_path / "data")


def embedded_processes(data_dir) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in listing.splitlines() if "secantusd" in line and str(data_dir) in line]


def test_first_start_prints_endpoint_and_admin_credential_and_data_survives_restart(env, tmp_path):
    port = free_port()
    server = ServeProcess(env, port).wait_ready()
    assert f"http://127.0.0.1:{port}/xapi" in server.output
    key = re.search(r"key:\s+(\S+)", server.output).group(1)
    secret = re.search(r"secret:\s+(\S+)", server.output).group(1)
    statement = {
        "actor": {"mbox": "mailto:a@example.com"},
        "verb": {"id": "http://example.com/v"},
        "object": {"id": "http://example.com/a"},
    }
    status, ids = request(server, "POST", "/xapi/statements", (key, secret), statement)
    assert status == 200
    assert server.stop() == 0
    assert embedded_processes(tmp_path) == []

    server = ServeProcess(env, port).wait_ready()
    assert "secret:" not in server.output  # printed once, on the first start only
    status, body = request(server, "GET", f"/xapi/statements?statementId={ids[0]}", (key, secret))
    assert status == 200 and body["id"] == ids[0]
    server.stop()


def test_admin_credential_from_environment(env):
    env.update(LRS_ADMIN_KEY=ADMIN[0], LRS_ADMIN_SECRET=ADMIN[1])
    server = ServeProcess(env).wait_ready()
    try:
        assert "secret:" not in server.output
        assert request(server, "GET", "/xapi/statements", ADMIN)[0] == 200
        assert request(server, "GET", "/xapi/statements", (ADMIN[0], "wrong"))[0] == 401
    finally:
        server.stop()


def test_credentials_commands_work_beside_a_running_server(env):
    # 0: the server reads the credential on every request, so the revocation shows at once
    # (tests/lrs/auth/test_credential_cache.py covers the delay a cache period makes).
    env.update(LRS_ADMIN_KEY=ADMIN[0], LRS_ADMIN_SECRET=ADMIN[1], LRS_CREDENTIAL_CACHE_SECONDS="0")
    server = ServeProcess(env).wait_ready()
    try:
        created = run_lrs(["credentials", "create", "--name", "lms", "--scopes", "statements/read"], env)
        assert created.returncode == 0, created.stderr
        key = re.search(r"key:\s+(\S+)", created.stdout).group(1)
        secret = re.search(r"secret:\s+(\S+)", created.stdout).group(1)
        assert request(server, "GET", "/xapi/statements", (key, secret))[0] == 200
        listed = run_lrs(["credentials", "list"], env)
        assert key in listed.stdout and "lms" in listed.stdout
        assert secret not in listed.stdout
        revoked = run_lrs(["credentials", "revoke", key], env)
        assert revoked.returncode == 0
        assert "within their LRS_CREDENTIAL_CACHE_SECONDS" in revoked.stdout
        assert request(server, "GET", "/xapi/statements", (key, secret))[0] == 401
    finally:
        server.stop()


def test_unknown_scope_is_refused_in_one_line(env):
    result = run_lrs(["credentials", "create", "--name", "x", "--scopes", "statements/everything"], env)
    assert result.returncode != 0
    assert "statements/everything" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "setting, message",
    [
        ({"LRS_PORT": "eighty"}, "LRS_PORT"),
        ({"LRS_ADMIN_KEY": "only-key"}, "LRS_ADMIN_SECRET"),
        ({"LRS_MONGODB_URI": "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500"}, "cannot reach the database"),
    ],
)
def test_bad_settings_give_one_clear_line(env, setting, message):
    env.update(setting)
    result = run_lrs(["serve", "--port", str(free_port())], env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_port_in_use_gives_one_line_and_starts_no_database(env, tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_lrs(["serve", "--port", str(busy.getsockname()[1])], env)
    assert result.returncode != 0
    assert "cannot listen" in result.stderr and "Traceback" not in result.stderr
    assert embedded_processes(tmp_path) == []


def test_serve_help_lists_every_setting_of_the_lrs_and_its_plugins(env):
    result = run_lrs(["serve", "--help"], env)
    for name in ("LRS_MONGODB_URI", "LRS_DATA_DIR", "LRS_CMI5_CONTENT_URL", "LRS_SCORM_AGAIN_DIR"):
        assert name in result.stdout
