"""Fills an empty LRS with a small, plausible store over its own HTTP API, as an LMS and AUs
would: a cmi5 course and a SCORM 1.2 package imported, learners registered and launched, AU
sessions that complete, pass, fail and get abandoned or waived, and a month of other xAPI
statements. Used by `python -m console.screenshots`; everything goes through the public API.
"""

from __future__ import annotations

import base64
import io
import json
import random
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from cmi5 import vocab

AU_PAGE = b"<!doctype html><title>AU</title><p>A demonstration AU.</p>"
LEARNERS = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Katherine Johnson",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
    "Margaret Hamilton",
]
VERBS = {
    "http://adlnet.gov/expapi/verbs/experienced": "experienced",
    "http://adlnet.gov/expapi/verbs/answered": "answered",
    "http://adlnet.gov/expapi/verbs/attempted": "attempted",
    "http://adlnet.gov/expapi/verbs/commented": "commented",
    "http://adlnet.gov/expapi/verbs/progressed": "progressed",
}
ACTIVITIES = {
    f"https://lms.example.com/activities/{slug}": name
    for slug, name in [
        ("welcome-video", "Welcome video"),
        ("safety-quiz", "Safety quiz"),
        ("forum", "Course forum"),
        ("glossary", "Glossary"),
        ("case-study", "Case study: the bridge"),
        ("checklist", "Daily checklist"),
    ]
}


def langstring(tag: str, text: str) -> str:
    return f'<{tag}><langstring lang="en-US">{text}</langstring></{tag}>'


def cmi5_course() -> bytes:
    aus = "".join(
        f'<au id="https://courses.example.com/geology/au/{n}" moveOn="{move_on}"{mastery}>'
        f"{langstring('title', title)}{langstring('description', title)}<url>au/{n}.html</url></au>"
        for n, title, move_on, mastery in [
            (1, "Rocks and minerals", "Completed", ""),
            (2, "Plate tectonics", "CompletedAndPassed", ' masteryScore="0.7"'),
            (3, "Field trip quiz", "Passed", ' masteryScore="0.8"'),
        ]
    )
    structure = (
        f'<?xml version="1.0" encoding="utf-8"?><courseStructure xmlns="{vocab.COURSE_NAMESPACE}">'
        f'<course id="https://courses.example.com/geology">{langstring("title", "Introduction to geology")}'
        f"{langstring('description', 'Rocks, plates and a field trip')}</course>"
        f'<block id="https://courses.example.com/geology/block/basics">{langstring("title", "The basics")}'
        f"{langstring('description', 'Start here')}{aus}</block></courseStructure>"
    )
    return make_zip({"cmi5.xml": structure.encode(), **{f"au/{n}.html": AU_PAGE for n in (1, 2, 3)}})


def scorm_package() -> bytes:
    manifest = (
        '<?xml version="1.0"?><manifest identifier="com.example.safety" version="1" '
        'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">'
        "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>"
        '<organizations default="ORG"><organization identifier="ORG"><title>Safety at work</title>'
        '<item identifier="I1" identifierref="R1"><title>Ladders</title><adlcp:masteryscore>80</adlcp:masteryscore></item>'
        '<item identifier="I2" identifierref="R2"><title>Fire exits</title></item></organization></organizations>'
        '<resources><resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="one.html"><file href="one.html"/></resource>'
        '<resource identifier="R2" type="webcontent" adlcp:scormtype="sco" href="two.html"><file href="two.html"/></resource>'
        "</resources></manifest>"
    )
    return make_zip({"imsmanifest.xml": manifest.encode(), "one.html": AU_PAGE, "two.html": AU_PAGE})


