"""cmi5 and the bridge plugged in, a test server on a known port (so that a second host name of
it, `localhost`, can be the content origin), and builders for SCORM 1.2 zips and run-time calls."""

from __future__ import annotations

import io
import json
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest

import bridge
import cmi5
from bridge import player
from cmi5.config import Cmi5Settings
from tests.cmi5.conftest import AU, LMS, make_zip


def runtime_installed() -> bool:
    try:
        player.runtime_path()
        return True
    except Exception:
        return False


requires_runtime = pytest.mark.skipif(not runtime_installed(), reason="scorm-again is not installed: run `npm ci`")
SCO_PAGE = (Path(__file__).parent / "browser_sco" / "sco.html").read_bytes()
IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"


@pytest.fixture
def port(unused_tcp_port):
    return unused_tcp_port


@pytest.fixture
def content_origin(port):
    return f"http://localhost:{port}"


@pytest.fixture
def cmi5_settings(content_origin):
    return Cmi5Settings(content_url=content_origin)


@pytest.fixture
def plugins(cmi5_settings):
    return [cmi5.plugin(cmi5_settings), bridge.setup]


@pytest.fixture
async def client(app, aiohttp_client, port):
    return await aiohttp_client(app, server_kwargs={"port": port})


# --- manifests and packages -------------------------------------------------------------------


def item(
    identifier: str,
    ref: str | None = None,
    title: str | None = None,
    extra: str = "",
    children: str = "",
    parameters: str | None = None,
) -> str:
    attrs = f" identifier={quoteattr(identifier)}"
    if ref:
        attrs += f" identifierref={quoteattr(ref)}"
    if parameters is not None:
        attrs += f" parameters={quoteattr(parameters)}"
    return f"<item{attrs}><title>{escape(title or identifier)}</title>{extra}{children}</item>"


def resource(
    identifier: str, href: str | None, scormtype: str = "sco", files: tuple[str, ...] = (), base: str = ""
) -> str:
    attrs = f' identifier={quoteattr(identifier)} type="webcontent" adlcp:scormtype="{scormtype}"'
    if href is not None:
        attrs += f" href={quoteattr(href)}"
    if base:
        attrs += f" xml:base={quoteattr(base)}"
    inner = "".join(f"<file href={quoteattr(f)}/>" for f in files or ((href,) if href else ()))
    return f"<resource{attrs}>{inner}</resource>"


def manifest(
    items: str,
    resources: str,
    title: str = "Safety at work",
    default: str = "ORG-1",
    schemaversion: str = "1.2",
    organizations: str | None = None,
) -> bytes:
    if organizations is None:
        organizations = (
            f'<organizations default="{default}"><organization identifier="ORG-1">'
            f"<title>{escape(title)}</title>{items}</organization></organizations>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest identifier="com.example.safety" version="1.0" '
        f'xmlns="{IMSCP}" xmlns:adlcp="{ADLCP}"><metadata><schema>ADL SCORM</schema>'
        f"<schemaversion>{schemaversion}</schemaversion></metadata>{organizations}"
        f"<resources>{resources}</resources></manifest>"
    ).encode()


def single_sco(mastery: str | None = "80", extra: str = "", href: str = "sco/index.html") -> bytes:
    extras = (f"<adlcp:masteryscore>{mastery}</adlcp:masteryscore>" if mastery else "") + extra
    return make_zip(
        {
            "imsmanifest.xml": manifest(item("ITEM-1", "RES-1", "Lesson one", extras), resource("RES-1", href)),
            href: SCO_PAGE,
        }
    )


def multi_sco() -> bytes:
    items = item(
        "MOD-1",
        title="Module one",
        children=item("ITEM-1", "RES-1", "Lesson one", "<adlcp:masteryscore>70</adlcp:masteryscore>")
        + item("ITEM-2", "RES-2", "Lesson two", parameters="?page=2"),
    ) + item("ITEM-3", "RES-3", "Handout")
    resources = (
        resource("RES-1", "one/index.html")
        + resource("RES-2", "two/index.html?lang=en")
        + resource("RES-3", "handout.html", scormtype="asset")
    )
    return make_zip(
        {
            "imsmanifest.xml": manifest(items, resources),
            "one/index.html": SCO_PAGE,
            "two/index.html": SCO_PAGE,
            "handout.html": b"<!doctype html><p>Handout</p>",
        }
    )


