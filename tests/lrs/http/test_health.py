"""/health, /ready and /metrics: probes without credentials, readiness that follows the database,
metrics only for an admin credential, a bearer token or, when opened, anyone."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from lrs.app import create_app
from lrs.keys import database_key, drain_key
from lrs.settings import Settings
from lrs.statements.store import STATEMENTS
from tests.conftest import ADMIN_AUTH, ADMIN_KEY, ADMIN_SECRET, XAPI, make_statement

ADMIN = {"Authorization": ADMIN_AUTH}


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one Prometheus sample in exposition text, or None when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))).strip(",") == wanted:
            return float(match.group(2))
    return None


async def test_health_answers_without_credentials(client):
    response = await client.get("/health")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_ready_when_the_database_answers_and_indexes_exist(client):
    response = await client.get("/ready")
    assert response.status == 200
    assert await response.json() == {"status": "ready"}


async def test_ready_is_503_with_retry_after_while_an_index_is_missing(client, app):
    await app[database_key][STATEMENTS].drop_index("id_1")
    response = await client.get("/ready")
    assert response.status == 503
    assert response.headers["Retry-After"]
    assert "statements.id_1" in (await response.json())["detail"]


async def test_metrics_count_requests_by_route_and_status(client, xapi):
    await client.get("/health")
    await client.get("/no/such/page")
    assert (await xapi.post("/xapi/statements", json=[make_statement(), make_statement()])).status == 200
    assert (await xapi.get("/xapi/statements")).status == 200
    assert (await xapi.as_(None).get("/xapi/statements")).status == 401

    response = await client.get("/metrics", headers=ADMIN)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    requests = "lrs_http_requests_total"
    assert sample(text, requests, method="GET", route="/health", status="200") == 1
    assert sample(text, requests, method="POST", route="/xapi/statements", status="200") == 1
    assert sample(text, requests, method="GET", route="/xapi/statements", status="200") == 1
    assert sample(text, requests, method="GET", route="/xapi/statements", status="401") == 1
    # Unknown paths share one label, so scanners cannot blow up the series count.
    assert sample(text, requests, method="GET", route="unmatched", status="404") == 1
    assert "/no/such/page" not in text
    assert sample(text, "lrs_http_request_duration_seconds_count", method="GET", route="/xapi/statements") == 2
    assert (
        sample(text, "lrs_http_request_duration_seconds_bucket", method="POST", route="/xapi/statements", le="+Inf")
        == 1
    )
    assert sample(text, "lrs_statements_stored_total") == 2
    assert sample(text, "lrs_http_requests_in_progress") == 1  # this very request


async def test_while_draining_ready_is_503_and_every_response_closes_its_connection(client, app):
    before = await client.get("/health")
    assert before.headers.get("Connection") != "close"
    assert sample(await (await client.get("/metrics", headers=ADMIN)).text(), "lrs_draining") == 0

    app[drain_key].start()  # what SIGTERM does (lrs.runner)
    ready = await client.get("/ready")
    assert ready.status == 503 and ready.headers["Retry-After"] and ready.headers["Connection"] == "close"
    assert (await ready.json())["detail"] == "shutting down"
    health = await client.get("/health")
    assert health.status == 200 and health.headers["Connection"] == "close"
    assert sample(await (await client.get("/metrics", headers=ADMIN)).text(), "lrs_draining") == 1


async def test_each_app_has_its_own_metrics(settings, aiohttp_client):
    first = await aiohttp_client(create_app(settings))
    second = await aiohttp_client(create_app(settings))
    await first.get("/health")
    await first.get("/health")
    text = await (await second.get("/metrics", headers=ADMIN)).text()
    assert sample(text, "lrs_http_requests_total", method="GET", route="/health", status="200") is None


async def test_database_outage_gives_503_with_retry_after_and_recovers(database_server, tmp_path, aiohttp_client):
    settings = Settings(
        mongodb_uri=database_server.uri,
        database="outage",
        admin_key=ADMIN_KEY,
        admin_secret=ADMIN_SECRET,
        data_dir=tmp_path,
        metrics_token="scraper",
    )
    client = await aiohttp_client(create_app(settings))
    xapi = XAPI(client)
    statement = make_statement(id="0f4e9c52-95a4-4fbb-9d29-9ba8b1a4c8c1")
    assert (await xapi.put(f"/xapi/statements?statementId={statement['id']}", json=statement)).status == 204

    await database_server.stop()
    ready = await client.get("/ready")
    assert ready.status == 503 and ready.headers["Retry-After"]
    for response in (
        await xapi.get("/xapi/statements"),
        await xapi.post("/xapi/statements", json=make_statement()),
    ):
        assert response.status == 503
        assert response.headers["Retry-After"]
        assert (await response.json())["error"] == "service unavailable"
    assert (await client.get("/health")).status == 200  # the process itself is fine
    # An admin credential is checked in the database; the token is not, so scrapes go on.
    text = await (await client.get("/metrics", headers={"Authorization": "Bearer scraper"})).text()
    assert sample(text, "lrs_http_requests_total", method="POST", route="/xapi/statements", status="503") == 1
    assert (
        sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("lrs_database_errors_total{")) >= 3
    )

    await database_server.start()  # same folder, same port
    assert (await client.get("/ready")).status == 200
    found = await xapi.get(f"/xapi/statements?statementId={statement['id']}")
    assert found.status == 200 and (await found.json())["id"] == statement["id"]
    assert (await xapi.post("/xapi/statements", json=make_statement())).status == 200


async def test_metrics_need_an_admin_credential_by_default(client, xapi_with):
    anonymous = await client.get("/metrics")
    assert anonymous.status == 401 and anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert "lrs_http_requests" not in await anonymous.text()
    reader = await xapi_with("statements/read", "all/read")
    assert (await client.get("/metrics", headers={"Authorization": reader.auth})).status == 403
    assert (await client.get("/metrics", headers={"Authorization": "Bearer anything"})).status == 401
    assert (await client.get("/metrics", headers=ADMIN)).status == 200


@pytest.fixture
def metrics_settings(settings):
    return lambda **changes: replace(settings, **changes)


async def test_metrics_accept_the_configured_bearer_token(metrics_settings, aiohttp_client):
    client = await aiohttp_client(create_app(metrics_settings(metrics_token="scrape-token-123")))
    allowed = await client.get("/metrics", headers={"Authorization": "Bearer scrape-token-123"})
    assert allowed.status == 200 and "lrs_http_requests" in await allowed.text()
    for wrong in ("Bearer scrape-token-12", "Bearer ", "Basic c2NyYXBlLXRva2VuLTEyMw=="):
        assert (await client.get("/metrics", headers={"Authorization": wrong})).status == 401, wrong


async def test_metrics_can_be_opened_to_anyone(metrics_settings, aiohttp_client):
    client = await aiohttp_client(create_app(metrics_settings(metrics_public=True)))
    response = await client.get("/metrics")
    assert response.status == 200 and "lrs_http_requests" in await response.text()
