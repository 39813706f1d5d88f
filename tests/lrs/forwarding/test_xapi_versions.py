"""Forwarding xAPI 2.0 statements to an LRS receiver: spoken to in the version the forward names
(1.0.3 unless told 2.0.0), each statement in the form valid for that version, so a 2.0 statement
never stops the queue of a 1.0.3 receiver."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import ADMIN_KEY, ADMIN_SECRET, XAPI, make_statement
from tests.lrs.forwarding.conftest import eventually
from tests.lrs.forwarding.test_webhook import create_forward, post
from tests.lrs.http.test_attachments import SIGNATURE, post_signed, rsa_key

ADA = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
WITH_CONTEXT_AGENT = make_statement(
    timestamp="2026-01-01T10:00:00+02:00",
    context={
        "contextAgents": [{"objectType": "contextAgent", "agent": ADA}],
        "registration": "6f1d7bbe-7c44-4a16-9d3c-1ba6b2c0f0aa",
    },
)


@pytest.fixture
def receiver_lrs(second_lrs):
    """A second LRS (1.0.3 and 2.0, as this one) on a database of its own."""
    return second_lrs


async def received(lrs: XAPI, statement_id: str) -> dict | None:
    response = await lrs.speaking("2.0.0").get(f"/xapi/statements?statementId={statement_id}")
    return await response.json() if response.status == 200 else None


async def forward_to(xapi, lrs: XAPI, **extra) -> dict:
    return await create_forward(
        xapi,
        name="receiver",
        type="lrs",
        url=str(lrs.client.make_url("/xapi")),
        key=ADMIN_KEY,
        secret=ADMIN_SECRET,
        **extra,
    )


async def test_a_1_0_3_receiver_gets_2_0_statements_in_1_0_3_form_and_the_queue_goes_on(xapi, xapi2, receiver_lrs):
    forward = await forward_to(xapi, receiver_lrs)
    assert forward["xapiVersion"] == "1.0.3"
    [newer] = await post(xapi2, WITH_CONTEXT_AGENT)
    [older] = await post(xapi, make_statement())
    arrived = await eventually(lambda: received(receiver_lrs, newer))
    # As GET /statements answers a 1.0.3 reader: no context agents, a 1.0.x version.
    assert arrived["version"] == "1.0.3" and "contextAgents" not in arrived["context"]
    assert arrived["context"]["registration"] == WITH_CONTEXT_AGENT["context"]["registration"]
    assert await eventually(lambda: received(receiver_lrs, older))
    status = await (await xapi.get(f"/admin/forwards/{forward['id']}")).json()
    assert status["failures"] == 0 and status["lastError"] is None


async def test_a_2_0_receiver_gets_2_0_statements_whole(xapi2, receiver_lrs):
    forward = await forward_to(xapi2, receiver_lrs, xapiVersion="2.0.0")
    assert forward["xapiVersion"] == "2.0.0"
    [statement_id] = await post(xapi2, WITH_CONTEXT_AGENT)
    arrived = await eventually(lambda: received(receiver_lrs, statement_id))
    assert arrived["version"] == "2.0.0"
    assert arrived["context"]["contextAgents"] == WITH_CONTEXT_AGENT["context"]["contextAgents"]
    assert arrived["timestamp"] == "2026-01-01T08:00:00.000Z"


async def test_a_signed_2_0_statement_reaches_a_1_0_3_receiver_without_its_signature(xapi, xapi2, receiver_lrs):
    """Its JWS holds the 2.0 statement, which the 1.0.3 form no longer matches: the receiver would
    refuse the signature for good. It goes unsigned; a signed statement that needs no change keeps it."""
    forward = await forward_to(xapi, receiver_lrs)
    changed = {**WITH_CONTEXT_AGENT, "id": str(uuid.uuid4())}
    unchanged = make_statement(id=str(uuid.uuid4()))
    for client, statement in ((xapi2, changed), (xapi, unchanged)):
        assert (await post_signed(client, statement, statement, rsa_key())).status == 200
    arrived = await eventually(lambda: received(receiver_lrs, changed["id"]))
    assert "attachments" not in arrived and "contextAgents" not in arrived["context"]
    kept = await eventually(lambda: received(receiver_lrs, unchanged["id"]))
    assert [a["usageType"] for a in kept["attachments"]] == [SIGNATURE]
    status = await (await xapi.get(f"/admin/forwards/{forward['id']}")).json()
    assert status["failures"] == 0


@pytest.mark.parametrize(
    "definition, detail",
    [
        (
            {"type": "lrs", "url": "http://127.0.0.1:9/xapi", "key": "k", "secret": "s", "xapiVersion": "1.1"},
            "xapiVersion",
        ),
        ({"type": "lrs", "url": "http://127.0.0.1:9/xapi", "key": "k", "secret": "s", "xapiVersion": 2}, "xapiVersion"),
        ({"type": "webhook", "url": "http://127.0.0.1:9/hook", "xapiVersion": "2.0.0"}, "xapiVersion: a webhook"),
    ],
)
async def test_bad_xapi_versions_are_400(xapi, definition, detail):
    response = await xapi.post("/admin/forwards", json={"name": "x", **definition})
    assert response.status == 400 and detail in (await response.json())["detail"]