# --- the LMS and the player's run-time calls, over HTTP -----------------------------------------


class Scorm(LMS):
    async def import_package(self, data: bytes, content_type: str = "application/zip", expect: int = 201) -> dict:
        # A stream, as aiohttp wants for bodies over 1 MiB.
        response = await self.xapi.post(
            "/scorm/packages", data=io.BytesIO(data), headers={"Content-Type": content_type}
        )
        body = await response.json()
        assert response.status == expect, body
        return body

    async def launch_sco(self, package: dict, registration: str, sco: int = 0, **extra) -> Player:
        launch = await self.launch(registration, package["scos"][sco]["au"], **extra)
        return await Player(self.client, launch).open()


class Player(AU):
    """What the player page does over HTTP: token, start, commits with a growing sequence."""

    async def open(self) -> Player:
        self.token = (await self.fetch())["auth-token"]
        self.sequence = 0
        return self

    async def start(self, expect: int = 200) -> dict:
        response = await self.client.post(
            "/scorm/runtime/start",
            data=json.dumps({"auth": self.token}),
            headers={"Content-Type": "text/plain;charset=UTF-8"},
        )
        body = await response.json()
        assert response.status == expect, body
        if expect == 200:
            self.sequence = body["sequence"]
        return body

    async def send(self, event: str, cmi: dict | None = None, sequence: int | None = None, expect: int = 200) -> dict:
        if sequence is None:
            self.sequence += 1
            sequence = self.sequence
        body = {"auth": self.token, "sequence": sequence, "event": event}
        if cmi is not None:
            body["cmi"] = cmi
        response = await self.client.post(
            "/scorm/runtime/commit", data=json.dumps(body), headers={"Content-Type": "text/plain;charset=UTF-8"}
        )
        answer = await response.json()
        assert response.status == expect, answer
        return answer

    async def state(self, state_id: str):
        response = await self.get_state(state_id)
        assert response.status == 200, await response.text()
        return await response.read()


def cmi(
    status: str = "incomplete",
    location: str = "",
    suspend_data: str = "",
    exit: str = "",
    raw: str = "",
    session_time: str = "",
    interactions: dict | None = None,
    objectives: dict | None = None,
    comments: str = "",
) -> dict:
    """A commit's data model as scorm-again renders it (every value a string)."""
    return {
        "suspend_data": suspend_data,
        "launch_data": "",
        "comments": comments,
        "comments_from_lms": "",
        "core": {
            "student_id": "learner-1",
            "student_name": "Learner",
            "lesson_location": location,
            "credit": "credit",
            "lesson_status": status,
            "entry": "ab-initio",
            "lesson_mode": "normal",
            "exit": exit,
            "session_time": session_time,
            "score": {"raw": raw, "min": "", "max": "100" if raw else ""},
            "total_time": "00:00:00",
        },
        "objectives": objectives or {},
        "student_data": {},
        "interactions": interactions or {},
        "student_preference": {"audio": "", "language": "", "speed": "", "text": ""},
    }


@pytest.fixture
async def scorm(xapi):
    return Scorm(xapi)


def verbs(statements: list[dict]) -> list[str]:
    return [s["verb"]["display"]["en-US"] for s in statements]


# --- SCORM 2004 manifests and packages ----------------------------------------------------------

SCO_2004_PAGE = (Path(__file__).parent / "browser_sco" / "sco2004.html").read_bytes()
IMSCP_2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP_2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"


def resource2004(identifier: str, href: str | None, scormtype: str = "sco") -> str:
    attrs = f' identifier={quoteattr(identifier)} type="webcontent" adlcp:scormType="{scormtype}"'
    if href is not None:
        attrs += f" href={quoteattr(href)}"
    return f"<resource{attrs}>{f'<file href={quoteattr(href)}/>' if href else ''}</resource>"


