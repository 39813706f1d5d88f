"""`lrs forwards ...` beside a running `lrs serve`: a forward made from the command line delivers."""

from __future__ import annotations

import asyncio
import json

from tests.conftest import make_statement
from tests.lrs.forwarding.conftest import eventually, until_started
from tests.lrs.serve_process import ADMIN, ServeProcess, server_env
from tests.lrs.test_cli import request, run_lrs


async def test_forward_created_by_cli_delivers_and_can_be_paused_resumed_deleted(tmp_path, receiver):
    env = server_env(tmp_path / "data", LRS_ADMIN_KEY=ADMIN[0], LRS_ADMIN_SECRET=ADMIN[1])
    server = await asyncio.to_thread(ServeProcess(env).wait_ready)
    try:
        created = await asyncio.to_thread(
            run_lrs,
            [
                "forwards",
                "create",
                "--name",
                "hook",
                "--type",
                "webhook",
                "--url",
                receiver.url,
                "--filter",
                '{"verb": "http://example.com/verbs/sent"}',
            ],
            env,
        )
        assert created.returncode == 0, created.stderr
        forward = json.loads(created.stdout)
        assert forward["filter"] == {"verb": ["http://example.com/verbs/sent"]} and forward["secret"]
        await until_started(forward)
        status, ids = await asyncio.to_thread(
            request,
            server,
            "POST",
            "/xapi/statements",
            ADMIN,
            [make_statement(verb={"id": "http://example.com/verbs/sent"}), make_statement()],
        )
        assert status == 200
        await eventually(lambda: receiver.ids() == ids[:1])

        listed = await asyncio.to_thread(run_lrs, ["forwards", "list"], env)
        assert forward["id"] in listed.stdout and "delivered=1" in listed.stdout
        assert forward["secret"] not in listed.stdout
        for action in ("pause", "resume", "delete"):
            done = await asyncio.to_thread(run_lrs, ["forwards", action, forward["id"]], env)
            assert done.returncode == 0, done.stderr
        missing = await asyncio.to_thread(run_lrs, ["forwards", "show", forward["id"]], env)
        assert missing.returncode == 1 and "no forward" in missing.stderr and "Traceback" not in missing.stderr
        bad = await asyncio.to_thread(
            run_lrs,
            ["forwards", "create", "--name", "x", "--type", "lrs", "--url", "http://127.0.0.1:9/xapi", "--filter", "{"],
            env,
        )
        assert bad.returncode == 1 and "--filter" in bad.stderr
    finally:
        server.stop()
