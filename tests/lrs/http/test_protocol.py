"""Protocol rules shared by every resource: version header, CORS, alternate syntax, errors."""

import io
import json
import uuid
from dataclasses import replace
from urllib.parse import urlencode

from lrs.app import create_app
from tests.conftest import ADMIN_AUTH, XAPI, make_statement

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def preflight(client, path, method, headers):
    """A browser's CORS preflight of `method` on `path`, asking for `headers`."""
    return client.options(
        path,
        headers={
            "Origin": "http://elsewhere.example",
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


async def test_missing_version_header_is_400(xapi):
    response = await xapi.get("/xapi/statements", headers={"X-Experience-API-Version": None})
    assert response.status == 400
    assert "X-Experience-API-Version" in (await response.json())["detail"]


async def test_unsupported_versions_are_400_and_1_0_x_and_2_0_x_accepted(xapi):
    for version, status in (
        ("0.95", 400),
        ("1.1.0", 400),
        ("2.1.0", 400),
        ("3.0.0", 400),
        ("1.0", 200),
        ("1.0.9", 200),
        ("2.0", 200),
        ("2.0.0", 200),
        ("2.0.1", 200),
    ):
        response = await xapi.get("/xapi/statements", headers={"X-Experience-API-Version": version})
        assert response.status == status, version


async def test_every_response_carries_the_version_header(xapi):
    for response in (await xapi.get("/xapi/about"), await xapi.get("/xapi/statements?bad=1")):
        assert response.headers["X-Experience-API-Version"] == "1.0.3"


async def test_cors_preflight_allows_authorization_header(client):
    response = await preflight(client, "/xapi/statements", "PUT", "authorization,x-experience-api-version")
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]


async def test_cors_preflight_of_a_document_write_allows_its_concurrency_headers(client):
    response = await preflight(
        client, "/xapi/activities/state", "DELETE", "authorization,if-match,if-none-match,content-type"
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "DELETE" in response.headers["Access-Control-Allow-Methods"].split(", ")
    allowed = response.headers["Access-Control-Allow-Headers"].split(", ")
    assert {"Authorization", "If-Match", "If-None-Match", "Content-Type"} <= set(allowed)


async def test_cors_headers_on_normal_responses(xapi):
    response = await xapi.get("/xapi/statements", headers={"Origin": "http://elsewhere.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Experience-API-Consistent-Through" in response.headers["Access-Control-Expose-Headers"]


async def test_a_doubled_slash_after_the_endpoint_reaches_the_resource(xapi):
    # An AU library joining an endpoint that ends in "/" with "/statements" asks for //statements.
    statement = make_statement(id=str(uuid.uuid4()))
    response = await xapi.put(f"/xapi//statements?statementId={statement['id']}", json=statement)
    assert response.status == 204, await response.text()
    response = await xapi.get(f"/xapi//statements?statementId={statement['id']}")
    assert (await response.json())["id"] == statement["id"]
    assert response.headers["X-Experience-API-Consistent-Through"]
    agent = json.dumps(statement["actor"])
    state = "/xapi//activities//state?" + urlencode(
        {"activityId": "http://example.com/a", "agent": agent, "stateId": "s"}
    )
    assert (await xapi.put(state, json={"k": 1})).status == 204
    assert await (await xapi.get(state.replace("//", "/"))).json() == {"k": 1}
    form = {"Authorization": ADMIN_AUTH, "X-Experience-API-Version": "1.0.3", "statementId": statement["id"]}
    response = await xapi.client.post(
        "/xapi//statements?method=GET",
        data=urlencode(form),
        headers=FORM,
    )
    assert (await response.json())["id"] == statement["id"]


async def test_a_doubled_slash_changes_neither_authentication_nor_cors(xapi, client):
    assert (await xapi.as_(None).get("/xapi//statements")).status == 401
    assert (await xapi.as_(None).get("/xapi//about")).status == 200
    # The browser's preflight of such a URL gets the same answer, not a redirect it would refuse.
    response = await preflight(
        client, "/xapi//statements", "POST", "authorization,content-type,x-experience-api-version"
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    response = await xapi.get("/xapi//nothing-here", headers={"Origin": "http://elsewhere.example"})
    assert response.status == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_head_on_about_and_on_the_statement_list_gives_get_headers_without_a_body(xapi):
    for path in ("/xapi/about", "/xapi/statements"):
        get = await xapi.get(path)
        head = await xapi.head(path)
        assert head.status == 200, path
        assert await head.read() == b""
        assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["X-Experience-API-Consistent-Through"]


async def test_cachebuster_parameter_of_reads_is_ignored_and_of_writes_refused(xapi):
    statement_id = str(uuid.uuid4())
    assert (
        await xapi.put("/xapi/statements", params={"statementId": statement_id}, json=make_statement())
    ).status == 204
    response = await xapi.get("/xapi/statements", params={"statementId": statement_id, "cachebuster": "1712"})
    assert response.status == 200 and (await response.json())["id"] == statement_id
    assert (await xapi.head("/xapi/about", params={"cachebuster": "1712"})).status == 200
    response = await xapi.put(
        "/xapi/statements", params={"statementId": str(uuid.uuid4()), "cachebuster": "1"}, json=make_statement()
    )
    assert response.status == 400 and "cachebuster" in (await response.json())["detail"]


async def test_alternate_syntax_put_with_headers_in_the_form(client):
    statement_id = str(uuid.uuid4())
    form = {
        "Authorization": ADMIN_AUTH,
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "statementId": statement_id,
        "content": json.dumps(make_statement()),
    }
    response = await client.post(
        "/xapi/statements?method=PUT",
        data=urlencode(form),
        headers=FORM,
    )
    assert response.status == 204, await response.text()
    form = {"Authorization": ADMIN_AUTH, "X-Experience-API-Version": "1.0.3", "statementId": statement_id}
    response = await client.post(
        "/xapi/statements?method=GET",
        data=urlencode(form),
        headers=FORM,
    )
    assert (await response.json())["id"] == statement_id


async def test_alternate_syntax_with_extra_query_parameter_is_400(client):
    response = await client.post(
        "/xapi/statements?method=GET&limit=1",
        data="",
        headers=FORM,
    )
    assert response.status == 400


async def test_errors_are_json_with_error_and_detail(xapi):
    body = await (await xapi.get("/xapi/statements?limit=x")).json()
    assert set(body) == {"error", "detail"} and "limit" in body["detail"]


async def test_unknown_route_is_json_404(xapi):
    response = await xapi.get("/xapi/nothing-here")
    assert response.status == 404
    assert (await response.json())["error"]


async def test_oversized_body_is_413(settings, aiohttp_client):
    small = XAPI(await aiohttp_client(create_app(replace(settings, max_body_mb=1))))
    big = io.BytesIO(b"[" + b" " * (1024 * 1024) + b"]")
    response = await small.post("/xapi/statements", data=big, headers={"Content-Type": "application/json"})
    assert response.status == 413
