"""One structured log line per request: method, path, route, status, duration and credential."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from lrs.logformat import FIELDS
from tests.conftest import ADMIN_AUTH, ADMIN_KEY, make_statement


def request_lines(caplog) -> list[dict]:
    return [getattr(r, FIELDS) for r in caplog.records if r.name == "lrs.access"]


async def test_each_request_logs_one_structured_line_with_the_credential(xapi, caplog):
    caplog.set_level(logging.INFO, logger="lrs.access")
    await xapi.post("/xapi/statements", json=make_statement())
    [line] = request_lines(caplog)
    assert line["method"] == "POST"
    assert line["path"] == "/xapi/statements"
    assert line["route"] == "/xapi/statements"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["credential"] == ADMIN_KEY


async def test_the_query_string_is_not_logged(xapi, caplog):
    caplog.set_level(logging.INFO, logger="lrs.access")
    await xapi.get('/xapi/statements?agent={"mbox":"mailto:private@example.com"}')
    [line] = request_lines(caplog)
    assert "private@example.com" not in repr(line)


async def test_unauthenticated_requests_log_no_credential(xapi, caplog):
    caplog.set_level(logging.INFO, logger="lrs.access")
    await xapi.as_(None).get("/xapi/statements")
    [line] = request_lines(caplog)
    assert line["status"] == 401 and line["credential"] is None


async def test_alternate_syntax_requests_log_the_credential_too(client, caplog):
    caplog.set_level(logging.INFO, logger="lrs.access")
    form = urlencode({"Authorization": ADMIN_AUTH, "X-Experience-API-Version": "1.0.3"})
    response = await client.post(
        "/xapi/statements?method=GET",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200
    [line] = request_lines(caplog)
    assert line["method"] == "POST" and line["credential"] == ADMIN_KEY


async def test_a_request_refused_for_its_version_header_logs_its_credential(xapi, caplog):
    caplog.set_level(logging.INFO, logger="lrs.access")
    await xapi.speaking(None).get("/xapi/statements")
    [line] = request_lines(caplog)
    assert (line["status"], line["credential"]) == (400, ADMIN_KEY)
