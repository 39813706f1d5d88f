"""/xapi/agents/profile and /xapi/activities/profile (Communication 2.6, 2.7, 3.1)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from lrs.app import create_app
from tests.conftest import XAPI

AGENT_URL = "/xapi/agents/profile"
ACTIVITY_URL = "/xapi/activities/profile"
ANN = {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
ACTIVITY = "http://example.com/activities/course"


def agent_profile(profile_id: str | None = "p1", agent: dict = ANN, **extra) -> dict:
    query = {"agent": json.dumps(agent), **extra}
    if profile_id is not None:
        query["profileId"] = profile_id
    return query


def activity_profile(profile_id: str | None = "p1", **extra) -> dict:
    query = {"activityId": ACTIVITY, **extra}
    if profile_id is not None:
        query["profileId"] = profile_id
    return query


RESOURCES = [(AGENT_URL, agent_profile), (ACTIVITY_URL, activity_profile)]
CREATE = {"If-None-Match": "*"}


@pytest.fixture(params=RESOURCES, ids=["agent-profile", "activity-profile"])
def resource(request):
    return request.param


async def stored(xapi, url: str, query: dict):
    response = await xapi.get(url, params=query)
    return response.status, await response.read()


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
async def test_empty_profile_id_is_400_and_stores_nothing(xapi, resource, method):
    # profileId is a required String, and required properties "are required to contain values"
    # (About 3.0): "" names no document.
    url, query = resource
    response = await xapi.request(method, url, params=query(""), json={"a": 1}, headers=CREATE)
    assert response.status == 400
    assert "profileId: must not be empty" in (await response.json())["detail"]
    assert await stored(xapi, url, query(None)) == (200, b"[]")


async def test_put_with_if_none_match_creates_and_get_returns_it(xapi, resource):
    url, params = resource
    response = await xapi.put(url, params=params(), json={"a": 1}, headers=CREATE)
    assert response.status == 204
    response = await xapi.get(url, params=params())
    assert await response.json() == {"a": 1}
    assert response.headers["ETag"].startswith('"') and len(response.headers["ETag"]) == 42
    assert "Last-Modified" in response.headers
    head = await xapi.head(url, params=params())
    assert head.status == 200 and await head.read() == b""
    assert head.headers["ETag"] == response.headers["ETag"]


async def test_put_without_concurrency_header_to_new_profile_is_400_and_creates_nothing(xapi, resource):
    url, params = resource
    response = await xapi.put(url, params=params(), json={"a": 1})
    assert response.status == 400
    assert "If-Match" in (await response.json())["detail"]
    assert (await stored(xapi, url, params()))[0] == 404


async def test_put_without_concurrency_header_to_existing_profile_is_409_and_changes_nothing(xapi, resource):
    url, params = resource
    await xapi.put(url, params=params(), json={"a": 1}, headers=CREATE)
    response = await xapi.put(url, params=params(), json={"b": 2})
    assert response.status == 409
    detail = (await response.json())["detail"]
    assert "If-Match" in detail and "ETag" in detail
    assert await stored(xapi, url, params()) == (200, b'{"a": 1}')


async def test_put_without_concurrency_header_creates_a_new_profile_when_set_to_create(
    settings,
    aiohttp_client,
    resource,
):
    url, params = resource
    lenient = XAPI(await aiohttp_client(create_app(replace(settings, unconditional_profile_put="create"))))
    response = await lenient.put(url, params=params(), json={"a": 1})
    assert response.status == 204
    assert await stored(lenient, url, params()) == (200, b'{"a": 1}')
    # An existing document is still never replaced without If-Match (Communication 3.1.s4.b13).
    response = await lenient.put(url, params=params(), json={"b": 2})
    assert response.status == 409
    assert await stored(lenient, url, params()) == (200, b'{"a": 1}')


async def test_put_with_current_etag_replaces_and_stale_etag_is_412(xapi, resource):
    url, params = resource
    await xapi.put(url, params=params(), json={"a": 1}, headers=CREATE)
    etag = (await xapi.get(url, params=params())).headers["ETag"]
    assert (await xapi.put(url, params=params(), json={"a": 2}, headers={"If-Match": etag})).status == 204
    response = await xapi.put(url, params=params(), json={"a": 3}, headers={"If-Match": etag})
    assert response.status == 412
    assert await stored(xapi, url, params()) == (200, b'{"a": 2}')
    response = await xapi.put(url, params=params(), json={"a": 4}, headers=CREATE)
    assert response.status == 412
    assert await stored(xapi, url, params()) == (200, b'{"a": 2}')


async def test_racing_creators_make_one_document(xapi, resource):
    url, params = resource

    async def create(i: int) -> int:
        return (await xapi.put(url, params=params(), json={"by": i}, headers=CREATE)).status

    statuses = await asyncio.gather(*(create(i) for i in range(10)))
    assert sorted(statuses) == [204] + [412] * 9
    assert await (await xapi.get(url, params=params(None))).json() == ["p1"]


async def test_post_creates_then_merges(xapi, resource):
    url, params = resource
    assert (await xapi.post(url, params=params(), json={"car": "MKX", "x": 1})).status == 204
    assert (await xapi.post(url, params=params(), json={"car": "MKZ"})).status == 204
    assert json.loads((await stored(xapi, url, params()))[1]) == {"car": "MKZ", "x": 1}


async def test_post_that_cannot_merge_is_400_and_changes_nothing(xapi, resource):
    url, params = resource
    await xapi.post(url, params=params(), json={"a": 1})
    response = await xapi.post(url, params=params(), data=b"abc", headers={"Content-Type": "application/octet-stream"})
    assert response.status == 400
    response = await xapi.post(url, params=params(), data=b'{"b": 2}[', headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert await stored(xapi, url, params()) == (200, b'{"a": 1}')


async def test_binary_profile_round_trip(xapi, resource):
    url, params = resource
    content = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    response = await xapi.put(url, params=params(), data=content, headers={**CREATE, "Content-Type": "image/png"})
    assert response.status == 204
    response = await xapi.get(url, params=params())
    assert await response.read() == content
    assert response.headers["Content-Type"] == "image/png"


async def test_ids_and_since(xapi, resource):
    url, params = resource
    await xapi.post(url, params=params("old"), json={})
    await asyncio.sleep(0.02)
    since = datetime.now(UTC).isoformat()
    await asyncio.sleep(0.02)
    await xapi.post(url, params=params("new"), json={})
    assert sorted(await (await xapi.get(url, params=params(None))).json()) == ["new", "old"]
    assert await (await xapi.get(url, params=params(None, since=since))).json() == ["new"]
    response = await xapi.get(url, params=params(None, since="yesterday"))
    assert response.status == 400 and "since" in (await response.json())["detail"]


async def test_delete_one_profile_and_its_if_match(xapi, resource):
    url, params = resource
    await xapi.post(url, params=params("p1"), json={})
    await xapi.post(url, params=params("p2"), json={})
    response = await xapi.delete(url, params=params("p1"), headers={"If-Match": '"' + "0" * 40 + '"'})
    assert response.status == 412
    assert (await xapi.delete(url, params=params("p1"))).status == 204
    assert await (await xapi.get(url, params=params(None))).json() == ["p2"]


async def test_delete_needs_profile_id(xapi, resource):
    url, params = resource
    await xapi.post(url, params=params("p1"), json={})
    response = await xapi.delete(url, params=params(None))
    assert response.status == 400
    assert "profileId" in (await response.json())["detail"]
    assert (await stored(xapi, url, params("p1")))[0] == 200


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
async def test_missing_and_unknown_parameters_are_400(xapi, resource, method):
    url, params = resource
    query = params()
    required = "agent" if url == AGENT_URL else "activityId"
    del query[required]
    response = await xapi.request(method, url, params=query, json={}, headers=CREATE)
    assert response.status == 400 and required in (await response.json())["detail"]
    response = await xapi.request(method, url, params=params(stateId="s"), json={}, headers=CREATE)
    assert response.status == 400 and "stateId" in (await response.json())["detail"]


@pytest.mark.parametrize(
    "agent",
    [
        "not JSON",
        "true",
        json.dumps({"objectType": "Agent", "name": "nobody"}),
        json.dumps({"objectType": "Group", "mbox": "mailto:team@example.com"}),
    ],
)
@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
async def test_agent_profile_needs_an_identified_agent(xapi, method, agent):
    response = await xapi.request(method, AGENT_URL, params={"agent": agent, "profileId": "p"}, json={}, headers=CREATE)
    assert response.status == 400
    assert "agent" in (await response.json())["detail"]
    assert (await stored(xapi, AGENT_URL, agent_profile("p")))[0] == 404


async def test_activity_profile_needs_an_iri(xapi):
    response = await xapi.put(ACTIVITY_URL, params={"activityId": "no iri", "profileId": "p"}, json={}, headers=CREATE)
    assert response.status == 400 and "activityId" in (await response.json())["detail"]


async def test_agent_and_activity_profiles_do_not_mix(xapi):
    await xapi.put(AGENT_URL, params=agent_profile("same"), json={"agent": True}, headers=CREATE)
    await xapi.put(ACTIVITY_URL, params=activity_profile("same"), json={"activity": True}, headers=CREATE)
    assert json.loads((await stored(xapi, AGENT_URL, agent_profile("same")))[1]) == {"agent": True}
    assert json.loads((await stored(xapi, ACTIVITY_URL, activity_profile("same")))[1]) == {"activity": True}


async def test_alternate_request_syntax_carries_the_concurrency_headers_in_the_form(xapi, resource):
    url, params = resource

    def alternate(method: str, **form: str):
        return xapi.post(url, params={"method": method}, data={**params(), **form})

    response = await alternate("PUT", content='{"via": "form"}', **{"Content-Type": "application/json", **CREATE})
    assert response.status == 204
    response = await alternate("GET")
    assert response.status == 200 and await response.json() == {"via": "form"}
    assert (await alternate("DELETE", **{"If-Match": '"' + "0" * 40 + '"'})).status == 412
    assert (await alternate("DELETE", **{"If-Match": response.headers["ETag"]})).status == 204
    assert (await stored(xapi, url, params()))[0] == 404


async def test_profile_scopes(xapi, xapi_with, resource):
    url, params = resource
    await xapi.post(url, params=params(), json={"a": 1})
    for scopes in (("statements/read", "statements/write"), ("state",)):
        limited = await xapi_with(*scopes)
        for method in ("GET", "HEAD", "PUT", "POST", "DELETE"):
            response = await limited.request(method, url, params=params(), json={"b": 2}, headers={"If-Match": "*"})
            assert response.status == 403, (scopes, method)
    assert await stored(xapi, url, params()) == (200, b'{"a": 1}')
    writer = await xapi_with("profile")
    assert (await writer.post(url, params=params(), json={"b": 2})).status == 204
    reader = await xapi_with("all/read")
    assert (await reader.get(url, params=params())).status == 200
    assert (await reader.post(url, params=params(), json={"c": 3})).status == 403