def manifest2004(
    items: str,
    resources: str,
    sequencing: str = "",
    collections: str = "",
    schemaversion: str = "2004 4th Edition",
    title: str = "Fire safety 2004",
) -> bytes:
    """A SCORM 2004 manifest; `sequencing` is the organization's imsss:sequencing content."""
    root_sequencing = f"<imsss:sequencing>{sequencing}</imsss:sequencing>" if sequencing else ""
    collection = f"<imsss:sequencingCollection>{collections}</imsss:sequencingCollection>" if collections else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest identifier="com.example.fire2004" version="1" '
        f'xmlns="{IMSCP_2004}" xmlns:adlcp="{ADLCP_2004}" xmlns:imsss="{IMSSS}" xmlns:adlseq="{ADLSEQ}" '
        f'xmlns:adlnav="{ADLNAV}"><metadata><schema>ADL SCORM</schema><schemaversion>{schemaversion}</schemaversion>'
        f'</metadata><organizations default="ORG"><organization identifier="ORG"><title>{escape(title)}</title>'
        f"{items}{root_sequencing}</organization></organizations><resources>{resources}</resources>{collection}"
        f"</manifest>"
    ).encode()


def sequenced_course(
    sequencing: str = '<imsss:controlMode choice="true" flow="true"/>',
    extras: tuple[str, ...] = ("", "", ""),
    schemaversion: str = "2004 4th Edition",
    collections: str = "",
) -> bytes:
    """Three SCOs (one, two, three), each the test SCO in its own folder, with `extras` in their items."""
    names = ("one", "two", "three")
    items = "".join(item(f"item_{n}", f"res_{n}", f"Lesson {n}", extra) for n, extra in zip(names, extras, strict=True))
    resources = "".join(resource2004(f"res_{n}", f"{n}/index.html") for n in names)
    return make_zip(
        {
            "imsmanifest.xml": manifest2004(items, resources, sequencing, collections, schemaversion),
            **{f"{n}/index.html": SCO_2004_PAGE for n in names},
        }
    )


def single_sco_2004(item_extra: str = "", sequencing: str = "", schemaversion: str = "2004 4th Edition") -> bytes:
    """One SCO (the SCORM 2004 test SCO) whose item carries `item_extra` (e.g. its imsss:sequencing)."""
    return make_zip(
        {
            "imsmanifest.xml": manifest2004(
                item("ITEM-1", "RES-1", "Lesson one", item_extra),
                resource2004("RES-1", "sco/index.html"),
                sequencing,
                schemaversion=schemaversion,
            ),
            "sco/index.html": SCO_2004_PAGE,
        }
    )


def passing_score(measure: str = "0.8", extra: str = "") -> str:
    """An item's imsss:sequencing whose primary objective is satisfied by a scaled score of `measure`."""
    return (
        f'<imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="PRIMARY" satisfiedByMeasure="true">'
        f"<imsss:minNormalizedMeasure>{measure}</imsss:minNormalizedMeasure></imsss:primaryObjective>{extra}"
        f"</imsss:objectives></imsss:sequencing>"
    )


def cmi2004(
    completion: str = "unknown",
    success: str = "unknown",
    location: str = "",
    suspend_data: str = "",
    exit: str = "",
    scaled: str = "",
    raw: str = "",
    progress: str = "",
    session_time: str = "",
    interactions: dict | None = None,
    objectives: dict | None = None,
    comments: list[str] = (),
) -> dict:
    """A commit's SCORM 2004 data model as scorm-again renders it (every value a string)."""
    return {
        "comments_from_learner": {
            str(n): {"comment": c, "location": "", "timestamp": ""} for n, c in enumerate(comments)
        },
        "comments_from_lms": {},
        "completion_status": completion,
        "completion_threshold": "",
        "credit": "credit",
        "entry": "ab-initio",
        "exit": exit,
        "interactions": interactions or {},
        "launch_data": "",
        "learner_id": "learner-1",
        "learner_name": "Learner",
        "learner_preference": {"audio_level": "1", "language": "", "delivery_speed": "1", "audio_captioning": "0"},
        "location": location,
        "max_time_allowed": "",
        "mode": "normal",
        "objectives": objectives or {},
        "progress_measure": progress,
        "scaled_passing_score": "",
        "score": {"scaled": scaled, "raw": raw, "min": "", "max": "100" if raw else ""},
        "session_time": session_time,
        "success_status": success,
        "suspend_data": suspend_data,
        "time_limit_action": "continue,no message",
        "total_time": "PT0S",
    }
