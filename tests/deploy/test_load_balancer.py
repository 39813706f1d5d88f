"""Several `lrs serve` processes on one database behind a real nginx (Debian's package), with the
proxy settings of deploy/nginx.conf; one process is killed with SIGKILL under load. No
acknowledged statement may be lost and no request may be left hanging."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from lrs.embedded import free_port
from tests.lrs.ingest_client import Ingest
from tests.lrs.serve_process import DATABASE, shared_database_env, start_servers

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BEFORE_KILL = 200


def deployed_location() -> str:
    """The `location / { ... }` block of deploy/nginx.conf: its proxy settings are what is tested."""
    config = (DEPLOY / "nginx.conf").read_text()
    match = re.search(r"^ *location / \{.*?^ *\}", config, re.MULTILINE | re.DOTALL)
    assert match, "deploy/nginx.conf has no `location /` block"
    return match.group(0)


def nginx_config(folder: Path, port: int, upstreams: list[int]) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in upstreams)
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # One process, in the foreground, everything in the test's folder: no root, no system service.
    return f"""
daemon off;
master_process off;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
    upstream lrs {{
        least_conn;
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 64m;
{deployed_location()}
    }}
}}
"""


@pytest.fixture
def nginx(tmp_path):
    """`start(upstream ports)` runs nginx in front of them; the URL it listens on is returned."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: `make test` installs Debian's nginx package")
    started = []

    def start(upstreams: list[int]) -> str:
        folder = tmp_path / "nginx"
        folder.mkdir()
        port = free_port()
        (folder / "nginx.conf").write_text(nginx_config(folder, port, upstreams))
        process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")],
            stdin=subprocess.DEVNULL,
        )
        started.append(process)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        process.send_signal(signal.SIGQUIT)  # graceful stop
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def wait_until_listening(url: str) -> None:
    host, port = url.rsplit("//", 1)[1].split(":")
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection(host, int(port))
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise AssertionError("nginx did not start")


async def test_one_of_three_servers_killed_under_load_loses_no_acknowledged_write(tmp_path, database_server, nginx):
    servers = await start_servers(shared_database_env(tmp_path / "data", database_server.uri), 3)
    try:
        url = nginx([server.port for server in servers])
        await wait_until_listening(url)
        ingest = Ingest(url, clients=4, batch=10).start()
        try:
            await ingest.wait_for_acknowledged(BEFORE_KILL)
            killed_after = len(ingest.acknowledged)
            servers[1].signal(signal.SIGKILL)
            await ingest.wait_for_acknowledged(killed_after + BEFORE_KILL)
        finally:
            await ingest.stop()
        assert await asyncio.to_thread(servers[1].wait) == -signal.SIGKILL

        client = AsyncMongoClient(database_server.uri)
        try:
            statements = client[DATABASE]["statements"]
            found = {d["id"] async for d in statements.find({"id": {"$in": ingest.acknowledged}}, {"id": 1})}
        finally:
            await client.close()
        lost = set(ingest.acknowledged) - found
        print(f"\nnginx, 3 x lrs serve, one killed: {ingest.summary} lost={len(lost)}")
        assert not lost
        assert ingest.outcomes["hanging"] == 0
        assert set(ingest.outcomes) <= {"200", "502", "503", "504"}, ingest.outcomes  # nginx always answers
    finally:
        for server in servers:
            if server.process.poll() is None:
                assert await asyncio.to_thread(server.stop) == 0, server.output
            else:
                await asyncio.to_thread(server.wait)
