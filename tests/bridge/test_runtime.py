"""The run-time endpoints as the player calls them (no browser): start, commits, statements, State."""

from __future__ import annotations

import asyncio
import json
import uuid

from bridge import vocab
from cmi5 import vocab as cmi5_vocab
from tests.bridge.conftest import cmi, multi_sco, single_sco, verbs

PASSED = "http://adlnet.gov/expapi/verbs/passed"


async def session(scorm, package=None, registration=None, **launch):
    package = package or await scorm.import_package(single_sco())
    registration = registration or await scorm.register(package["course"])
    player = await scorm.launch_sco(package, registration, **launch)
    return package, registration, player


async def statements(scorm, registration):
    return await scorm.statements(registration=registration)


def categories(statement):
    return [c["id"] for c in statement["context"]["contextActivities"].get("category", [])]


async def test_start_gives_the_data_model_the_sco_begins_with(scorm):
    package = await scorm.import_package(
        single_sco(
            extra="<adlcp:datafromlms>chapter=2</adlcp:datafromlms>"
            "<adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>"
            "<adlcp:timelimitaction>exit,message</adlcp:timelimitaction>"
        )
    )
    _, _, player = await session(scorm, package)
    started = await player.start()
    assert started["cmi"]["core"] == {
        "student_id": "learner-1",
        "student_name": "Learner",
        "lesson_location": "",
        "credit": "credit",
        "entry": "ab-initio",
        "lesson_mode": "normal",
        "total_time": "0000:00:00",
    }
    assert started["cmi"]["launch_data"] == "chapter=2"
    assert started["cmi"]["student_data"] == {
        "mastery_score": "80",
        "max_time_allowed": "00:30:00",
        "time_limit_action": "exit,message",
    }
    assert started["launch"].endswith(f"/scorm/content/{package['id']}/sco/index.html")
    assert (started["sequence"], started["initialized"], started["finished"]) == (0, False, False)


async def test_each_sco_of_a_package_starts_with_its_own_launch_file_and_values(scorm):
    package = await scorm.import_package(multi_sco())
    registration = await scorm.register(package["course"])
    for sco, launch, mastery in ((0, "one/index.html", "70"), (1, "two/index.html?lang=en&page=2", None)):
        started = await (await scorm.launch_sco(package, registration, sco=sco)).start()
        assert started["launch"].endswith(f"/scorm/content/{package['id']}/{launch}")
        assert started["title"] == package["scos"][sco]["title"]
        assert started["cmi"]["student_data"].get("mastery_score") == mastery


