"""A forward that keeps failing is paused, visible with its last error, and resumes on request."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import make_statement
from tests.lrs.forwarding.conftest import WebhookReceiver, eventually
from tests.lrs.forwarding.test_webhook import create_forward, forward_status, post


@pytest.fixture
async def settings(settings):
    return dataclasses.replace(settings, forward_pause_after=3)


async def test_failing_forward_is_paused_with_its_last_error_and_delivers_after_resume(xapi):
    receiver = WebhookReceiver(status=503)
    await receiver.start()
    try:
        forward = await create_forward(xapi, name="flaky", type="webhook", url=receiver.url)
        sent = await post(xapi, make_statement(), make_statement())

        async def paused():
            status = await forward_status(xapi, forward["id"])
            return status if status["status"] == "paused" else None

        status = await eventually(paused)
        assert status["failures"] == 3 and "answered 503" in status["lastError"]["message"]
        assert status["pausedAt"] and status["pending"]["statements"] == 2
        attempts = len(receiver.deliveries)
        sent += await post(xapi, make_statement())  # still accepted, and queued
        receiver.status = 204

        resumed = await xapi.post(f"/admin/forwards/{forward['id']}/resume")
        assert resumed.status == 200 and (await resumed.json())["status"] == "active"
        await eventually(lambda: receiver.ids() == sent)
        assert len(receiver.deliveries) > attempts
        assert (await xapi.post(f"/admin/forwards/{forward['id']}/resume")).status == 409
    finally:
        await receiver.stop()


async def test_paused_by_hand_delivers_nothing_until_resumed(xapi, receiver):
    forward = await create_forward(xapi, name="hold", type="webhook", url=receiver.url)
    assert (await xapi.post(f"/admin/forwards/{forward['id']}/pause")).status == 200
    sent = await post(xapi, make_statement())
    status = await eventually(lambda: forward_status(xapi, forward["id"]))
    assert status["status"] == "paused" and status["pending"]["statements"] == 1
    assert receiver.deliveries == []
    await xapi.post(f"/admin/forwards/{forward['id']}/resume")
    await eventually(lambda: receiver.ids() == sent)
