"""The SCORM 2004 run-time as the player calls it (no browser): start, commits, the course's
sequencing state and hand-over, and the statements and State they make."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlsplit

from bridge import vocab
from cmi5 import vocab as cmi5_vocab
from tests.bridge.conftest import Player, cmi2004, passing_score, sequenced_course, single_sco_2004, verbs
from tests.cmi5.conftest import LEARNER

PROGRESSED = "http://adlnet.gov/expapi/verbs/progressed"


async def session(scorm, package=None, registration=None, sco=0, **launch):
    package = package or await scorm.import_package(single_sco_2004(passing_score()))
    registration = registration or await scorm.register(package["course"])
    player = await scorm.launch_sco(package, registration, sco=sco, **launch)
    return package, registration, player


async def statements(scorm, registration):
    return await scorm.statements(registration=registration)


def about(found: list[dict], verb: str) -> list[dict]:
    return [s for s in found if s["verb"]["display"]["en-US"] == verb]


def categories(statement):
    return [c["id"] for c in statement["context"]["contextActivities"].get("category", [])]


async def sequencing(player: Player, expect: int = 200, **body) -> dict:
    data = io.BytesIO(json.dumps({"auth": player.token, **body}).encode())  # a stream, as aiohttp wants past 1 MiB
    response = await player.client.post(
        "/scorm/runtime/sequencing", data=data, headers={"Content-Type": "text/plain;charset=UTF-8"}
    )
    answer = await response.json()
    assert response.status == expect, answer
    return answer


async def test_start_gives_the_scorm_2004_data_model_and_the_course_to_sequence(scorm):
    extra = (
        "<adlcp:dataFromLMS>chapter=2</adlcp:dataFromLMS><adlcp:timeLimitAction>exit,message</adlcp:timeLimitAction>"
        '<adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.75"/>'
        + passing_score("0.8").replace(
            "<imsss:objectives>", '<imsss:limitConditions attemptAbsoluteDurationLimit="PT30M"/><imsss:objectives>'
        )
    )
    package, _, player = await session(scorm, await scorm.import_package(single_sco_2004(extra)))
    sco = package["scos"][0]
    assert (sco["moveOn"], sco["masteryScore"], sco["scaledPassingScore"], sco["completionThreshold"]) == (
        "CompletedAndPassed",
        0.8,
        "0.8",
        "0.75",
    )
    started = await player.start()
    assert started["edition"] == "2004-4th"
    assert started["cmi"] == {
        "learner_id": "learner-1",
        "learner_name": "Learner",
        "mode": "normal",
        "credit": "credit",
        "entry": "ab-initio",
        "location": "",
        "suspend_data": "",
        "total_time": "PT0H0M0S",
        "launch_data": "chapter=2",
        "learner_preference": {},
        "max_time_allowed": "PT30M",
        "time_limit_action": "exit,message",
        "completion_threshold": "0.75",
        "scaled_passing_score": "0.8",
    }
    tree = started["sequencing"]["tree"]
    assert (tree["id"], [c["id"] for c in tree["children"]]) == ("ORG", ["ITEM-1"])
    assert tree["children"][0]["primaryObjective"] == {
        "objectiveID": "PRIMARY",
        "satisfiedByMeasure": True,
        "minNormalizedMeasure": 0.8,
    }
    assert (started["sequencing"]["state"], started["sequencing"]["handedOver"], started["sequencing"]["item"]) == (
        None,
        False,
        "ITEM-1",
    )


async def test_completion_and_success_are_two_facts_with_scaled_score_progress_and_session_time(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send("commit", cmi2004(completion="incomplete", progress="0.4", location="p2"))
    await player.send(
        "finish",
        cmi2004(
            completion="completed", success="passed", scaled="0.85", raw="85", progress="1", session_time="PT1M30S"
        ),
    )
    found = await statements(scorm, registration)
    assert verbs(found) == [
        "launched",
        "initialized",
        "progressed",
        "completed",
        "passed",
        "scored",
        "progressed",
        "terminated",
        "satisfied",
    ]
    assert about(found, "progressed")[0]["result"] == {"score": {"scaled": 0.4}}
    completed, passed = about(found, "completed")[0], about(found, "passed")[0]
    assert completed["result"] == {"completion": True, "duration": "PT90S"}
    assert passed["result"] == {"success": True, "duration": "PT90S", "score": {"scaled": 0.85}}
    assert passed["context"]["extensions"][cmi5_vocab.EXT_MASTERY_SCORE] == 0.8
    assert categories(passed) == [cmi5_vocab.CATEGORY_CMI5, cmi5_vocab.CATEGORY_MOVEON, vocab.PROFILE_ACTIVITY]
    assert about(found, "scored")[0]["result"]["score"] == {"raw": 85, "max": 100, "scaled": 0.85}
    assert about(found, "terminated")[0]["result"] == {"duration": "PT90S"}
    assert (await scorm.status(registration))["satisfied"] is True
    attempt = json.loads(await player.state(vocab.ATTEMPT_STATE_ID))
    assert attempt == {"credit": "credit", "mode": "normal", "location": "", "total_time": "PT90S"}


async def test_the_manifest_thresholds_decide_completion_and_success_whatever_the_sco_says(scorm):
    extra = "<adlcp:completionThreshold>0.8</adlcp:completionThreshold>" + passing_score("0.8")
    package = await scorm.import_package(single_sco_2004(extra, schemaversion="2004 3rd Edition"))
    assert package["scos"][0]["completionThreshold"] == "0.8"  # 3rd Edition: a value, completion by measure
    _, registration, player = await session(scorm, package)
    await player.start()
    await player.send("initialize")
    await player.send("commit", cmi2004(completion="completed", success="passed", scaled="0.7", progress="0.5"))
    found = await statements(scorm, registration)
    assert "completed" not in verbs(found) and "passed" not in verbs(found)
    failed = about(found, "failed")[0]
    assert failed["result"]["success"] is False and failed["result"]["score"] == {"scaled": 0.7}
    await player.send("commit", cmi2004(completion="incomplete", success="failed", scaled="0.9", progress="0.8"))
    assert verbs(await statements(scorm, registration))[-4:] == ["completed", "passed", "scored", "progressed"]


async def test_an_attempt_that_ends_unreported_is_completed_and_satisfied_unless_the_content_sets_them(scorm):
    # SCORM 2004 defaults: completionSetByContent and objectiveSetByContent false (SN End Attempt Process).
    _, registration, player = await session(scorm, await scorm.import_package(single_sco_2004()))
    await player.start()
    await player.send("initialize")
    await player.send("finish", cmi2004())
    assert verbs(await statements(scorm, registration)) == [
        "launched",
        "initialized",
        "completed",
        "passed",
        "terminated",
        "satisfied",
    ]

    controls = '<imsss:sequencing><imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/></imsss:sequencing>'
    _, registration, player = await session(scorm, await scorm.import_package(single_sco_2004(controls)))
    await player.start()
    await player.send("initialize")
    await player.send("finish", cmi2004())
    assert verbs(await statements(scorm, registration)) == ["launched", "initialized", "terminated"]

    _, registration, player = await session(scorm, await scorm.import_package(single_sco_2004()))
    await player.start()
    await player.send("initialize")
    await player.send("finish", cmi2004(exit="suspend"))  # a suspended attempt has not ended
    assert verbs(await statements(scorm, registration)) == ["launched", "initialized", "suspended", "terminated"]


async def test_suspend_resumes_the_attempt_and_a_new_attempt_starts_from_a_fresh_data_model(scorm):
    package, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    await player.send(
        "finish",
        cmi2004(
            completion="incomplete",
            location="slide-7",
            suspend_data="a=1",
            exit="suspend",
            session_time="PT5M",
            scaled="0.5",
            progress="0.3",
        ),
    )
    _, _, second = await session(scorm, package, registration)
    started = (await second.start())["cmi"]
    assert {
        k: started.get(k)
        for k in ("entry", "location", "suspend_data", "total_time", "completion_status", "progress_measure")
    } == {
        "entry": "resume",
        "location": "slide-7",
        "suspend_data": "a=1",
        "total_time": "PT0H5M0S",
        "completion_status": "incomplete",
        "progress_measure": "0.3",
    }
    assert started["score"] == {"scaled": "0.5"}
    await second.send("initialize")
    await second.send(
        "finish", cmi2004(completion="incomplete", location="slide-9", session_time="PT1M", exit="normal")
    )
    # The attempt ends with no score for the passing score to judge: the SN End Attempt Process satisfies it.
    assert verbs(await statements(scorm, registration))[-4:] == ["initialized", "resumed", "passed", "terminated"]
    _, _, third = await session(scorm, package, registration)
    started = (await third.start())["cmi"]
    # cmi.total_time, the statuses and the score belong to an attempt in SCORM 2004.
    assert started == {**started, "entry": "ab-initio", "location": "", "suspend_data": "", "total_time": "PT0H0M0S"}
    assert not {"completion_status", "success_status", "score", "progress_measure"} & set(started)
    activity = json.loads(await third.state(vocab.ACTIVITY_STATE_ID))
    assert len(activity["attempts"]) == 1


async def test_review_never_overwrites_completion_success_or_the_course_state(scorm):
    package = await scorm.import_package(sequenced_course())
    registration = await scorm.register(package["course"])
    _, _, player = await session(scorm, package, registration)
    await player.start()
    await sequencing(player, state='{"learner": true}')
    await player.send("initialize")
    await player.send(
        "finish", cmi2004(completion="completed", success="passed", scaled="0.9", location="end", exit="suspend")
    )
    for mode in ("Review", "Browse"):
        _, _, viewer = await session(scorm, package, registration, launchMode=mode)
        started = await viewer.start()
        assert (
            started["cmi"]["mode"],
            started["cmi"]["credit"],
            started["cmi"]["completion_status"],
            started["cmi"]["success_status"],
        ) == (mode.lower(), "no-credit", "completed", "passed")
        assert started["sequencing"]["state"] == '{"learner": true}'  # seeded from the learner's
        await viewer.send("initialize")
        await viewer.send("finish", cmi2004(completion="incomplete", success="failed", scaled="0.1", location="x"))
        await sequencing(viewer, state='{"review": true}')
    found = await statements(scorm, registration)
    assert verbs(found).count("passed") == 1 and "failed" not in verbs(found) and verbs(found).count("scored") == 1
    _, _, learner = await session(scorm, package, registration)
    started = await learner.start()
    assert (
        started["cmi"]["entry"],
        started["cmi"]["completion_status"],
        started["cmi"]["success_status"],
        started["cmi"]["score"]["scaled"],
        started["cmi"]["location"],
    ) == ("resume", "completed", "passed", "0.9", "end")
    assert started["sequencing"]["state"] == '{"learner": true}'
    # Within a Browse (or Review) visit the course goes on from the visit's own state, in that mode.
    handed = await sequencing(viewer, state='{"review": true}', deliver="item_two")
    following = await Player(viewer.client, {"url": handed["url"], "session": handed["session"]}).open()
    started = await following.start()
    assert (started["cmi"]["mode"], started["sequencing"]["state"], started["sequencing"]["handedOver"]) == (
        "browse",
        '{"review": true}',
        True,
    )


async def test_objectives_mapped_to_global_ones_are_the_courses_and_each_fact_is_told_once(scorm):
    objectives = (
        '<imsss:objective objectiveID="extinguishers"><imsss:mapInfo targetObjectiveID="urn:fire:extinguishers" '
        'readSatisfiedStatus="true" writeSatisfiedStatus="true"/></imsss:objective>'
    )
    package = await scorm.import_package(single_sco_2004(passing_score("0.8", objectives)))
    _, registration, player = await session(scorm, package)
    await player.start()
    await player.send("initialize")
    rows = {
        "0": {
            "id": "extinguishers",
            "success_status": "passed",
            "completion_status": "completed",
            "score": {"scaled": "0.9", "raw": "", "min": "", "max": ""},
        },
        "1": {"id": "local-check", "success_status": "failed", "completion_status": "unknown"},
    }
    await player.send("commit", cmi2004(objectives=rows))
    await player.send("commit", cmi2004(objectives=rows))
    found = [s for s in await statements(scorm, registration) if s["object"]["id"] != package["scos"][0]["activityId"]]
    shown = [
        (s["verb"]["display"]["en-US"], s["object"]["id"].replace(package["activityId"], "<course>"), s.get("result"))
        for s in found
        if s["verb"]["display"]["en-US"] != "launched"
    ]
    assert shown == [
        ("completed", "<course>/objectives/urn%3Afire%3Aextinguishers", {"completion": True}),
        ("passed", "<course>/objectives/urn%3Afire%3Aextinguishers", {"success": True, "score": {"scaled": 0.9}}),
        ("failed", "<course>/scos/ITEM-1/objectives/local-check", {"success": False}),
    ]
    assert found[0]["context"]["contextActivities"]["parent"] == [
        {"objectType": "Activity", "id": package["scos"][0]["activityId"]}
    ]


async def test_objectives_the_sco_starts_with_are_no_news_only_their_changes_are(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    # The player sends the data model as the SCO starts with it: the engine filled in an objective
    # it read from a global one.
    seeded = {"0": {"id": "read-only", "success_status": "failed", "completion_status": "unknown"}}
    await player.send("initialize", cmi2004(objectives=seeded))
    await player.send("commit", cmi2004(objectives=seeded, location="p1"))
    assert verbs(await statements(scorm, registration)) == ["launched", "initialized"]
    await player.send("commit", cmi2004(objectives={"0": {**seeded["0"], "success_status": "passed"}}))
    found = await statements(scorm, registration)
    assert verbs(found)[-1] == "passed" and found[-1]["object"]["id"].endswith("/scos/ITEM-1/objectives/read-only")


async def test_interactions_and_comments_of_scorm_2004_become_statements_once(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    interactions = {
        "0": {
            "id": "q1",
            "type": "choice",
            "learner_response": "a[,]c",
            "result": "incorrect",
            "latency": "PT12S",
            "description": "{lang=en-GB}Which are flammable?",
            "correct_responses": {"0": {"pattern": "a[,]b"}},
            "objectives": {"0": {"id": "extinguishers"}},
        },
        "1": {
            "id": "q2",
            "type": "long-fill-in",
            "learner_response": "Pull, aim, squeeze, sweep",
            "result": "neutral",
            "weighting": "2",
        },
        "2": {
            "id": "q3",
            "type": "matching",
            "learner_response": "1[.]a[,]2[.]b",
            "result": "correct",
            "correct_responses": {"0": {"pattern": "1[.]a[,]2[.]b"}},
        },
    }
    await player.send("commit", cmi2004(interactions=interactions, comments=["Clear."]))
    await player.send("commit", cmi2004(interactions=interactions, comments=["Clear.", "Too short."]))
    found = await statements(scorm, registration)
    responded = {s["object"]["id"].rsplit("/", 1)[-1]: s for s in about(found, "responded")}
    assert len(about(found, "responded")) == 3
    q1 = responded["q1"]
    assert q1["object"]["definition"] == {
        "type": vocab.TYPE_INTERACTION,
        "name": {"und": "q1"},
        "description": {"en-GB": "Which are flammable?"},
        "interactionType": "choice",
        "correctResponsesPattern": ["a[,]b"],
        "choices": [
            {"id": "a", "description": {"und": "a"}},
            {"id": "b", "description": {"und": "b"}},
            {"id": "c", "description": {"und": "c"}},
        ],
    }
    assert q1["result"] == {"response": "a[,]c", "success": False, "duration": "PT12S"}
    assert responded["q2"]["result"] == {
        "response": "Pull, aim, squeeze, sweep",
        "extensions": {vocab.EXT_INTERACTION_RESULT: "neutral", vocab.EXT_INTERACTION_WEIGHTING: 2.0},
    }
    assert responded["q3"]["object"]["definition"]["source"] == [
        {"id": "1", "description": {"und": "1"}},
        {"id": "2", "description": {"und": "2"}},
    ]
    assert [s["result"]["response"] for s in about(found, "commented")] == ["Clear.", "Too short."]


async def test_refused_commits_answer_the_scorm_2004_commit_failure_and_change_nothing(scorm):
    _, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    for data, element in (
        (cmi2004(location="x" * 1001), "cmi.location"),
        (cmi2004(scaled="1.5"), "cmi.score.scaled"),
        (cmi2004(completion="done"), "cmi.completion_status"),
        (cmi2004(session_time="00:01:00"), "cmi.session_time"),
    ):
        answer = await player.send("commit", data, expect=400)
        assert (answer["result"], answer["errorCode"]) == ("false", 391) and element in answer["detail"], answer
    answer = await player.send("commit", cmi2004(), sequence=0, expect=400)
    assert answer["errorCode"] == 101
    # Each was a 500: a duration past timeinterval (second,10,2), and statuses that are no list.
    for data, element in (
        (cmi2004(session_time="P318Y"), "cmi.session_time"),
        (cmi2004(interactions={"0": {"id": "q1", "type": "numeric", "latency": "PT10000000000S"}}), "latency"),
    ):
        answer = await player.send("finish", data, expect=400)
        assert (answer["result"], answer["errorCode"]) == ("false", 391) and element in answer["detail"], answer
    player.sequence += 1
    body = {"auth": player.token, "sequence": player.sequence, "cmi": cmi2004(), "statuses": 7}
    response = await player.client.post("/scorm/runtime/commit", json=body)
    answer = await response.json()
    assert (response.status, answer["errorCode"]) == (400, 101) and "statuses" in answer["detail"], answer
    assert verbs(await statements(scorm, registration)) == ["launched", "initialized"]


async def test_a_delivery_launches_the_next_sco_in_the_registration_and_hands_it_the_course(scorm):
    package = await scorm.import_package(sequenced_course())
    registration = await scorm.register(package["course"])
    _, _, player = await session(scorm, package, registration)
    await player.start()
    handed = await sequencing(
        player, state='{"current": "item_two"}', deliver="item_two", endpoint="http://127.0.0.1:1/xapi/"
    )
    url = urlsplit(handed["url"])
    assert url.path == f"/scorm/player/{package['id']}/1"
    params = parse_qs(url.query)
    assert params["registration"] == [registration] and params["activityId"] == [package["scos"][1]["activityId"]]
    assert json.loads(params["actor"][0]) == LEARNER
    following = Player(player.client, {"url": handed["url"], "session": handed["session"]})
    await following.open()
    started = await following.start()
    assert (started["title"], started["sequencing"]["state"], started["sequencing"]["handedOver"]) == (
        "Lesson two",
        '{"current": "item_two"}',
        True,
    )
    # The page that handed the course on may no longer change it; a later launch by the LMS may.
    await sequencing(player, state="{}", expect=409)
    _, _, relaunched = await session(scorm, package, registration, sco=2)
    started = await relaunched.start()
    assert started["sequencing"]["handedOver"] is False
    await sequencing(relaunched, state='{"current": "item_three"}')
    assert verbs(await statements(scorm, registration)).count("launched") == 3


async def test_bad_sequencing_requests_are_refused_naming_the_problem(scorm):
    package = await scorm.import_package(sequenced_course())
    _, _, player = await session(scorm, package)
    await player.start()
    for body, message in (
        ({"state": ""}, "state: must be"),
        ({"state": "{}", "deliver": "nowhere"}, "'nowhere' is not"),
        ({"state": "{}", "deliver": 7}, "deliver: must be"),
        ({"state": "x" * (4 * 1024 * 1024 + 1)}, "at most 4194304"),
        ({"state": "{}", "extra": 1}, "extra: not a property"),
    ):
        answer = await sequencing(player, expect=400, **body)
        assert message in answer["detail"], answer


async def test_a_sequencing_state_with_an_unreadable_launch_time_is_started_afresh(scorm):
    package = await scorm.import_package(sequenced_course())
    registration = await scorm.register(package["course"])
    _, _, player = await session(scorm, package, registration)
    await player.start()
    await player.send("initialize")
    await sequencing(player, state='{"current": "item_one"}')
    grouping = [a for s in await statements(scorm, registration) for a in s["context"]["contextActivities"]["grouping"]]
    course = next(a["id"] for a in grouping if a.get("definition", {}).get("type") == vocab.TYPE_COURSE)
    params = {
        "activityId": course,
        "agent": json.dumps(player.actor),
        "registration": registration,
        "stateId": vocab.SEQUENCING_STATE_ID,
    }
    kept = await scorm.xapi.get("/xapi/activities/state", params=params)
    assert json.loads(await kept.read())["state"] == '{"current": "item_one"}'
    # A launch time that is no timestamp was a 500 on every later navigation of the course.
    broken = {"state": '{"current": "elsewhere"}', "session": "another", "launchedAt": "yesterday"}
    response = await scorm.xapi.put("/xapi/activities/state", params=params, json=broken)
    assert response.status == 204, await response.text()
    assert (await player.start())["sequencing"]["state"] is None
    await sequencing(player, state='{"current": "item_two"}')
    assert (await player.start())["sequencing"]["state"] == '{"current": "item_two"}'


async def test_the_longest_session_time_keeps_the_attempt(scorm):
    package, registration, player = await session(scorm)
    await player.start()
    await player.send("initialize")
    # 9,999,999,999 seconds is a timeinterval (second,10,2) the record must hold: it lost the attempt.
    await player.send("finish", cmi2004(location="p2", exit="suspend", session_time="PT9999999999S"))
    _, _, again = await session(scorm, package, registration)
    started = await again.start()
    assert (started["cmi"]["entry"], started["cmi"]["location"]) == ("resume", "p2")
    assert started["cmi"]["total_time"] == "PT2777777H46M39S"
    # A total that would pass what the record keeps stops there.
    await again.send("initialize")
    await again.send("finish", cmi2004(location="p3", exit="suspend", session_time="PT9999999999S"))
    record = json.loads(await again.state(vocab.RUNTIME_STATE_ID))
    record["attempt"]["totalSeconds"] = 1e13 - 1
    params = {
        "activityId": again.activity_id,
        "agent": json.dumps(again.actor),
        "registration": registration,
        "stateId": vocab.RUNTIME_STATE_ID,
    }
    assert (await scorm.xapi.put("/xapi/activities/state", params=params, json=record)).status == 204
    _, _, third = await session(scorm, package, registration)
    started = await third.start()
    assert (started["cmi"]["entry"], started["cmi"]["location"]) == ("resume", "p3")
    assert started["cmi"]["total_time"] == "PT2777777777H46M40S"
