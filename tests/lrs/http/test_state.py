"""/xapi/activities/state (Communication 2.2, 2.3, 3.1) through HTTP and the real database."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from lrs.auth.principal import Principal
from lrs.documents import service
from lrs.errors import Forbidden
from lrs.keys import authenticators_key

URL = "/xapi/activities/state"
ANN = {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
BOB = {"objectType": "Agent", "account": {"homePage": "http://example.com", "name": "bob"}}
ACTIVITY = "http://example.com/activities/course"
REGISTRATION = "6c1a9a3e-2b0f-4d7e-9d6c-0f8f3b5e2a11"


def state(state_id: str | None = "s1", agent: dict = ANN, **extra) -> dict:
    query = {"activityId": ACTIVITY, "agent": json.dumps(agent), **extra}
    if state_id is not None:
        query["stateId"] = state_id
    return query


async def stored(xapi, query: dict):
    response = await xapi.get(URL, params=query)
    return response.status, await response.read()


async def error_detail(response) -> str:
    body = await response.json()
    return body["detail"]


# --- single documents ---------------------------------------------------------------------


async def test_put_then_get_returns_document_etag_and_last_modified(xapi):
    response = await xapi.put(URL, params=state(), json={"x": "foo"})
    assert response.status == 204
    response = await xapi.get(URL, params=state())
    assert response.status == 200
    body = await response.read()
    assert json.loads(body) == {"x": "foo"}
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["ETag"] == f'"{hashlib.sha1(body).hexdigest()}"'
    modified = parsedate_to_datetime(response.headers["Last-Modified"])
    assert abs((datetime.now(UTC) - modified).total_seconds()) < 5


async def test_head_gives_the_headers_of_get_without_the_body(xapi):
    await xapi.put(URL, params=state(), json={"x": 1})
    get = await xapi.get(URL, params=state())
    head = await xapi.head(URL, params=state())
    assert head.status == 200
    assert await head.read() == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Last-Modified"] == get.headers["Last-Modified"]
    ids = await xapi.head(URL, params=state(None))
    assert ids.status == 200 and await ids.read() == b""


async def test_binary_document_keeps_its_bytes_and_content_type(xapi):
    content = bytes(range(256)) * 4
    response = await xapi.put(URL, params=state(), data=content, headers={"Content-Type": "image/png"})
    assert response.status == 204
    response = await xapi.get(URL, params=state())
    assert await response.read() == content
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["ETag"] == f'"{hashlib.sha1(content).hexdigest()}"'


async def test_put_without_headers_replaces_a_state_document(xapi):
    await xapi.put(URL, params=state(), json={"a": 1})
    response = await xapi.put(URL, params=state(), json={"b": 2})
    assert response.status == 204
    assert await stored(xapi, state()) == (200, b'{"b": 2}')


async def test_get_missing_document_is_404(xapi):
    response = await xapi.get(URL, params=state("nothing-here"))
    assert response.status == 404


async def test_delete_one_document(xapi):
    await xapi.put(URL, params=state("s1"), json={"a": 1})
    await xapi.put(URL, params=state("s2"), json={"a": 2})
    response = await xapi.delete(URL, params=state("s1"))
    assert response.status == 204
    assert (await stored(xapi, state("s1")))[0] == 404
    assert (await stored(xapi, state("s2")))[0] == 200
    # Deleting what is not there is still a success.
    assert (await xapi.delete(URL, params=state("s1"))).status == 204


async def test_mbox_case_does_not_make_another_agent(xapi):
    await xapi.put(URL, params=state(agent={"mbox": "mailto:Ann@Example.com"}), json={"a": 1})
    assert (await stored(xapi, state()))[0] == 200


async def test_identified_group_may_hold_state(xapi):
    group = {"objectType": "Group", "mbox": "mailto:team@example.com", "member": [ANN]}
    assert (await xapi.put(URL, params=state(agent=group), json={"a": 1})).status == 204
    assert (await stored(xapi, state(agent=group)))[0] == 200


# --- JSON merge (POST) ----------------------------------------------------------------------


async def test_post_to_missing_document_creates_it(xapi):
    response = await xapi.post(URL, params=state(), json={"x": "foo"})
    assert response.status == 204
    assert json.loads((await stored(xapi, state()))[1]) == {"x": "foo"}


async def test_post_merges_top_level_properties_only(xapi):
    await xapi.post(URL, params=state(), json={"x": "foo", "y": "bar", "car": {"make": "Ford", "model": "Escape"}})
    response = await xapi.post(URL, params=state(), json={"x": "bash", "z": "faz", "car": {"make": "Dodge"}})
    assert response.status == 204
    merged = json.loads((await stored(xapi, state()))[1])
    assert merged == {"x": "bash", "y": "bar", "z": "faz", "car": {"make": "Dodge"}}


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"abcdefg", "text/plain"),
        (b'{"a": 1}', "application/octet-stream"),
        (b'{"a": 1}{', "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"text"', "application/json"),
    ],
)
async def test_post_that_cannot_merge_is_400_and_changes_nothing(xapi, body, content_type):
    await xapi.post(URL, params=state(), json={"kept": True})
    before = await stored(xapi, state())
    response = await xapi.post(URL, params=state(), data=body, headers={"Content-Type": content_type})
    assert response.status == 400
    assert await stored(xapi, state()) == before


async def test_post_json_onto_a_binary_document_is_400_and_changes_nothing(xapi):
    await xapi.put(
        URL, params=state(), data=b"/ asdf / undefined", headers={"Content-Type": "application/octet-stream"}
    )
    response = await xapi.post(URL, params=state(), json={"a": 1})
    assert response.status == 400
    assert "JSON" in await error_detail(response)
    assert await stored(xapi, state()) == (200, b"/ asdf / undefined")


async def test_post_invalid_json_to_missing_document_is_400_and_creates_nothing(xapi):
    response = await xapi.post(URL, params=state(), data=b'{"a": ', headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert (await stored(xapi, state()))[0] == 404


async def test_fifty_concurrent_posts_keep_all_fifty_keys(xapi):
    async def post(i: int) -> int:
        response = await xapi.post(URL, params=state("shared"), json={f"client{i}": i})
        return response.status

    statuses = await asyncio.gather(*(post(i) for i in range(50)))
    assert statuses == [204] * 50
    merged = json.loads((await stored(xapi, state("shared")))[1])
    assert merged == {f"client{i}": i for i in range(50)}


# --- concurrency headers (Communication 3.1) -----------------------------------------------------


async def etag_of(xapi, query: dict) -> str:
    return (await xapi.get(URL, params=query)).headers["ETag"]


@pytest.mark.parametrize("quote", [True, False])
async def test_put_with_matching_if_match_replaces(xapi, quote):
    await xapi.put(URL, params=state(), json={"a": 1})
    etag = await etag_of(xapi, state())
    header = etag if quote else etag.strip('"')
    response = await xapi.put(URL, params=state(), json={"a": 2}, headers={"If-Match": header})
    assert response.status == 204
    assert response.headers["ETag"] == await etag_of(xapi, state())
    assert await stored(xapi, state()) == (200, b'{"a": 2}')


async def test_put_with_stale_if_match_is_412_and_changes_nothing(xapi):
    await xapi.put(URL, params=state(), json={"a": 1})
    response = await xapi.put(URL, params=state(), json={"a": 2}, headers={"If-Match": '"' + "1" * 40 + '"'})
    assert response.status == 412
    assert await stored(xapi, state()) == (200, b'{"a": 1}')


async def test_put_with_if_match_on_missing_document_is_412_and_creates_nothing(xapi):
    response = await xapi.put(URL, params=state(), json={"a": 1}, headers={"If-Match": "*"})
    assert response.status == 412
    assert (await stored(xapi, state()))[0] == 404


async def test_put_with_if_none_match_star(xapi):
    response = await xapi.put(URL, params=state(), json={"a": 1}, headers={"If-None-Match": "*"})
    assert response.status == 204
    response = await xapi.put(URL, params=state(), json={"a": 2}, headers={"If-None-Match": "*"})
    assert response.status == 412
    assert await stored(xapi, state()) == (200, b'{"a": 1}')


async def test_post_and_delete_honour_if_match(xapi):
    await xapi.put(URL, params=state(), json={"a": 1})
    stale = '"' + "2" * 40 + '"'
    assert (await xapi.post(URL, params=state(), json={"b": 2}, headers={"If-Match": stale})).status == 412
    assert (await xapi.delete(URL, params=state(), headers={"If-Match": stale})).status == 412
    assert await stored(xapi, state()) == (200, b'{"a": 1}')
    etag = await etag_of(xapi, state())
    assert (await xapi.post(URL, params=state(), json={"b": 2}, headers={"If-Match": etag})).status == 204
    assert (await xapi.delete(URL, params=state(), headers={"If-Match": etag})).status == 412
    assert (await xapi.delete(URL, params=state(), headers={"If-Match": await etag_of(xapi, state())})).status == 204
    assert (await stored(xapi, state()))[0] == 404


async def test_post_with_if_none_match_star_onto_existing_document_is_412(xapi):
    await xapi.put(URL, params=state(), json={"a": 1})
    response = await xapi.post(URL, params=state(), json={"b": 2}, headers={"If-None-Match": "*"})
    assert response.status == 412
    assert await stored(xapi, state()) == (200, b'{"a": 1}')


async def test_empty_if_match_is_400(xapi):
    response = await xapi.put(URL, params=state(), json={"a": 1}, headers={"If-Match": ""})
    assert response.status == 400
    assert (await stored(xapi, state()))[0] == 404


# --- ids, since, multiple delete ----------------------------------------------------------------


async def test_get_without_state_id_lists_ids_with_last_modified(xapi):
    await xapi.put(URL, params=state("s1"), json={"a": 1})
    await xapi.put(URL, params=state("s2"), json={"a": 2})
    await xapi.put(URL, params=state("other", agent=BOB), json={"a": 3})
    response = await xapi.get(URL, params=state(None))
    assert response.status == 200
    assert sorted(await response.json()) == ["s1", "s2"]
    assert "Last-Modified" in response.headers
    empty = await xapi.get(URL, params=state(None, activityId="http://example.com/unused"))
    assert await empty.json() == []


async def test_since_lists_only_documents_updated_after_it(xapi):
    await xapi.put(URL, params=state("old"), json={"a": 1})
    await asyncio.sleep(0.02)
    since = datetime.now(UTC).isoformat()
    await asyncio.sleep(0.02)
    await xapi.put(URL, params=state("new"), json={"a": 2})
    response = await xapi.get(URL, params=state(None, since=since))
    assert await response.json() == ["new"]
    # Updating the old document brings it back.
    await xapi.post(URL, params=state("old"), json={"b": 2})
    response = await xapi.get(URL, params=state(None, since=since))
    assert sorted(await response.json()) == ["new", "old"]


async def test_registration_separates_documents(xapi):
    await xapi.put(URL, params=state("s1"), json={"no": "registration"})
    await xapi.put(URL, params=state("s1", registration=REGISTRATION), json={"with": "registration"})
    await xapi.put(URL, params=state("s2", registration=REGISTRATION.upper()), json={"upper": "case"})
    assert json.loads((await stored(xapi, state("s1")))[1]) == {"no": "registration"}
    assert json.loads((await stored(xapi, state("s1", registration=REGISTRATION)))[1]) == {"with": "registration"}
    listed = await xapi.get(URL, params=state(None, registration=REGISTRATION))
    assert sorted(await listed.json()) == ["s1", "s2"]
    # Without a registration, ids of every registration are listed (each once).
    listed = await xapi.get(URL, params=state(None))
    assert sorted(await listed.json()) == ["s1", "s2"]


async def test_delete_all_with_registration_deletes_only_that_registration(xapi):
    await xapi.put(URL, params=state("s1"), json={})
    await xapi.put(URL, params=state("s2", registration=REGISTRATION), json={})
    response = await xapi.delete(URL, params=state(None, registration=REGISTRATION))
    assert response.status == 204
    assert (await stored(xapi, state("s2", registration=REGISTRATION)))[0] == 404
    assert (await stored(xapi, state("s1")))[0] == 200


async def test_delete_all_without_registration_deletes_the_activity_and_agent_state(xapi):
    await xapi.put(URL, params=state("s1"), json={})
    await xapi.put(URL, params=state("s2", registration=REGISTRATION), json={})
    await xapi.put(URL, params=state("s3", agent=BOB), json={})
    await xapi.put(URL, params=state("s4", activityId="http://example.com/other"), json={})
    response = await xapi.delete(URL, params=state(None))
    assert response.status == 204
    assert await (await xapi.get(URL, params=state(None))).json() == []
    assert (await stored(xapi, state("s3", agent=BOB)))[0] == 200
    assert (await stored(xapi, state("s4", activityId="http://example.com/other")))[0] == 200


async def test_delete_all_with_if_match_is_400_and_deletes_nothing(xapi):
    await xapi.put(URL, params=state("s1"), json={})
    response = await xapi.delete(URL, params=state(None), headers={"If-Match": "*"})
    assert response.status == 400
    assert (await stored(xapi, state("s1")))[0] == 200


# --- bad requests ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
@pytest.mark.parametrize("missing", ["activityId", "agent"])
async def test_missing_required_parameter_is_400(xapi, method, missing):
    query = state()
    del query[missing]
    response = await xapi.request(method, URL, params=query, json={"a": 1})
    assert response.status == 400
    assert missing in await error_detail(response)


@pytest.mark.parametrize("method", ["PUT", "POST"])
async def test_write_without_state_id_is_400(xapi, method):
    response = await xapi.request(method, URL, params=state(None), json={"a": 1})
    assert response.status == 400
    assert "stateId" in await error_detail(response)


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
async def test_empty_state_id_is_400_and_stores_nothing(xapi, method):
    # stateId is a required String, and required properties "are required to contain values"
    # (About 3.0): "" names no document.
    response = await xapi.request(method, URL, params=state(""), json={"a": 1})
    assert response.status == 400
    assert "stateId: must not be empty" in await error_detail(response)
    assert await stored(xapi, state(None)) == (200, b"[]")


@pytest.mark.parametrize(
    "name, value",
    [
        ("agent", "not JSON"),
        ("agent", "true"),
        ("agent", json.dumps({"objectType": "Agent", "name": "no identifier"})),
        ("registration", "not-a-uuid"),
        ("registration", "true"),
        ("activityId", "not an IRI"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
async def test_invalid_parameter_is_400_naming_it_and_changes_nothing(xapi, method, name, value):
    await xapi.put(URL, params=state(), json={"kept": True})
    response = await xapi.request(method, URL, params={**state(), name: value}, json={"changed": True})
    assert response.status == 400
    assert name in await error_detail(response)
    assert await stored(xapi, state()) == (200, b'{"kept": true}')


async def test_invalid_since_is_400_naming_it(xapi):
    response = await xapi.get(URL, params=state(None, since="not a timestamp"))
    assert response.status == 400
    assert "since" in await error_detail(response)


@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "DELETE"])
async def test_unknown_parameter_is_400(xapi, method):
    response = await xapi.request(method, URL, params=state(profileId="p"), json={})
    assert response.status == 400
    assert "profileId" in await error_detail(response)


async def test_since_is_only_a_get_parameter(xapi):
    response = await xapi.put(URL, params=state(since="2020-01-01T00:00:00Z"), json={})
    assert response.status == 400


async def test_alternate_request_syntax_stores_form_content(xapi):
    form = {**state(), "content": '{"via": "form"}', "Content-Type": "application/json"}
    response = await xapi.post(URL, params={"method": "PUT"}, data=form)
    assert response.status == 204
    assert json.loads((await stored(xapi, state()))[1]) == {"via": "form"}


# --- scopes and access policies -----------------------------------------------------------


async def test_statement_scopes_cannot_touch_state(xapi, xapi_with):
    await xapi.put(URL, params=state(), json={"a": 1})
    limited = await xapi_with("statements/write", "statements/read")
    for method in ("GET", "HEAD", "PUT", "POST", "DELETE"):
        response = await limited.request(method, URL, params=state(), json={"b": 2})
        assert response.status == 403, method
    assert await stored(xapi, state()) == (200, b'{"a": 1}')


async def test_state_scope_reads_and_writes_state(xapi_with):
    client = await xapi_with("state")
    assert (await client.put(URL, params=state(), json={"a": 1})).status == 204
    assert (await client.get(URL, params=state())).status == 200
    assert (await client.delete(URL, params=state())).status == 204


async def test_all_read_scope_reads_but_cannot_write(xapi, xapi_with):
    await xapi.put(URL, params=state(), json={"a": 1})
    reader = await xapi_with("all/read")
    assert (await reader.get(URL, params=state())).status == 200
    assert (await reader.put(URL, params=state(), json={"b": 2})).status == 403
    assert (await reader.delete(URL, params=state())).status == 403


class RecordingPolicy:
    """An access policy like a cmi5 launch token's: records calls, refuses one stateId."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict]] = []

    def check_statements(self, statements):
        pass

    def check_statement_read(self):
        pass

    async def check_document(self, resource, method, params):
        self.calls.append((resource, method, params))
        if params.get("stateId") == "forbidden":
            raise Forbidden("this token cannot use that state")

    def check_document_content(self, resource, params, content, content_type):
        self.calls.append((resource, "content", content))
        if content == b'{"refused": true}':
            raise Forbidden("this token cannot write that")