def make_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def learner(name: str) -> dict:
    login = name.lower().replace(" ", ".")
    return {"objectType": "Agent", "name": name, "account": {"homePage": "https://lms.example.com", "name": login}}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Seeder:
    def __init__(self, session: aiohttp.ClientSession, base: str, key: str, secret: str) -> None:
        self.session = session
        self.base = base
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.admin = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}

    async def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:  # the JSON answered
        headers = {**self.admin, **kwargs.pop("headers", {})}
        async with self.session.request(method, self.base + path, headers=headers, **kwargs) as response:
            body = await response.json()
            if response.status != expect:
                raise RuntimeError(f"{method} {path}: {response.status} {body}")
            return body

    async def au_session(self, registration: str, au: str, outcome: list[tuple[str, dict]]) -> None:
        """One launch of an AU that fetches its token and sends cmi5 statements in order."""
        launch = await self.call("POST", f"/cmi5/registrations/{registration}/launch", json={"au": au})
        query = {k: v[0] for k, v in parse_qs(urlsplit(launch["url"]).query).items()}
        fetch = urlsplit(query["fetch"])
        async with self.session.post(self.base + fetch.path) as response:
            token = (await response.json())["auth-token"]
        headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
        state = {
            "activityId": query["activityId"],
            "agent": query["actor"],
            "registration": registration,
            "stateId": "LMS.LaunchData",
        }
        async with self.session.get(self.base + "/xapi/activities/state", params=state, headers=headers) as response:
            template = (await response.json())["contextTemplate"]
        # cmi5 10: an AU reads the learner's preferences before it starts (404 when none are kept).
        preferences = {"agent": query["actor"], "profileId": "cmi5LearnerPreferences"}
        async with self.session.get(self.base + "/xapi/agents/profile", params=preferences, headers=headers):
            pass
        for verb, result in [(vocab.INITIALIZED, {}), *outcome]:
            context = json.loads(json.dumps(template))
            context["registration"] = registration
            context["contextActivities"]["category"] = [{"id": vocab.CATEGORY_CMI5}] + (
                [{"id": vocab.CATEGORY_MOVEON}] if verb in (vocab.COMPLETED, vocab.PASSED, vocab.FAILED) else []
            )
            statement = {
                "id": str(uuid.uuid4()),
                "actor": json.loads(query["actor"]),
                "context": context,
                "verb": {"id": verb, "display": {"en-US": vocab.VERB_NAMES[verb]}},
                "object": {"objectType": "Activity", "id": query["activityId"]},
                "timestamp": iso(datetime.now(UTC)),
            }
            if result:
                statement["result"] = result
            async with self.session.post(self.base + "/xapi/statements", json=[statement], headers=headers) as response:
                if response.status != 200:
                    raise RuntimeError(f"AU statement {verb}: {response.status} {await response.text()}")

    async def seed(self, rng: random.Random) -> dict:
        course = await self.call(
            "POST", "/cmi5/courses", expect=201, data=cmi5_course(), headers={"Content-Type": "application/zip"}
        )
        package = await self.call(
            "POST", "/scorm/packages", expect=201, data=scorm_package(), headers={"Content-Type": "application/zip"}
        )
        aus = [au["id"] for au in course["aus"]]
        registrations = []
        for index, name in enumerate(LEARNERS[:6]):
            registration = (
                await self.call(
                    "POST", "/cmi5/registrations", expect=201, json={"course": course["id"], "actor": learner(name)}
                )
            )["registration"]
            registrations.append(registration)
            await self.au_session(
                registration,
                aus[0],
                [
                    (vocab.COMPLETED, {"completion": True, "duration": "PT12M"}),
                    (vocab.TERMINATED, {"duration": "PT12M30S"}),
                ],
            )
            scaled = [0.92, 0.64, 0.81, 0.75, 0.55, 0.88][index]
            verb = vocab.PASSED if scaled >= 0.7 else vocab.FAILED
            await self.au_session(
                registration,
                aus[1],
                [
                    (verb, {"success": verb == vocab.PASSED, "score": {"scaled": scaled}, "duration": "PT20M"}),
                    *([(vocab.COMPLETED, {"completion": True, "duration": "PT21M"})] if index % 2 == 0 else []),
                    (vocab.TERMINATED, {"duration": "PT22M"}),
                ],
            )
        # A session left open, then replaced by a new launch (the first one is abandoned), then waived.
        await self.call("POST", f"/cmi5/registrations/{registrations[0]}/launch", json={"au": aus[2]})
        await self.call("POST", f"/cmi5/registrations/{registrations[0]}/launch", json={"au": aus[2]})
        await self.call(
            "POST", f"/cmi5/registrations/{registrations[0]}/waive", json={"au": aus[2], "reason": "Tested Out"}
        )
        scorm_registration = (
            await self.call(
                "POST",
                "/cmi5/registrations",
                expect=201,
                json={"course": package["course"], "actor": learner(LEARNERS[6])},
            )
        )["registration"]
        await self.call(
            "POST", f"/cmi5/registrations/{scorm_registration}/launch", json={"au": package["scos"][0]["au"]}
        )
        await self.history(rng)
        return {"course": course["id"], "package": package["course"], "registration": registrations[0]}

    async def history(self, rng: random.Random, days: int = 30) -> None:
        """A month of other statements, more on weekdays and in working hours, with a voided one."""
        now = datetime.now(UTC)
        statements = []
        for day in range(days):
            weekday = (now - timedelta(days=day)).weekday() < 5
            for _ in range(rng.randint(25, 60) if weekday else rng.randint(3, 12)):
                moment = now - timedelta(
                    days=day, hours=rng.choice([1, 2, 3, 5, 6, 7, 8, 9, 10, 26]), minutes=rng.randint(0, 59)
                )
                if moment > now:
                    continue
                verb = rng.choice(list(VERBS))
                activity = rng.choice(list(ACTIVITIES))
                statement = {
                    "actor": learner(rng.choice(LEARNERS)),
                    "verb": {"id": verb, "display": {"en-US": VERBS[verb]}},
                    "object": {
                        "objectType": "Activity",
                        "id": activity,
                        "definition": {"name": {"en-US": ACTIVITIES[activity]}},
                    },
                    "timestamp": iso(moment),
                }
                if VERBS[verb] == "answered":
                    statement["result"] = {"success": rng.random() > 0.3, "score": {"scaled": round(rng.random(), 2)}}
                statements.append(statement)
        for start in range(0, len(statements), 200):
            await self.call("POST", "/xapi/statements", json=statements[start : start + 200])
        mistaken = statements[-1]
        ids = await self.call("POST", "/xapi/statements", json=[{**mistaken, "timestamp": iso(now)}])
        await self.call(
            "POST",
            "/xapi/statements",
            json=[
                {
                    "actor": {
                        "objectType": "Agent",
                        "name": "LMS administrator",
                        "mbox": "mailto:admin@lms.example.com",
                    },
                    "verb": {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}},
                    "object": {"objectType": "StatementRef", "id": ids[0]},
                }
            ],
        )
