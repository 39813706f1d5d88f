"""TinCanPython, TinCanJS and @xapi/xapi, unchanged from their registries, through every xAPI
resource: what each library reports, and what the LRS stored."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.conftest import ADMIN_KEY
from tests.lrs.clients.conftest import LIBRARIES, run_scenario

VERBS = "http://adlnet.gov/expapi/verbs/"
# What each library reports for a document that is not there.
MISSING_DOCUMENT = {"tincanpython": 404, "tincanjs": None, "xapi": 404}


@pytest.fixture(params=LIBRARIES)
def library(request) -> str:
    return request.param


def as_json(contents):
    """TinCanPython hands documents back as text; the JavaScript libraries parse JSON ones."""
    return json.loads(contents) if isinstance(contents, str) else contents


def assert_quoted_sha1(etag: str) -> None:
    assert etag.startswith('"') and etag.endswith('"') and len(etag) == 42, etag


async def test_statements_save_batch_page_with_more_and_void(library, lrs, cfg):
    cfg.update(batch=5, limit=2)
    report = await run_scenario(library, "statements", lrs, cfg)

    one, batch = report["one"], report["batch"]
    assert len(set(batch + [one])) == 6
    # Newest first; a batch shares its `stored` and keeps its order, so it reads back reversed.
    assert [len(page) for page in report["pages"]] == [2, 2, 2]
    assert sum(report["pages"], []) == batch[::-1] + [one]
    assert report["voided"] == one
    assert report["retrieveVoided"] == 404
    assert report["retrieved"] == {"id": batch[0], "verb": VERBS + "progressed", "actor": cfg["agent"]["mbox"]}

    status, voiding = await lrs.get_json("/xapi/statements", statementId=report["voiding"])
    assert status == 200
    assert voiding["verb"]["id"] == VERBS + "voided"
    assert voiding["object"] == {"objectType": "StatementRef", "id": one}
    assert (await lrs.get_json("/xapi/statements", statementId=one))[0] == 404
    assert (await lrs.get_json("/xapi/statements", voidedStatementId=one))[0] == 200
    status, stored = await lrs.get_json("/xapi/statements", statementId=batch[0])
    assert stored["actor"]["mbox"] == cfg["agent"]["mbox"]
    assert stored["object"]["id"] == cfg["activityId"]
    assert stored["authority"]["account"]["name"] == ADMIN_KEY
    status, listed = await lrs.get_json("/xapi/statements", agent=json.dumps(cfg["agent"]))
    assert [s["id"] for s in listed["statements"]] == [report["voiding"]] + batch[::-1]


async def test_state_set_get_merge_update_with_etag_list_and_delete(library, lrs, cfg):
    report = await run_scenario(library, "state", lrs, cfg)

    assert as_json(report["bookmark"]["contents"]) == {"page": 1, "chapter": "one"}
    assert report["bookmark"]["contentType"] == "application/json"
    assert_quoted_sha1(report["bookmark"]["etag"])
    merges = library != "tincanpython"  # TinCanPython has no POST for State
    if merges:
        assert report["merged"] == {"page": 2, "chapter": "one"}
    assert report["stale"] == 412
    assert report["notes"] == "second notes"
    assert report["ids"] == ["bookmark", "notes"]
    assert report["idsAfterDrop"] == ["bookmark"]
    assert report["dropped"] == MISSING_DOCUMENT[library]
    assert report["otherIds"] == []

    where = {"activityId": cfg["activityId"], "agent": json.dumps(cfg["agent"])}
    status, bookmark = await lrs.get_json("/xapi/activities/state", stateId="bookmark",
                                          registration=cfg["registration"], **where)
    assert status == 200
    assert bookmark == ({"page": 2, "chapter": "one"} if merges else {"page": 1, "chapter": "one"})
    # The documents were written under the registration, and only under it.
    assert (await lrs.get_json("/xapi/activities/state", stateId="bookmark", **where))[0] == 404
    assert (await lrs.get_json("/xapi/activities/state", stateId="notes", registration=cfg["registration"],
                               **where))[0] == 404


@pytest.mark.parametrize("kind", ["activity", "agent"])
async def test_profiles_create_get_update_with_etag_list_and_delete(library, kind, start_lrs, cfg):
    # TinCanPython creates a profile with a PUT that has neither If-Match nor If-None-Match.
    lrs = await start_lrs(unconditional_profile_put="create")
    report = (await run_scenario(library, "profiles", lrs, cfg))[kind]

    # Creating again is refused: 412 under If-None-Match: *, 409 without either header.
    assert report["secondCreate"] == (409 if library == "tincanpython" else 412)
    assert as_json(report["created"]["contents"]) == {"theme": "dark"}
    assert report["created"]["contentType"] == "application/json"
    assert report["stale"] == 412
    assert as_json(report["updated"]["contents"]) == {"theme": "light", "size": 2}
    assert_quoted_sha1(report["updated"]["etag"])
    assert report["updated"]["etag"] != report["created"]["etag"]
    assert report["ids"] == ["avatar", "settings"]
    assert report["idsAfterDrop"] == ["settings"]

    url, place = {
        "activity": ("/xapi/activities/profile", {"activityId": cfg["activityId"]}),
        "agent": ("/xapi/agents/profile", {"agent": json.dumps(cfg["agent"])}),
    }[kind]
    response = await lrs.xapi.get(url, params={"profileId": "settings", **place})
    assert json.loads(await response.read()) == {"theme": "light", "size": 2}
    assert response.headers["ETag"] == report["updated"]["etag"]
    assert (await lrs.get_json(url, profileId="avatar", **place))[0] == 404


async def test_tincanpython_new_profile_without_concurrency_header_is_refused_by_default(lrs, cfg):
    report = await run_scenario("tincanpython", "profiles", lrs, cfg)

    for kind in ("activity", "agent"):
        assert report[kind]["create"] == 400
        assert "If-None-Match" in json.loads(report[kind]["createError"])["detail"]
    assert (await lrs.get_json("/xapi/activities/profile", activityId=cfg["activityId"]))[1] == []
    assert (await lrs.get_json("/xapi/agents/profile", agent=json.dumps(cfg["agent"])))[1] == []


@pytest.mark.parametrize("library", ["tincanjs", "xapi"])
async def test_statement_with_attachment_round_trips_through_multipart(library, lrs, cfg):
    content = "Field notes: basalt, granite, \u00e9clogite."
    data = content.encode()
    # Under Node, @xapi/xapi's default adapter loses the multipart Content-Type (see its driver).
    cfg.update(attachment=content, attachmentLength=len(data), attachmentSha2=hashlib.sha256(data).hexdigest(),
               adapter="fetch")
    report = await run_scenario(library, "attachments", lrs, cfg)

    assert report["sha2"] == hashlib.sha256(data).hexdigest()
    assert report["content"] == content
    status, stored = await lrs.get_json("/xapi/statements", statementId=report["id"])
    assert stored["attachments"][0]["sha2"] == report["sha2"]
    assert stored["attachments"][0]["length"] == len(data)


async def test_about_activities_and_agents(library, lrs, cfg):
    definition = {"name": {"en-US": "Rock types"}}
    response = await lrs.xapi.post("/xapi/statements", json={
        "actor": cfg["agent"], "verb": {"id": VERBS + "experienced"},
        "object": {"objectType": "Activity", "id": cfg["activityId"], "definition": definition},
    })
    assert response.status == 200
    report = await run_scenario(library, "about", lrs, cfg)

    assert report["versions"] == ["1.0.3"]
    if library != "tincanpython":  # which has no call for the Activities resource
        assert report["activity"] == {"id": cfg["activityId"], "name": definition["name"]}
    if library == "xapi":  # the only one of the three with a call for the Agents resource
        assert report["person"] == {
            "objectType": "Person", "name": [cfg["agent"]["name"]], "mbox": [cfg["agent"]["mbox"]],
        }
