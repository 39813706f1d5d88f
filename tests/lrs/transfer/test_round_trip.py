"""Export -> import into an empty store gives the same statements (by the xAPI comparison rules),
in the same order, and the same documents; importing twice changes nothing; an import pulled
from another LRS over HTTP gives the same; interrupted exports and imports go on where they were."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from aiohttp import web

from lrs.errors import BadRequest
from lrs.keys import database_key, statement_hooks_key
from lrs.statements.compare import same_statement
from lrs.statements.query import StatementQuery
from lrs.transfer import format
from lrs.transfer.cli import resume_point
from lrs.transfer.export import export_lines, read_written
from lrs.transfer.importer import Importer, import_principal
from lrs.transfer.sources import import_file, import_remote
from tests.conftest import ADMIN_KEY, ADMIN_SECRET, XAPI, make_statement
from tests.lrs.http.test_attachments import attachment, multipart, post_signed, rsa_key

ADA = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
DOCUMENTS = [
    (
        "/xapi/activities/state?activityId=http://example.com/a&stateId=progress&registration="
        "6f1d7bbe-7c44-4a16-9d3c-1ba6b2c0f0aa&agent=" + json.dumps(ADA),
        b'{"page": 3}',
        "application/json",
    ),
    (
        "/xapi/activities/state?activityId=http://example.com/a&stateId=blob&agent=" + json.dumps(ADA),
        b"\x00\x01binary",
        "application/octet-stream",
    ),
    ("/xapi/agents/profile?profileId=prefs&agent=" + json.dumps(ADA), b'{"lang": "fr"}', "application/json"),
    ("/xapi/activities/profile?profileId=notes&activityId=http://example.com/a", b"text", "text/plain"),
]


@pytest.fixture
def target(second_lrs):
    """A second, empty LRS on a database of its own."""
    return second_lrs


async def post(xapi, statement, *bodies) -> str:
    if bodies:
        data, headers = multipart(statement, *bodies)
        response = await xapi.post("/xapi/statements", data=data, headers=headers)
    else:
        response = await xapi.post("/xapi/statements", json=statement)
    assert response.status == 200, await response.text()
    return (await response.json())[0]


@pytest.fixture
async def filled(xapi):
    """Every kind of thing a store holds; returns the ids of all statements, voided ones included."""
    shared = b"a body two statements use"
    ids = [await post(xapi, make_statement(actor=ADA, result={"extensions": {"http://example.com/x.y": {"$k": 1}}}))]
    for n in range(7):
        ids.append(await post(xapi, make_statement(object={"id": f"http://example.com/act/{n}"})))
    ids.append(await post(xapi, make_statement(attachments=[attachment(shared)]), (shared, "text/plain")))
    ids.append(await post(xapi, make_statement(actor=ADA, attachments=[attachment(shared)]), (shared, "text/plain")))
    signed = make_statement(id=str(uuid.uuid4()))
    assert (await post_signed(xapi, signed, signed, rsa_key())).status == 200
    ids.append(signed["id"])
    ids.append(
        await post(xapi, make_statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": ids[1]}))
    )
    ids.append(await post(xapi, make_statement(object={"objectType": "StatementRef", "id": ids[0]})))
    ids.append(
        await post(
            xapi,
            make_statement(
                actor={"objectType": "Group", "member": [ADA]},
                object={
                    "objectType": "SubStatement",
                    "actor": ADA,
                    "verb": {"id": "http://example.com/v"},
                    "object": {"id": "http://example.com/a"},
                },
            ),
        )
    )
    for path, content, content_type in DOCUMENTS:
        response = await xapi.put(path, data=content, headers={"Content-Type": content_type, "If-None-Match": "*"})
        assert response.status == 204
    return ids


async def export_to(path, database, query=StatementQuery(), found=None, with_documents=True, written=None):
    with path.open("ab") as out:
        async for line in export_lines(database, query, found or {}, with_documents, written):
            out.write(format.dump(line).encode())


def importer_for(client: XAPI, hooks=None) -> Importer:
    app = client.client.server.app
    return Importer(
        app[database_key], hooks if hooks is not None else app[statement_hooks_key], import_principal(""), batch_size=4
    )


async def fetch(xapi, statement_id: str) -> dict | None:
    for param in ("statementId", "voidedStatementId"):
        response = await xapi.get(f"/xapi/statements?{param}={statement_id}&attachments=true")
        if response.status == 200:
            return {"param": param, "body": await response.read(), "type": response.headers["Content-Type"]}
    return None


async def listed(xapi) -> list[str]:
    body = await (await xapi.get("/xapi/statements?ascending=true&limit=500")).json()
    return [s["id"] for s in body["statements"]]


async def assert_same_store(source, target, ids: list[str], documents: bool = True) -> None:
    from lrs.http.multipart import parse_multipart

    for statement_id in ids:
        ours, theirs = await fetch(source, statement_id), await fetch(target, statement_id)
        assert theirs is not None and ours["param"] == theirs["param"], statement_id
        if ours["type"].startswith("multipart"):
            our_parts, their_parts = (
                parse_multipart(ours["body"], ours["type"]),
                parse_multipart(theirs["body"], theirs["type"]),
            )
            assert [p.data for p in our_parts[1:]] == [p.data for p in their_parts[1:]]
            ours_json, theirs_json = json.loads(our_parts[0].data), json.loads(their_parts[0].data)
        else:
            ours_json, theirs_json = json.loads(ours["body"]), json.loads(theirs["body"])
        assert same_statement(ours_json, theirs_json), statement_id
    assert await listed(target) == await listed(source)
    for path, content, content_type in DOCUMENTS if documents else ():
        response = await target.get(path)
        assert response.status == 200 and await response.read() == content
        assert response.headers["Content-Type"].startswith(content_type)


async def test_export_then_import_into_an_empty_store_gives_the_same_store(xapi, target, filled, database, tmp_path):
    path = tmp_path / "export.ndjson"
    await export_to(path, database)
    importer = importer_for(target)
    assert await import_file(importer, path, False, lambda total, done: None) is False
    assert importer.counts.statements == len(filled) and importer.counts.rejected == 0
    assert importer.counts.documents == len(DOCUMENTS)
    await assert_same_store(xapi, target, filled)

    again = importer_for(target)  # idempotent: the same file again stores nothing new
    await import_file(again, path, False, lambda total, done: None)
    assert again.counts.statements == len(filled) and again.counts.documents_existing == len(DOCUMENTS)
    assert len(await listed(target)) == len(await listed(xapi))


async def test_filtered_export_holds_only_matching_statements(xapi, filled, database, tmp_path):
    path = tmp_path / "ada.ndjson"
    found = {"agent": json.dumps(ADA)}
    await export_to(path, database, StatementQuery(agent=ADA), found, with_documents=True)
    lines = [json.loads(raw) for raw in path.read_bytes().splitlines()]
    assert lines[0]["filter"] == found
    exported = [line["statement"]["id"] for line in lines if "statement" in line]
    # Ada's own two, the one targeting hers (a StatementRef matches what its target matches) and
    # the one of a Group she is a member of: as GET /statements?agent= answers.
    assert exported == [filled[0], filled[9], filled[12], filled[13]]
    assert len([line for line in lines if "document" in line]) == 3  # Ada's, not the activity profile


async def test_import_pulled_from_another_lrs_over_http(xapi, target, filled):
    importer = importer_for(target)
    url = str(xapi.client.make_url("/xapi"))
    await import_remote(importer, url, ADMIN_KEY, ADMIN_SECRET, False, lambda total, done: None)
    assert importer.counts.rejected == 0
    await assert_same_store(xapi, target, filled, documents=False)


async def a_foreign_lrs(aiohttp_server, answer) -> str:
    """Another LRS that answers every GET /statements with `answer`."""

    async def statements(request: web.Request) -> web.Response:
        return web.json_response(answer)

    app = web.Application()
    app.router.add_get("/xapi/statements", statements)
    return str((await aiohttp_server(app)).make_url("/xapi"))


@pytest.mark.parametrize(
    "answer",
    [{"more": ""}, {"statements": "none"}, {"statements": [1, 2]}],
    ids=["no-statements", "not-a-list", "not-objects"],
)
async def test_a_pull_from_a_source_that_answers_no_statement_result_is_refused(target, aiohttp_server, answer):
    importer = importer_for(target)
    url = await a_foreign_lrs(aiohttp_server, answer)
    with pytest.raises(BadRequest, match="answered no StatementResult"):
        await import_remote(importer, url, "k", "s", False, lambda total, done: None)
    assert importer.counts.statements == 0 and await listed(target) == []


async def test_a_pulled_voiding_statement_without_a_target_is_refused_alone(target, aiohttp_server):
    voiding = make_statement(
        id=str(uuid.uuid4()), verb={"id": VOIDED}, object={"objectType": "StatementRef"}, stored="2026-01-01T00:00:00Z"
    )
    fine = make_statement(id=str(uuid.uuid4()), stored="2026-01-01T00:00:01Z")
    importer = importer_for(target)
    url = await a_foreign_lrs(aiohttp_server, {"statements": [voiding, fine]})
    await import_remote(importer, url, "k", "s", False, lambda total, done: None)
    assert (importer.counts.statements, importer.counts.rejected) == (1, 1)
    assert importer.counts.problems[0].startswith(f"statement {voiding['id']}: 400")


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1:8799/xapi", "not a url", "http://127.0.0.1:1/xapi"],
    ids=["ftp", "no-scheme", "closed-port"],
)
async def test_a_pull_from_an_address_that_does_not_answer_is_refused(target, url):
    with pytest.raises(BadRequest, match="ClientError|Connect"):
        await import_remote(importer_for(target), url, "k", "s", False, lambda total, done: None)


async def test_interrupted_export_goes_on_without_gaps_or_repeats(xapi, filled, database, tmp_path):
    whole = tmp_path / "whole.ndjson"
    await export_to(whole, database)
    cut = tmp_path / "cut.ndjson"
    raw = whole.read_bytes().splitlines(keepends=True)
    cut.write_bytes(b"".join(raw[:9]) + raw[9][:20])  # stopped in the middle of a line
    written = read_written(cut)
    with cut.open("r+b") as file:
        file.truncate(written.complete_bytes)
    await export_to(cut, database, written=written)
    assert cut.read_bytes().splitlines()[1:] == whole.read_bytes().splitlines()[1:]


STORED_STATEMENT = b'{"statement": {"id": "x", "stored": "2026-01-01T00:00:00.000Z"}}\n'


@pytest.mark.parametrize(
    "content",
    [
        b"garbage\n",
        b"42\n",
        b'{"statement": {"id": "x"}}\n',
        b'{"other": 1}\n',
        b"\xff\xfe\n",
        b"precious data without a newline",
        STORED_STATEMENT,
    ],
    ids=[
        "not-json",
        "not-an-object",
        "statement-without-stored",
        "unknown-kind",
        "not-utf-8",
        "no-complete-line",
        "no-header",
    ],
)
def test_resuming_a_file_that_is_not_an_export_is_refused_and_leaves_it_alone(tmp_path, content):
    path = tmp_path / "other.ndjson"
    path.write_bytes(content)
    with pytest.raises(BadRequest, match="line 1 is not a line of an lrs export"):
        resume_point(path)  # what `lrs export --resume -o path` does first
    assert path.read_bytes() == content


@pytest.mark.parametrize("cut", [0, 5, 30])
def test_resuming_an_export_cut_within_its_header_starts_it_again(tmp_path, cut):
    header = format.dump(format.header_line({}, datetime.now(UTC))).encode()
    path = tmp_path / "cut.ndjson"
    path.write_bytes(header[:cut])
    written = resume_point(path)
    assert written.complete_bytes == 0 and path.read_bytes() == b""


class FailOnce:
    """A statement hook that makes the third batch fail, as an interruption would."""

    def __init__(self) -> None:
        self.batches = 0

    async def before_store(self, statements, ctx) -> None:
        self.batches += 1
        if self.batches == 3:
            raise RuntimeError("interrupted")

    async def after_store(self, statements, ctx) -> None:
        pass


async def test_interrupted_import_resumes_from_its_checkpoint(xapi, target, filled, database, tmp_path):
    path = tmp_path / "export.ndjson"
    await export_to(path, database)
    with pytest.raises(RuntimeError):
        await import_file(importer_for(target, [FailOnce()]), path, False, lambda total, done: None)
    assert 0 < len(await listed(target)) < len(filled)
    seen = []
    resumed = importer_for(target)
    assert await import_file(resumed, path, False, lambda total, done: seen.append((total, done))) is True
    assert seen == [(len(filled), 8)]  # two batches of four were stored before the interruption
    assert resumed.counts.statements == len(filled) - 8
    await assert_same_store(xapi, target, filled)


@pytest.fixture
async def filled_2_0(xapi, xapi2):
    """Statements stored under xAPI 2.0 (context agents and groups, UTC timestamps, version 2.0.0),
    one of them voided and one with an attachment, beside a 1.0.3 one with a timestamp offset."""
    data = b"a 2.0 attachment"
    context = {
        "contextAgents": [
            {"objectType": "contextAgent", "agent": ADA, "relevantTypes": ["http://example.com/types/mentor"]}
        ],
        "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "member": [ADA]}}],
    }
    ids = [
        await post(xapi2, make_statement(context=context, timestamp="2026-01-01T10:00:00+02:00", version="2.0.0")),
        await post(xapi2, make_statement(context=context, attachments=[attachment(data)]), (data, "text/plain")),
        await post(xapi, make_statement(timestamp="2026-01-01T10:00:00+02:00")),
    ]
    ids.append(
        await post(xapi2, make_statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": ids[0]}))
    )
    return ids


async def assert_same_2_0_statements(source, target, ids: list[str]) -> None:
    """Compared as a 2.0 reader receives them, which carries all of a 2.0 statement."""
    for statement_id in ids:
        ours, theirs = (
            await fetch(source.speaking("2.0.0"), statement_id),
            await fetch(target.speaking("2.0.0"), statement_id),
        )
        assert theirs is not None and ours["param"] == theirs["param"], statement_id
        if ours["type"].startswith("multipart"):
            from lrs.http.multipart import parse_multipart

            ours_json = json.loads(parse_multipart(ours["body"], ours["type"])[0].data)
            theirs_json = json.loads(parse_multipart(theirs["body"], theirs["type"])[0].data)
        else:
            ours_json, theirs_json = json.loads(ours["body"]), json.loads(theirs["body"])
        assert same_statement(ours_json, theirs_json), statement_id
        assert ours_json.get("context", {}).get("contextAgents") == theirs_json.get("context", {}).get("contextAgents")
        assert ours_json["version"] == theirs_json["version"]


async def test_xapi_2_statements_survive_export_and_import(xapi, target, filled_2_0, database, tmp_path):
    path = tmp_path / "export.ndjson"
    await export_to(path, database)
    exported = [
        json.loads(raw)["statement"] for raw in path.read_bytes().splitlines() if raw.startswith(b'{"statement"')
    ]
    assert exported[0]["context"]["contextGroups"] and exported[0]["version"] == "2.0.0"
    importer = importer_for(target)
    await import_file(importer, path, False, lambda total, done: None)
    assert importer.counts.statements == len(filled_2_0) and importer.counts.rejected == 0
    await assert_same_2_0_statements(xapi, target, filled_2_0)
    assert await listed(target) == await listed(xapi)


async def test_xapi_2_statements_survive_a_pull_from_another_lrs(xapi, target, filled_2_0):
    importer = importer_for(target)
    await import_remote(
        importer, str(xapi.client.make_url("/xapi")), ADMIN_KEY, ADMIN_SECRET, False, lambda total, done: None
    )
    assert importer.counts.rejected == 0
    await assert_same_2_0_statements(xapi, target, filled_2_0)


async def test_a_refused_statement_is_named_by_its_id_or_else_by_its_place(target):
    importer = importer_for(target)
    no_verb = make_statement()
    del no_verb["verb"]
    bad_with_id = {**no_verb, "id": str(uuid.uuid4())}
    for statement in (make_statement(id=str(uuid.uuid4())), no_verb, bad_with_id):
        importer.add_statement(statement)
    await importer.flush()
    assert importer.counts.statements == 1 and importer.counts.rejected == 2
    first, second = importer.counts.problems
    assert first.startswith("statement number 2 of the import (it has no id): 400")
    assert second.startswith(f"statement {bad_with_id['id']}: 400")