class TokenAuthenticator:
    def __init__(self, policy: RecordingPolicy) -> None:
        self.policy = policy

    async def authenticate(self, token):
        if token != "launch-token":
            return None
        authority = {"objectType": "Agent", "account": {"homePage": "http://lrs.invalid", "name": "launch"}}
        return Principal("launch", "launch", frozenset({"state", "profile"}), authority, self.policy)


@pytest.fixture
def policy():
    return RecordingPolicy()


@pytest.fixture
def plugins(policy):
    return [lambda app: app[authenticators_key].append(TokenAuthenticator(policy))]


async def test_access_policy_sees_every_document_call_and_can_refuse(xapi, policy):
    launched = xapi.as_("Basic launch-token")
    query = state(registration=REGISTRATION)
    assert (await launched.put(URL, params=query, json={"a": 1})).status == 204
    assert (await launched.head(URL, params=query)).status == 200
    assert (await launched.get(URL, params=state(None))).status == 200
    assert policy.calls[0] == (
        "state",
        "PUT",
        {
            "activityId": ACTIVITY,
            "agent": ANN,
            "registration": REGISTRATION,
            "stateId": "s1",
        },
    )
    assert policy.calls[1] == ("state", "content", b'{"a": 1}')
    assert [call[1] for call in policy.calls] == ["PUT", "content", "GET", "GET"]
    assert "stateId" not in policy.calls[3][2]
    response = await launched.put(URL, params=state("forbidden"), json={"a": 1})
    assert response.status == 403
    # The content is judged before anything is written.
    response = await launched.post(
        URL, params=query, data=b'{"refused": true}', headers={"Content-Type": "application/json"}
    )
    assert response.status == 403
    assert await (await launched.get(URL, params=query)).json() == {"a": 1}
    assert (await stored(xapi, state("forbidden")))[0] == 404
    profile = {"agent": json.dumps(ANN), "profileId": "p"}
    assert (await launched.get("/xapi/agents/profile", params=profile)).status == 404
    assert policy.calls[-1] == ("agents/profile", "GET", {"agent": ANN, "profileId": "p"})


