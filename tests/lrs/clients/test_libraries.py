"""TinCanPython (in a thread), TinCanJS and @xapi/xapi (under Node), unchanged from their
registries, through every xAPI resource: what each library reports, and what the LRS stored
(the checks are in expectations.py)."""

from __future__ import annotations

import json

import pytest

from tests.lrs.clients import expectations
from tests.lrs.clients.conftest import LIBRARIES, run_scenario


@pytest.fixture(params=LIBRARIES)
def library(request) -> str:
    return request.param


async def test_statements_save_batch_page_with_more_and_void(library, lrs, cfg):
    await expectations.check_statements(library, lrs, cfg, run_scenario)


async def test_state_set_get_merge_update_with_etag_list_and_delete(library, lrs, cfg):
    await expectations.check_state(library, lrs, cfg, run_scenario)


@pytest.mark.parametrize("kind", ["activity", "agent"])
async def test_profiles_create_get_update_with_etag_list_and_delete(library, kind, start_lrs, cfg):
    # TinCanPython creates a profile with a PUT that has neither If-Match nor If-None-Match.
    lrs = await start_lrs(unconditional_profile_put="create")
    await expectations.check_profiles(library, kind, lrs, cfg, run_scenario)


async def test_tincanpython_new_profile_without_concurrency_header_is_refused_by_default(lrs, cfg):
    report = await run_scenario("tincanpython", "profiles", lrs, cfg)

    for kind in ("activity", "agent"):
        assert report[kind]["create"] == 400
        assert "If-None-Match" in json.loads(report[kind]["createError"])["detail"]
    assert (await lrs.get_json("/xapi/activities/profile", activityId=cfg["activityId"]))[1] == []
    assert (await lrs.get_json("/xapi/agents/profile", agent=json.dumps(cfg["agent"])))[1] == []


@pytest.mark.parametrize("library", ["tincanjs", "xapi"])
async def test_statement_with_attachment_round_trips_through_multipart(library, lrs, cfg):
    # Under Node, @xapi/xapi's default adapter loses the multipart Content-Type (see its driver).
    cfg["adapter"] = "fetch"
    await expectations.check_attachments(library, lrs, cfg, run_scenario)


async def test_about_activities_and_agents(library, lrs, cfg):
    await expectations.check_about(library, lrs, cfg, run_scenario)


@pytest.mark.parametrize("library", ["tincanpython", "tincanjs"])
@pytest.mark.parametrize("version", ["1.0.0", "1.0.1"])
async def test_clients_speaking_an_earlier_1_0_version_are_served(library, version, lrs, cfg):
    # TinCanJS speaks 1.0.2 unless told otherwise, TinCanPython 1.0.3.
    cfg.update(batch=2, limit=2, since=expectations.recent(), version=version)
    report = await run_scenario(library, "statements", lrs, cfg)

    assert report["ascending"] == [report["one"]] + report["batch"]
    status, stored = await lrs.get_json("/xapi/statements", statementId=report["batch"][0])
    assert status == 200 and stored["version"].startswith("1.0.")


# @xapi/xapi speaks xAPI 2.0 when told to: the same scenarios, every request under the 2.0 rules
# (which also let it create a profile document with a bare PUT, without LRS_UNCONDITIONAL_PROFILE_PUT).
async def test_xapi_library_speaking_2_0_statements(lrs, cfg):
    cfg["version"] = "2.0.0"
    await expectations.check_statements("xapi", lrs, cfg, run_scenario)
    # Stored under the 2.0 rules: a statement sent without `version` was given 2.0.0.
    response = await lrs.xapi.get(
        "/xapi/statements", params={"agent": json.dumps(cfg["agent"])}, headers={"X-Experience-API-Version": "2.0.0"}
    )
    versions = {statement["version"] for statement in (await response.json())["statements"]}
    assert response.headers["X-Experience-API-Version"] == "2.0.0" and versions == {"2.0.0"}


async def test_xapi_library_speaking_2_0_state(lrs, cfg):
    cfg["version"] = "2.0.0"
    await expectations.check_state("xapi", lrs, cfg, run_scenario)


@pytest.mark.parametrize("kind", ["activity", "agent"])
async def test_xapi_library_speaking_2_0_profiles(kind, lrs, cfg):
    cfg["version"] = "2.0.0"
    await expectations.check_profiles("xapi", kind, lrs, cfg, run_scenario)


async def test_xapi_library_speaking_2_0_attachments(lrs, cfg):
    cfg.update(version="2.0.0", adapter="fetch")
    report = await expectations.check_attachments("xapi", lrs, cfg, run_scenario)
    # Sent under the 2.0 rules (multipart included): stored as a 2.0.0 statement.
    response = await lrs.xapi.get(
        "/xapi/statements", params={"statementId": report["id"]}, headers={"X-Experience-API-Version": "2.0.0"}
    )
    assert (await response.json())["version"] == "2.0.0"
