"""Forwarding to a real second `lrs serve`: statements arrive whole (attachments included), in
order, and all of them after the receiving LRS was down for a while."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest

from lrs.embedded import free_port
from lrs.http.multipart import parse_multipart
from lrs.statements.compare import same_statement
from tests.conftest import make_statement
from tests.lrs.forwarding.conftest import eventually
from tests.lrs.forwarding.test_webhook import create_forward, forward_status, numbered, post
from tests.lrs.http.test_attachments import attachment, multipart
from tests.lrs.serve_process import ADMIN, ServeProcess, basic_auth, server_env


def get_json(server: ServeProcess, path: str) -> tuple[int, object, bytes, str]:
    request = urllib.request.Request(
        server.url + path, headers={"X-Experience-API-Version": "1.0.3", "Authorization": basic_auth(*ADMIN)}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            kind = response.headers["Content-Type"]
            return response.status, (json.loads(raw) if kind.startswith("application/json") else None), raw, kind
    except urllib.error.HTTPError as error:
        return error.code, None, b"", ""


def received_ids(server: ServeProcess) -> list[str]:
    """Ids in the receiving LRS's own stored order."""
    ids, path = [], "/xapi/statements?ascending=true&limit=500"
    while path:
        status, body, _, _ = get_json(server, path)
        if status != 200:
            return []
        ids += [s["id"] for s in body["statements"]]
        path = body.get("more", "")
    return ids


@pytest.fixture
def target_env(tmp_path):
    return server_env(tmp_path / "target", LRS_ADMIN_KEY=ADMIN[0], LRS_ADMIN_SECRET=ADMIN[1], LRS_LOG_LEVEL="WARNING")


async def start(env: dict, port: int) -> ServeProcess:
    return await asyncio.to_thread(ServeProcess(env, port).wait_ready)


async def test_statements_reach_a_second_lrs_in_order_through_its_outage(xapi, target_env):
    port = free_port()
    target = await start(target_env, port)
    try:
        forward = await create_forward(
            xapi, name="second", type="lrs", url=f"{target.url}/xapi", key=ADMIN[0], secret=ADMIN[1]
        )
        data = b"attached bytes \x00\x01"
        with_file = make_statement(attachments=[attachment(data, "application/octet-stream")])
        body, headers = multipart(with_file, (data, "application/octet-stream"))
        response = await xapi.post("/xapi/statements", data=body, headers=headers)
        sent = await response.json()
        for n in range(4):
            sent += await post(xapi, numbered(n))
        sent += await post(
            xapi,
            make_statement(
                verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                object={"objectType": "StatementRef", "id": sent[1]},
            ),
        )
        await eventually(lambda: len(received_ids(target) + voided_ids(target, sent[1])) == len(sent))

        await asyncio.to_thread(target.stop)
        for n in range(4, 10):
            sent += await post(xapi, numbered(n))
        await eventually(lambda: failed(xapi, forward["id"]))
        target = await start(target_env, port)
        # All arrived, each once, in the order stored here (the voided one is not listed).
        await eventually(lambda: received_ids(target) == [i for i in sent if i != sent[1]], timeout=60)

        for param, statement_id in (("statementId", sent[0]), ("voidedStatementId", sent[1])):
            ours = await (await xapi.get(f"/xapi/statements?{param}={statement_id}")).json()
            status, theirs, _, _ = get_json(target, f"/xapi/statements?{param}={statement_id}")
            assert status == 200 and same_statement(ours, theirs)
        status, _, raw, kind = get_json(target, f"/xapi/statements?statementId={sent[0]}&attachments=true")
        assert parse_multipart(raw, kind)[1].data == data
    finally:
        target.stop()


def voided_ids(target: ServeProcess, statement_id: str) -> list[str]:
    status, body, _, _ = get_json(target, f"/xapi/statements?voidedStatementId={statement_id}")
    return [body["id"]] if status == 200 else []


async def failed(xapi, forward_id: str) -> bool:
    return (await forward_status(xapi, forward_id))["failures"] >= 1
