"""Statements with attachments: multipart/mixed in and out, sha2 checks, signed statements."""

import hashlib
import json
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from lrs.http.multipart import parse_multipart
from tests.conftest import make_statement

USAGE = "http://example.com/attachment-usage/test"
SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


def attachment(data: bytes, content_type: str = "text/plain", usage: str = USAGE) -> dict:
    return {
        "usageType": usage,
        "display": {"en-US": "a file"},
        "contentType": content_type,
        "length": len(data),
        "sha2": hashlib.sha256(data).hexdigest(),
    }


def multipart(statements, *bodies: tuple[bytes, str], boundary: str = "abcABC0123'()+_,-./:=?") -> tuple[bytes, dict]:
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(statements).encode()]
    for data, content_type in bodies:
        chunks.append(
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {hashlib.sha256(data).hexdigest()}\r\n\r\n".encode()
        )
        chunks.append(data)
    chunks.append(f"\r\n--{boundary}--".encode())
    return b"".join(chunks), {"Content-Type": f'multipart/mixed; boundary="{boundary}"'}


async def test_attachment_round_trip_through_multipart(xapi):
    data = b"here is a simple attachment\x00\xff binary"
    statement = make_statement(attachments=[attachment(data, "application/octet-stream")])
    body, headers = multipart(statement, (data, "application/octet-stream"))
    response = await xapi.post("/xapi/statements", data=body, headers=headers)
    assert response.status == 200, await response.text()
    [statement_id] = await response.json()

    response = await xapi.get(f"/xapi/statements?statementId={statement_id}&attachments=true")
    assert response.content_type == "multipart/mixed"
    parts = parse_multipart(await response.read(), response.headers["Content-Type"])
    assert json.loads(parts[0].data)["id"] == statement_id
    assert parts[1].data == data
    assert parts[1].headers["X-Experience-API-Hash"] == hashlib.sha256(data).hexdigest()


async def test_attachments_false_returns_json_without_bodies(xapi):
    data = b"content"
    body, headers = multipart(make_statement(attachments=[attachment(data)]), (data, "text/plain"))
    [statement_id] = await (await xapi.post("/xapi/statements", data=body, headers=headers)).json()
    response = await xapi.get(f"/xapi/statements?statementId={statement_id}")
    assert response.content_type == "application/json"


async def test_one_body_shared_by_two_statements_is_sent_once(xapi):
    data = b"shared"
    statements = [make_statement(attachments=[attachment(data)]) for _ in range(2)]
    body, headers = multipart(statements, (data, "text/plain"))
    assert (await xapi.post("/xapi/statements", data=body, headers=headers)).status == 200
    response = await xapi.get("/xapi/statements?attachments=true")
    parts = parse_multipart(await response.read(), response.headers["Content-Type"])
    assert len(json.loads(parts[0].data)["statements"]) == 2
    assert [p.data for p in parts[1:]] == [data]


async def test_each_list_page_carries_its_own_attachments_and_more_keeps_asking_for_them(xapi):
    older, newer = b"older body", b"newer body"
    for data in (older, newer):
        body, headers = multipart(make_statement(attachments=[attachment(data)]), (data, "text/plain"))
        assert (await xapi.post("/xapi/statements", data=body, headers=headers)).status == 200
    response = await xapi.get("/xapi/statements?attachments=true&limit=1")
    parts = parse_multipart(await response.read(), response.headers["Content-Type"])
    assert [p.data for p in parts[1:]] == [newer]
    response = await xapi.get(json.loads(parts[0].data)["more"])
    assert response.content_type == "multipart/mixed"
    parts = parse_multipart(await response.read(), response.headers["Content-Type"])
    assert [p.data for p in parts[1:]] == [older]


async def test_attachment_without_file_url_or_part_is_400(xapi):
    response = await xapi.post("/xapi/statements", json=make_statement(attachments=[attachment(b"missing")]))
    assert response.status == 400


async def test_file_url_attachment_needs_no_part(xapi):
    file_attachment = {**attachment(b"remote"), "fileUrl": "http://example.com/file.txt"}
    response = await xapi.post("/xapi/statements", json=make_statement(attachments=[file_attachment]))
    assert response.status == 200


async def test_part_whose_hash_does_not_match_its_content_is_400(xapi):
    statement = make_statement(attachments=[attachment(b"original")])
    body, headers = multipart(statement, (b"original", "text/plain"))
    body = body.replace(b"original\r\n--", b"tampered\r\n--")
    response = await xapi.post("/xapi/statements", data=body, headers=headers)
    assert response.status == 400
    assert (await (await xapi.get("/xapi/statements")).json())["statements"] == []


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


async def post_signed(xapi, statement: dict, signed_payload: dict, key, algorithm="RS256"):
    token = jwt.encode(signed_payload, key, algorithm=algorithm).encode()
    signature = attachment(token, "application/octet-stream", SIGNATURE)
    body, headers = multipart({**statement, "attachments": [signature]}, (token, "application/octet-stream"))
    return await xapi.post("/xapi/statements", data=body, headers=headers)


async def test_signed_statement_with_matching_payload_is_accepted(xapi):
    statement = make_statement(id=str(uuid.uuid4()))
    response = await post_signed(xapi, statement, statement, rsa_key())
    assert response.status == 200, await response.text()


async def test_signed_statement_whose_payload_differs_is_400(xapi):
    statement = make_statement(id=str(uuid.uuid4()))
    payload = {**statement, "verb": {"id": "http://example.com/verbs/other"}}
    response = await post_signed(xapi, statement, payload, rsa_key())
    assert response.status == 400