async def test_a_full_session_becomes_the_profile_statements_and_satisfies_the_course(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send("commit", cmi(location="page-2"))
    await player.send("commit", cmi(status="passed", raw="85", session_time="00:01:30", location="page-9"))
    await player.send("finish", cmi(status="passed", raw="85", session_time="00:02:00", location="page-9"))
    found = await statements(scorm, registration)
    # passed means completed too (SCORM 1.2 has one status for both): two facts, two statements.
    assert verbs(found) == ["launched", "initialized", "completed", "passed", "scored", "satisfied", "terminated"]
    completed, passed = found[2:4]
    assert completed["result"] == {"completion": True, "duration": "PT90S"}
    assert passed["result"] == {"success": True, "duration": "PT90S", "score": {"scaled": 0.85}}
    assert (
        categories(passed)
        == categories(completed)
        == [cmi5_vocab.CATEGORY_CMI5, cmi5_vocab.CATEGORY_MOVEON, vocab.PROFILE_ACTIVITY]
    )
    assert found[4]["result"]["score"] == {"raw": 85, "max": 100, "scaled": 0.85}
    assert found[6]["result"] == {"duration": "PT120S"}
    assert categories(found[6]) == [cmi5_vocab.CATEGORY_CMI5, vocab.PROFILE_ACTIVITY]
    grouping = [
        a["definition"]["type"] for a in found[1]["context"]["contextActivities"]["grouping"] if "definition" in a
    ]
    assert grouping == [vocab.TYPE_COURSE, vocab.TYPE_ATTEMPT]
    assert all(
        s["authority"]["name"] == "cmi5 AU launch" for s in found[1:] if s["verb"]["display"]["en-US"] != "satisfied"
    )
    assert (await scorm.status(registration))["satisfied"] is True
    attempt = json.loads(await player.state(vocab.ATTEMPT_STATE_ID))
    assert attempt == {"credit": "credit", "mode": "normal", "location": "page-9", "total_time": "PT120S"}
    activity = json.loads(await player.state(vocab.ACTIVITY_STATE_ID))
    assert len(activity["attempts"]) == 1 and "/attempts/" in activity["attempts"][0]


async def test_repeated_and_late_commits_change_nothing(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send("commit", cmi(status="completed", location="late", session_time="00:00:10"), sequence=5)
    again = await player.send("commit", cmi(status="completed", location="late", session_time="00:00:10"), sequence=5)
    older = await player.send("commit", cmi(status="incomplete", location="early"), sequence=3)
    assert (again["applied"], older["applied"]) == (False, False)
    await player.send("finish", cmi(status="completed", location="late"), sequence=6)
    await player.send("finish", cmi(status="completed", location="late"), sequence=6)
    await player.send("unload", cmi(status="incomplete", location="after"), sequence=7)
    assert verbs(await statements(scorm, registration)) == [
        "launched",
        "initialized",
        "completed",
        "satisfied",
        "terminated",
    ]
    assert json.loads(await player.state(vocab.ATTEMPT_STATE_ID))["location"] == "late"


async def test_suspend_and_relaunch_resume_with_location_suspend_data_and_total_time(scorm):
    package, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send(
        "finish", cmi(location="slide-7", suspend_data="a=1;b=2", exit="suspend", session_time="00:05:00")
    )
    assert verbs(await statements(scorm, registration))[-2:] == ["suspended", "terminated"]
    assert await player.state(vocab.SUSPEND_DATA_STATE_ID) == b"a=1;b=2"
    _, _, second = await session(scorm, package, registration)
    started = (await second.start())["cmi"]
    assert (started["core"]["entry"], started["core"]["lesson_location"], started["suspend_data"]) == (
        "resume",
        "slide-7",
        "a=1;b=2",
    )
    assert started["core"]["total_time"] == "0000:05:00"
    await second.send("initialize")
    await second.send("finish", cmi(location="slide-9", session_time="00:01:00.5"))
    assert verbs(await statements(scorm, registration))[-3:] == ["initialized", "resumed", "terminated"]
    _, _, third = await session(scorm, package, registration)
    started = (await third.start())["cmi"]
    # A normal exit ends the attempt: the next one starts afresh, the time spent stays.
    assert (started["core"]["entry"], started["core"]["lesson_location"], started["suspend_data"]) == (
        "ab-initio",
        "",
        "",
    )
    assert started["core"]["total_time"] == "0000:06:00.50"
    activity = json.loads(await third.state(vocab.ACTIVITY_STATE_ID))
    assert len(activity["attempts"]) == 1  # written by the first commit of the new attempt


async def test_suspend_data_over_64000_characters_is_refused_with_the_scorm_error(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send("commit", cmi(suspend_data="kept"))
    answer = await player.send("commit", cmi(suspend_data="x" * 64001), expect=400)
    assert (answer["result"], answer["errorCode"]) == ("false", 405)
    assert "cmi.suspend_data" in answer["detail"] and "64000" in answer["detail"]
    assert await player.state(vocab.SUSPEND_DATA_STATE_ID) == b"kept"


async def test_suspend_data_beyond_scorm_1_2s_4096_is_kept_as_real_courses_need(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send("commit", cmi(suspend_data="y" * 64000))
    assert len(await player.state(vocab.SUSPEND_DATA_STATE_ID)) == 64000


async def test_malformed_commits_are_refused_with_the_scorm_error_and_change_nothing(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    # A 5000-digit raw score could not be written to the outbox (a 500); a 20-digit one made a
    # scored statement the LRS refuses (lost without a word).
    for data in (
        cmi(interactions={"\u00b2": {"id": "q", "student_response": "a"}}),
        cmi(raw="9" * 5000),
        cmi(raw="9" * 20),
    ):
        answer = await player.send("commit", data, expect=400)
        assert (answer["result"], answer["errorCode"]) == ("false", 405), answer
    assert verbs(await statements(scorm, registration)) == ["launched", "initialized"]


async def test_a_passed_below_the_mastery_score_is_recorded_as_failed(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send("finish", cmi(status="passed", raw="75"))
    found = await statements(scorm, registration)
    failed = next(s for s in found if s["verb"]["display"]["en-US"] == "failed")
    assert failed["result"]["score"] == {"scaled": 0.75} and failed["result"]["success"] is False
    assert cmi5_vocab.CATEGORY_CMI5 in categories(failed)
    assert (await scorm.status(registration))["aus"][0]["failed"] is True


async def test_what_cmi5_would_refuse_is_sent_as_cmi5_allowed(scorm):
    package, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send("commit", cmi(status="passed", raw="90"))
    await player.send("commit", cmi(status="failed", raw="20"))  # after passed: cmi5 refuses a cmi5 defined failed
    found = await statements(scorm, registration)
    failed = next(s for s in found if s["verb"]["display"]["en-US"] == "failed")
    assert cmi5_vocab.CATEGORY_CMI5 not in categories(failed) and vocab.PROFILE_ACTIVITY in categories(failed)
    status = (await scorm.status(registration))["aus"][0]
    assert (status["passed"], status["failed"]) == (True, False)
    start = await (await session(scorm, package, registration))[2].start()
    assert start["cmi"]["core"]["lesson_status"] == "passed"  # a completion is never taken back


async def test_browse_and_review_never_overwrite_completion_or_score(scorm):
    package, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send("finish", cmi(status="passed", raw="95", location="end"))
    for mode in ("Browse", "Review"):
        _, _, viewer = await session(scorm, package, registration, launchMode=mode)
        started = (await viewer.start())["cmi"]["core"]
        assert (started["lesson_mode"], started["credit"], started["lesson_status"]) == (
            mode.lower(),
            "no-credit",
            "passed",
        )
        await viewer.send("initialize")
        await viewer.send("finish", cmi(status="browsed", raw="10", location="elsewhere"))
    found = await statements(scorm, registration)
    assert verbs(found).count("scored") == 1 and "browsed" not in verbs(found)
    assert verbs(found)[-2:] == ["initialized", "terminated"]
    _, _, learner = await session(scorm, package, registration)
    core = (await learner.start())["cmi"]["core"]
    assert (core["lesson_status"], core["score"]["raw"]) == ("passed", "95")
    assert json.loads(await learner.state(vocab.ATTEMPT_STATE_ID))["mode"] == "normal"


async def test_interactions_objectives_and_comments_become_statements_once(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    interactions = {
        "0": {
            "id": "q1",
            "type": "choice",
            "student_response": "a,c",
            "result": "correct",
            "latency": "00:00:12",
            "weighting": "1",
            "time": "",
            "objectives": {"0": {"id": "obj-1"}},
            "correct_responses": {"0": {"pattern": "a,c"}},
        },
        "1": {
            "id": "q2",
            "type": "true-false",
            "student_response": "f",
            "result": "wrong",
            "latency": "",
            "weighting": "",
            "time": "",
            "objectives": {},
            "correct_responses": {"0": {"pattern": "t"}},
        },
        "2": {
            "id": "q3",
            "type": "matching",
            "student_response": "1.b,2.a",
            "result": "neutral",
            "latency": "",
            "weighting": "",
            "time": "",
            "objectives": {},
            "correct_responses": {"0": {"pattern": "1.a,2.b"}},
        },
        "3": {
            "id": "q4",
            "type": "numeric",
            "student_response": "",
            "result": "",
            "latency": "",
            "weighting": "",
            "time": "",
            "objectives": {},
            "correct_responses": {"0": {"pattern": "42"}},
        },
    }
    objectives = {"0": {"id": "obj-1", "status": "passed", "score": {"raw": "100", "min": "0", "max": "100"}}}
    data = cmi(interactions=interactions, objectives=objectives, comments="Clear and short.")
    await player.send("commit", data)
    await player.send("commit", data)
    found = await statements(scorm, registration)
    responded = [s for s in found if s["verb"]["id"] == vocab.RESPONDED]
    assert len(responded) == 3  # q4 has no answer yet
    q1, q2, q3 = responded
    assert q1["object"]["definition"]["interactionType"] == "choice"
    assert q1["object"]["definition"]["correctResponsesPattern"] == ["a[,]c"]
    assert [c["id"] for c in q1["object"]["definition"]["choices"]] == ["a", "c"]
    assert q1["result"]["response"] == "a[,]c" and q1["result"]["success"] is True
    assert q1["result"]["duration"] == "PT12S"
    assert q1["object"]["id"].endswith("/interactions/q1")
    assert q1["context"]["contextActivities"]["parent"][0]["id"] == player.activity_id
    assert q1["context"]["contextActivities"]["other"][0]["id"].endswith("/objectives/obj-1")
    assert (q2["result"]["response"], q2["object"]["definition"]["correctResponsesPattern"]) == ("false", ["true"])
    assert q3["result"]["response"] == "1[.]b[,]2[.]a"
    assert [s["id"] for s in q3["object"]["definition"]["source"]] == ["1", "2"]
    assert q3["result"]["extensions"] == {vocab.EXT_INTERACTION_RESULT: "neutral"}
    objective = next(s for s in found if s["object"]["id"].endswith("/objectives/obj-1") and s["verb"]["id"] == PASSED)
    assert objective["result"] == {"success": True, "score": {"raw": 100, "min": 0, "max": 100, "scaled": 1.0}}
    assert cmi5_vocab.CATEGORY_CMI5 not in categories(objective)
    commented = [s for s in found if s["verb"]["id"] == vocab.COMMENTED]
    assert [c["result"]["response"] for c in commented] == ["Clear and short."]
    interactions["3"]["student_response"] = "41"
    await player.send("commit", cmi(interactions=interactions, objectives=objectives, comments="Clear and short."))
    later = [s for s in await statements(scorm, registration) if s["verb"]["id"] == vocab.RESPONDED]
    assert len(later) == 4 and later[-1]["object"]["definition"]["correctResponsesPattern"] == ["42[:]42"]


async def test_a_session_closed_without_finish_keeps_what_it_committed_and_resumes(scorm):
    package, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send("commit", cmi(location="q-3", suspend_data="answers=1,2", session_time="00:02:00"))
    # The learner closes the tab: no LMSFinish. The next launch abandons the session.
    _, _, second = await session(scorm, package, registration)
    started = (await second.start())["cmi"]
    assert (started["core"]["entry"], started["core"]["lesson_location"], started["suspend_data"]) == (
        "resume",
        "q-3",
        "answers=1,2",
    )
    assert started["core"]["total_time"] == "0000:02:00"
    assert "abandoned" in verbs(await statements(scorm, registration))
    stale = await player.send("commit", cmi(location="stale"), expect=409)
    assert (stale["result"], stale["errorCode"]) == ("false", 101)


async def test_only_a_launch_token_reaches_the_runtime(scorm):
    response = await scorm.xapi.post("/scorm/runtime/start", data=json.dumps({}))
    assert response.status == 403
    response = await scorm.client.post(
        "/scorm/runtime/commit", data=json.dumps({"auth": "bm9wZTpub3Bl", "sequence": 1})
    )
    assert response.status == 401
    response = await scorm.client.post(
        "/scorm/runtime/commit", data=json.dumps({"auth": "\u00e9t\u00e9", "sequence": 1})
    )
    assert response.status == 401  # not base64: no token, not a 500


async def test_an_attempt_record_the_launch_token_overwrote_is_started_afresh(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send("commit", cmi(location="p2"))
    stored = json.loads(await player.state(vocab.RUNTIME_STATE_ID))
    params = {
        "activityId": player.activity_id,
        "agent": json.dumps(player.actor),
        "registration": registration,
        "stateId": vocab.RUNTIME_STATE_ID,
    }
    # Each was a 500 on every later start and commit of the SCO.
    for broken in (
        '{"attempt": {}}',
        '{"attempt": 1}',
        json.dumps({**stored, "attempt": {**stored["attempt"], "totalSeconds": float("nan")}}),
        json.dumps({**stored, "session": {**stored["session"], "initializedAt": "yesterday"}}),
        json.dumps({**stored, "outbox": [1]}),
    ):
        response = await player.client.put(
            player.xapi_path("activities/state"),
            params=params,
            data=broken,
            headers={**player.headers(), "Content-Type": "application/json"},
        )
        assert response.status == 204
        started = (await player.start())["cmi"]["core"]
        assert (started["entry"], started["lesson_location"]) == ("ab-initio", ""), broken
        assert (await player.send("commit", cmi(location="p3")))["applied"] is True


async def test_concurrent_commits_apply_in_sequence_order_once(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await asyncio.gather(
        *(player.send("commit", cmi(status="completed", location=f"p{n}"), sequence=n) for n in (6, 3, 5, 2, 4))
    )
    assert verbs(await statements(scorm, registration)).count("completed") == 1
    assert json.loads(await player.state(vocab.RUNTIME_STATE_ID))["attempt"]["location"] == "p6"
    assert json.loads(await player.state(vocab.ATTEMPT_STATE_ID))["location"] == "p6"


async def test_statements_left_in_the_outbox_are_stored_by_the_next_commit(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    stored = (await statements(scorm, registration))[-1]
    pending = {key: stored[key] for key in ("actor", "object", "context", "timestamp")}
    pending.update(
        id=str(uuid.uuid4()),
        verb={"id": vocab.COMMENTED, "display": {"en-US": "commented"}},
        result={"response": "left behind by a crash"},
    )
    pending["context"]["contextActivities"]["category"] = [{"id": vocab.PROFILE_ACTIVITY}]
    record = json.loads(await player.state(vocab.RUNTIME_STATE_ID))
    record["outbox"] = [stored, pending]  # one already stored, one not
    params = {
        "activityId": player.activity_id,
        "agent": json.dumps(player.actor),
        "registration": registration,
        "stateId": vocab.RUNTIME_STATE_ID,
    }
    response = await scorm.xapi.put("/xapi/activities/state", params=params, json=record)
    assert response.status == 204
    answer = await player.send("initialize", sequence=1)  # a repeat: applies nothing, stores the outbox
    assert answer["applied"] is False
    found = await statements(scorm, registration)
    assert [s["id"] for s in found].count(stored["id"]) == 1
    assert found[-1]["result"] == {"response": "left behind by a crash"}
    assert json.loads(await player.state(vocab.RUNTIME_STATE_ID))["outbox"] == []


async def test_a_sco_that_only_initializes_and_finishes_completes_and_satisfies_the_course(scorm):
    package = await scorm.import_package(single_sco(mastery=None))
    _, registration, player = await session(scorm, package)
    await player.start()
    await player.send("initialize")
    await player.send("finish", cmi(status="not attempted"))  # no status was ever set
    assert verbs(await statements(scorm, registration)) == [
        "launched",
        "initialized",
        "completed",
        "terminated",
        "satisfied",
    ]
    au = (await scorm.status(registration))["aus"][0]
    assert (au["completed"], au["passed"], au["satisfied"]) == (True, False, True)
    again = await scorm.launch_sco(package, registration)
    assert (await again.start())["cmi"]["core"]["lesson_status"] == "completed"


async def test_completed_then_passed_before_one_commit_keeps_both_in_the_registration(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    body = {
        "auth": player.token,
        "sequence": player.sequence + 1,
        "event": "commit",
        "statuses": ["completed", "passed"],
        "cmi": cmi(status="passed", raw="90"),
    }
    response = await scorm.client.post("/scorm/runtime/commit", data=json.dumps(body))
    assert response.status == 200, await response.text()
    assert verbs(await statements(scorm, registration)) == [
        "launched",
        "initialized",
        "completed",
        "passed",
        "scored",
        "satisfied",
    ]
    au = (await scorm.status(registration))["aus"][0]
    assert (au["completed"], au["passed"], au["satisfied"]) == (True, True, True)


async def test_statuses_outside_the_scorm_vocabulary_are_refused(scorm):
    _, _, player = await session(scorm)
    await player.start()
    body = {"auth": player.token, "sequence": 1, "event": "commit", "statuses": ["done"], "cmi": cmi()}
    response = await scorm.client.post("/scorm/runtime/commit", data=json.dumps(body))
    assert response.status == 400
    assert (await response.json())["detail"].startswith("statuses.0: 'done' is not one of")