async def test_document_too_large_for_the_database_is_413_and_stores_nothing(xapi, monkeypatch):
    monkeypatch.setattr(service, "MAX_CONTENT_BYTES", 10)
    response = await xapi.put(URL, params=state(), data=b"x" * 11, headers={"Content-Type": "text/plain"})
    assert response.status == 413
    assert (await stored(xapi, state()))[0] == 404


async def test_non_ascii_etag_in_if_match_is_400(xapi):
    await xapi.put(URL, params=state(), json={"x": 1})
    response = await xapi.put(URL, params=state(), json={"x": 2}, headers={"If-Match": '"é"'})
    assert response.status == 400
    assert "If-Match" in await error_detail(response)
    assert json.loads((await stored(xapi, state()))[1]) == {"x": 1}


async def test_non_ascii_content_type_is_400_and_stores_nothing(xapi):
    response = await xapi.put(URL, params=state(), data=b"x", headers={"Content-Type": "téxt/plain"})
    assert response.status == 400
    assert (await stored(xapi, state()))[0] == 404


async def test_lone_surrogate_in_a_merged_document_or_agent_is_400(xapi):
    lone = b'{"k": "\\udfff"}'
    response = await xapi.post(URL, params=state(), data=lone, headers={"Content-Type": "application/json"})
    assert response.status == 400
    agent = '{"objectType": "Agent", "account": {"homePage": "http://example.com", "name": "\\ud800"}}'
    response = await xapi.get(URL, params={"activityId": ACTIVITY, "agent": agent, "stateId": "s1"})
    assert response.status == 400
