"""cmi5 plugged in, plus builders for course structures, zip packages, LMS calls and AU sessions."""

from __future__ import annotations

import base64
import copy
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import quoteattr

import pytest

import cmi5
from cmi5 import vocab
from cmi5.config import Cmi5Settings
from tests.conftest import XAPI_VERSION

NS = vocab.COURSE_NAMESPACE
LEARNER = {
    "objectType": "Agent",
    "name": "Learner",
    "account": {"homePage": "https://lms.example.com", "name": "learner-1"},
}
OTHER_LEARNER = {"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": "learner-2"}}
COURSE_ID = "https://example.com/courses/geology"


@pytest.fixture
def cmi5_settings():
    return Cmi5Settings()


@pytest.fixture
def plugins(cmi5_settings):
    return [cmi5.plugin(cmi5_settings)]


# --- course structures and packages -----------------------------------------------------------


def text(tag: str, value: str, lang: str = "en-US") -> str:
    return f'<{tag}><langstring lang="{lang}">{value}</langstring></{tag}>'


def au(
    au_id: str,
    url: str = "https://content.example.com/au.html",
    extra: str = "",
    inner: str = "",
    title: str = "An AU",
    **attributes,
) -> str:
    attrs = "".join(f" {name}={quoteattr(str(value))}" for name, value in attributes.items())
    return (
        f"<au id={quoteattr(au_id)}{attrs}>{text('title', title)}{text('description', 'About it')}"
        f"{extra}<url>{url}</url>{inner}</au>"
    )


def block(block_id: str, *members: str, title: str = "A block") -> str:
    return f"<block id={quoteattr(block_id)}>{text('title', title)}{text('description', 'About it')}{''.join(members)}</block>"


def course_xml(*members: str, course_id: str = COURSE_ID, before: str = "", after: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<courseStructure xmlns="{NS}">'
        f"<course id={quoteattr(course_id)}>{text('title', 'Geology')}{text('description', 'Rocks')}</course>"
        f"{before}{''.join(members)}{after}</courseStructure>"
    ).encode()


def make_zip(files: dict[str, bytes], zip64: bool = False) -> bytes:
    """A real zip; with zip64, every member and the end of central directory use Zip64 records."""
    buffer = io.BytesIO()
    saved = zipfile.ZIP_FILECOUNT_LIMIT
    if zip64:
        zipfile.ZIP_FILECOUNT_LIMIT = 0  # makes zipfile write the Zip64 end records
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(info, "w", force_zip64=zip64) as member:
                    member.write(data)
    finally:
        zipfile.ZIP_FILECOUNT_LIMIT = saved
    return buffer.getvalue()


def au_ids(count: int, prefix: str = "https://example.com/aus/") -> list[str]:
    return [f"{prefix}{n}" for n in range(count)]


# --- the LMS and the AU -------------------------------------------------------------------------


