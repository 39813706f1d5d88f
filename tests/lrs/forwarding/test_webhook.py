"""Forwarding to a real webhook receiver: signed, in order, at least once, through an outage."""

from __future__ import annotations

import uuid

from tests.conftest import make_statement
from tests.lrs.forwarding.conftest import eventually, until_started

VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


async def create_forward(xapi, **definition) -> dict:
    response = await xapi.post("/admin/forwards", json=definition)
    assert response.status == 201, await response.text()
    forward = await response.json()
    await until_started(forward)
    return forward


async def post(xapi, *statements: dict) -> list[str]:
    response = await xapi.post("/xapi/statements", json=list(statements))
    assert response.status == 200, await response.text()
    return await response.json()


def numbered(n: int) -> dict:
    return make_statement(id=str(uuid.uuid4()), object={"id": f"http://example.com/activities/{n}"})


async def forward_status(xapi, forward_id: str) -> dict:
    return await (await xapi.get(f"/admin/forwards/{forward_id}")).json()


async def test_webhook_gets_signed_statements_in_order_and_all_after_an_outage(xapi, receiver):
    forward = await create_forward(xapi, name="hook", type="webhook", url=receiver.url)
    assert forward["secret"]  # generated, shown once
    sent = []
    for n in range(5):
        sent += await post(xapi, numbered(n))
    sent += await post(xapi, numbered(5), numbered(6), numbered(7))
    await eventually(lambda: receiver.ids() == sent)

    await receiver.stop()
    for n in range(8, 12):
        sent += await post(xapi, numbered(n))  # ingest goes on while the receiver is down
    sent += await post(xapi, numbered(12), numbered(13))
    failing = await eventually(lambda: status_with_error(xapi, forward["id"]))
    assert "127.0.0.1" in failing["lastError"]["message"] and failing["status"] == "active"
    assert failing["pending"]["statements"] >= 1

    await receiver.start()
    await eventually(lambda: receiver.ids() == sent)
    for batch in receiver.batches():  # every delivery in the store's order too
        assert batch == [i for i in sent if i in batch]
    assert receiver.all_signed_with(forward["secret"])
    done = await eventually(lambda: status_caught_up(xapi, forward["id"], delivered=len(sent)))
    assert done["failures"] == 0
    assert "secret" not in done


async def status_with_error(xapi, forward_id: str) -> dict | None:
    status = await forward_status(xapi, forward_id)
    return status if status["failures"] >= 1 and status["lastError"] else None


async def status_caught_up(xapi, forward_id: str, delivered: int = 0) -> dict | None:
    """The status once nothing is pending and at least `delivered` statements were counted (an
    outbox entry is marked done before the forward's count goes up)."""
    status = await forward_status(xapi, forward_id)
    if status["delivered"] < delivered:
        return None
    return status if status["pending"]["statements"] == 0 else None


async def test_filter_sends_only_matching_statements_and_the_statements_voiding_them(xapi, receiver):
    learner = {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
    forward = await create_forward(
        xapi, name="completions", type="webhook", url=receiver.url, filter={"verb": [VERB_COMPLETED], "agent": learner}
    )
    completed = make_statement(actor=learner, verb={"id": VERB_COMPLETED})
    [wanted] = await post(xapi, completed)
    await post(xapi, make_statement(actor=learner))  # another verb
    await post(xapi, make_statement(verb={"id": VERB_COMPLETED}))  # another learner
    [voiding] = await post(
        xapi,
        make_statement(
            verb={"id": "http://adlnet.gov/expapi/verbs/voided"}, object={"objectType": "StatementRef", "id": wanted}
        ),
    )
    # The voiding statement matches through its target, as GET /statements filters it.
    await eventually(lambda: receiver.ids() == [wanted, voiding])
    status = await eventually(lambda: status_caught_up(xapi, forward["id"], delivered=2))
    assert status["delivered"] == 2


async def test_two_lrs_processes_on_one_database_deliver_one_ordered_stream(xapi, receiver, settings, aiohttp_client):
    from lrs.app import create_app
    from tests.conftest import XAPI

    other = XAPI(await aiohttp_client(create_app(settings)))
    await create_forward(xapi, name="hook", type="webhook", url=receiver.url)
    sent = []
    for n in range(12):
        sent += await post(xapi if n % 2 else other, numbered(n))
    await eventually(lambda: receiver.ids() == sent)
    for batch in receiver.batches():
        assert batch == [i for i in sent if i in batch]


async def test_deliveries_hold_whole_stored_batches_up_to_a_size(xapi, receiver, monkeypatch):
    from lrs.forwarding import worker

    monkeypatch.setattr(worker, "MAX_STATEMENTS", 5)
    forward = await create_forward(xapi, name="hook", type="webhook", url=receiver.url)
    assert (await xapi.post(f"/admin/forwards/{forward['id']}/pause")).status == 200
    sent = await post(xapi, *(numbered(n) for n in range(7)))  # bigger than a delivery: goes whole
    for n in range(7, 13):
        sent += await post(xapi, numbered(n))
    await xapi.post(f"/admin/forwards/{forward['id']}/resume")
    await eventually(lambda: receiver.ids() == sent)
    assert [len(batch) for batch in receiver.batches()] == [7, 5, 1]