def now_iso(offset_seconds: float = 0) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=offset_seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AU:
    """An AU's side of one launch: reads the launch URL, fetches its token, sends statements."""

    def __init__(self, client, launch: dict, version: str = XAPI_VERSION) -> None:
        self.client = client
        self.launch = launch
        self.version = version  # the X-Experience-API-Version the AU speaks
        self.url = launch["url"]
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.url).query).items()}
        self.query = query
        self.endpoint = query["endpoint"]
        self.fetch_url = query["fetch"]
        self.registration = query["registration"]
        self.activity_id = query["activityId"]
        self.actor = json.loads(query["actor"])
        self.session = launch["session"]
        self.token: str | None = None
        self.launch_data: dict | None = None

    @staticmethod
    def path(url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    async def fetch(self) -> dict:
        response = await self.client.post(self.path(self.fetch_url))
        assert response.status == 200
        assert response.content_type == "application/json"
        return await response.json()

    async def start(self) -> AU:
        body = await self.fetch()
        self.token = body["auth-token"]
        response = await self.get_state(vocab.LAUNCH_DATA_STATE_ID)
        assert response.status == 200, await response.text()
        self.launch_data = await response.json()
        response = await self.get_preferences()
        assert response.status in (200, 404), await response.text()
        return self

    def headers(self) -> dict:
        return {"Authorization": f"Basic {self.token}", "X-Experience-API-Version": self.version}

    def xapi_path(self, resource: str) -> str:
        # Joined as the common AU libraries do: endpoint, "/", resource.
        return f"{urlsplit(self.endpoint).path}/{resource}"

    def get_state(self, state_id: str, **params):
        query = {
            "activityId": self.activity_id,
            "agent": json.dumps(self.actor),
            "registration": self.registration,
            "stateId": state_id,
            **params,
        }
        return self.client.get(self.xapi_path("activities/state"), params=query, headers=self.headers())

    def get_preferences(self):
        query = {"agent": json.dumps(self.actor), "profileId": vocab.LEARNER_PREFERENCES_PROFILE_ID}
        return self.client.get(self.xapi_path("agents/profile"), params=query, headers=self.headers())

    def statement(self, verb: str, result: dict | None = None, defined: bool = True, **overrides) -> dict:
        template = self.launch_data["contextTemplate"]
        context = copy.deepcopy(template)
        context["registration"] = self.registration
        categories = []
        if defined:
            categories.append({"id": vocab.CATEGORY_CMI5})
        if defined and result and ("success" in result or "completion" in result):
            categories.append({"id": vocab.CATEGORY_MOVEON})
        if categories:
            context["contextActivities"]["category"] = categories
        statement = {
            "id": str(uuid.uuid4()),
            "actor": self.actor,
            "verb": {"id": verb, "display": {"en-US": vocab.VERB_NAMES.get(verb, "did")}},
            "object": {"objectType": "Activity", "id": self.activity_id},
            "context": context,
            "timestamp": now_iso(),
        }
        if result is not None:
            statement["result"] = result
        statement.update(overrides)
        return statement

    async def send(self, *statements: dict, expect: int = 200):
        response = await self.client.post(self.xapi_path("statements"), json=list(statements), headers=self.headers())
        body = await response.json()
        assert response.status == expect, body
        return body

    # Conformant cmi5 defined statements.
    def initialized(self):
        return self.statement(vocab.INITIALIZED)

    def completed(self, duration: str = "PT1M"):
        return self.statement(vocab.COMPLETED, {"completion": True, "duration": duration})

    def judged(self, verb: str, success: bool, scaled: float | None) -> dict:
        result = {"success": success, "duration": "PT2M"}
        if scaled is not None:
            result["score"] = {"scaled": scaled}
        statement = self.statement(verb, result)
        if scaled is not None and self.launch_data.get("masteryScore") is not None:
            statement["context"]["extensions"][vocab.EXT_MASTERY_SCORE] = self.launch_data["masteryScore"]
        return statement

    def passed(self, scaled: float | None = None):
        return self.judged(vocab.PASSED, True, scaled)

    def failed(self, scaled: float | None = None):
        return self.judged(vocab.FAILED, False, scaled)

    def terminated(self):
        return self.statement(vocab.TERMINATED, {"duration": "PT3M"})


class LMS:
    """The LMS-facing API as an LMS calls it (admin credential)."""

    def __init__(self, xapi) -> None:
        self.xapi = xapi
        self.client = xapi.client

    async def import_course(self, data: bytes, content_type: str = "application/xml", expect: int = 201) -> dict:
        response = await self.xapi.post("/cmi5/courses", data=data, headers={"Content-Type": content_type})
        body = await response.json()
        assert response.status == expect, body
        return body

    async def register(self, course: str, actor: dict = LEARNER) -> str:
        response = await self.xapi.post("/cmi5/registrations", json={"course": course, "actor": actor})
        body = await response.json()
        assert response.status == 201, body
        return body["registration"]

    async def launch(self, registration: str, au_id: str, expect: int = 200, **extra) -> dict:
        response = await self.xapi.post(f"/cmi5/registrations/{registration}/launch", json={"au": au_id, **extra})
        body = await response.json()
        assert response.status == expect, body
        return body

    async def start(self, registration: str, au_id: str, version: str = XAPI_VERSION, **extra) -> AU:
        return await AU(self.client, await self.launch(registration, au_id, **extra), version).start()

    async def status(self, registration: str) -> dict:
        response = await self.xapi.get(f"/cmi5/registrations/{registration}")
        body = await response.json()
        assert response.status == 200, body
        return body

    async def waive(self, registration: str, au_id: str, reason: str = "Administrative", expect: int = 200) -> dict:
        response = await self.xapi.post(
            f"/cmi5/registrations/{registration}/waive", json={"au": au_id, "reason": reason}
        )
        body = await response.json()
        assert response.status == expect, body
        return body

    async def statements(self, **params) -> list[dict]:
        params.setdefault("limit", "500")
        response = await self.xapi.get("/xapi/statements", params={**params, "ascending": "true"})
        body = await response.json()
        assert response.status == 200, body
        return body["statements"]

    async def verbs(self, registration: str) -> list[str]:
        return [
            vocab.VERB_NAMES.get(s["verb"]["id"], s["verb"]["id"])
            for s in await self.statements(registration=registration)
        ]


@pytest.fixture
async def lms(xapi):
    return LMS(xapi)


def token_auth(token: str) -> str:
    return f"Basic {token}"


def decode_token(token: str) -> str:
    return base64.b64decode(token).decode()
