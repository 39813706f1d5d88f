"""Drives TinCanPython (PyPI `tincan`) through the scenarios the JavaScript drivers run, and
reports what the library itself returned, in the same shape.

TinCanPython is synchronous (http.client): the tests call these functions in a thread so that the
test server's event loop keeps serving. Where the library is at fault it is worked around here,
never in the LRS:

- On Python 3 it never reads a document's ETag, Content-Type or Last-Modified:
  `response.getheaders()` is a list of pairs there, and the library looks the names up as if it
  were a dict. `read_etag` takes the ETag from the response itself.
- `save_state` leaves out the document's registration and sends its PUT twice, so with an ETag
  the second PUT (same If-Match, now stale) fails and is the answer returned; `delete_state`
  leaves out the registration too. `RemoteLRS` below sends them once, with the registration.
- Document content must be `str`; bytes fail in `Document.content`.
- `query_statements` sends its parameters through `str()`: a bool becomes "True", a datetime
  "2024-05-01 10:00:00+00:00"; xAPI wants "true" and an ISO 8601 timestamp, so they are given
  as strings here.
"""

from __future__ import annotations

import tincan
from tincan import (
    Activity,
    ActivityProfileDocument,
    Agent,
    AgentProfileDocument,
    LanguageMap,
    StateDocument,
    Statement,
    StatementRef,
    Verb,
)
from tincan.http_request import HTTPRequest


class RemoteLRS(tincan.RemoteLRS):
    """The library's client with its two State bugs worked around (see above)."""

    def save_state(self, state: StateDocument):
        request = HTTPRequest(method="PUT", resource="activities/state", content=state.content)
        request.headers["Content-Type"] = state.content_type or "application/octet-stream"
        if state.etag is not None:
            request.headers["If-Match"] = state.etag
        request.query_params = {
            "stateId": state.id,
            "activityId": state.activity.id,
            "agent": state.agent.to_json(self.version),
        }
        if state.registration is not None:
            request.query_params["registration"] = state.registration
        response = self._send_request(request)
        response.content = state
        return response

    def delete_state(self, state: StateDocument):
        return self._delete_state(
            activity=state.activity,
            agent=state.agent,
            state_id=state.id,
            registration=state.registration,
            etag=state.etag,
        )


class LibraryFailure(AssertionError):
    """A call the scenario needs returned an error."""


def ok(response, what: str):
    if not response.success:
        raise LibraryFailure(f"{what} failed: {status(response)} {response.data!r}")
    return response


def status(response) -> int:
    return response.response.status


def read_etag(response) -> str | None:
    return response.response.getheader("ETag")


def remote_lrs(cfg: dict) -> RemoteLRS:
    version = {"version": cfg["version"]} if cfg.get("version") else {}
    return RemoteLRS(endpoint=cfg["endpoint"], username=cfg["username"], password=cfg["password"], **version)


def agent_of(cfg: dict) -> Agent:
    return Agent(name=cfg["agent"]["name"], mbox=cfg["agent"]["mbox"])


def statement(cfg: dict, verb: str, target=None) -> Statement:
    return Statement(
        actor=agent_of(cfg),
        verb=Verb(id=f"http://adlnet.gov/expapi/verbs/{verb}", display=LanguageMap({"en-US": verb})),
        object=target if target is not None else Activity(id=cfg["activityId"]),
    )


def statements(cfg: dict) -> dict:
    lrs, report = remote_lrs(cfg), {}
    one = ok(lrs.save_statement(statement(cfg, "experienced")), "save_statement").content
    report["one"] = str(one.id)
    batch = [statement(cfg, "progressed") for _ in range(cfg["batch"])]
    saved = ok(lrs.save_statements(batch), "save_statements").content
    report["batch"] = [str(s.id) for s in saved]

    page = ok(lrs.query_statements({"agent": agent_of(cfg), "limit": cfg["limit"]}), "query_statements").content
    report["pages"] = [[str(s.id) for s in page.statements]]
    while page.more:
        page = ok(lrs.more_statements(page), "more_statements").content
        report["pages"].append([str(s.id) for s in page.statements])

    query = {"agent": agent_of(cfg), "since": cfg["since"], "ascending": "true"}
    ascending = ok(lrs.query_statements(query), "query_statements ascending").content
    report["ascending"] = [str(s.id) for s in ascending.statements]

    voiding = ok(lrs.save_statement(statement(cfg, "voided", StatementRef(id=one.id))), "void").content
    report["voiding"] = str(voiding.id)
    report["voided"] = str(ok(lrs.retrieve_voided_statement(one.id), "retrieve_voided_statement").content.id)
    report["retrieveVoided"] = status(lrs.retrieve_statement(one.id))
    kept = ok(lrs.retrieve_statement(report["batch"][0]), "retrieve_statement").content
    report["retrieved"] = {"id": str(kept.id), "verb": kept.verb.id, "actor": kept.actor.mbox}
    return report


def state(cfg: dict) -> dict:
    """TinCanPython has no POST (merge) for State: "merged" is left out."""
    lrs, report = remote_lrs(cfg), {}
    activity, agent, registration = Activity(id=cfg["activityId"]), agent_of(cfg), cfg["registration"]

    def document(state_id: str, content: str, content_type: str, etag: str | None = None) -> StateDocument:
        return StateDocument(
            activity=activity,
            agent=agent,
            registration=registration,
            id=state_id,
            content=content,
            content_type=content_type,
            etag=etag,
        )

    def retrieve(state_id: str):
        return lrs.retrieve_state(activity, agent, state_id, registration=registration)

    ok(lrs.save_state(document("bookmark", '{"page": 1, "chapter": "one"}', "application/json")), "save_state json")
    ok(lrs.save_state(document("notes", "first notes", "text/plain")), "save_state text")
    bookmark = ok(retrieve("bookmark"), "retrieve_state")
    report["bookmark"] = {
        "contents": bytes(bookmark.content.content).decode(),
        "etag": read_etag(bookmark),
        "contentType": bookmark.response.getheader("Content-Type"),
    }
    notes_etag = read_etag(ok(retrieve("notes"), "retrieve_state notes"))
    ok(lrs.save_state(document("notes", "second notes", "text/plain", notes_etag)), "save_state If-Match")
    report["stale"] = status(lrs.save_state(document("notes", "third notes", "text/plain", notes_etag)))
    report["notes"] = bytes(ok(retrieve("notes"), "retrieve_state notes").content.content).decode()

    report["ids"] = sorted(ok(lrs.retrieve_state_ids(activity, agent, registration=registration), "ids").content)
    ok(lrs.delete_state(document("notes", "", "text/plain")), "delete_state")
    report["idsAfterDrop"] = sorted(
        ok(lrs.retrieve_state_ids(activity, agent, registration=registration), "ids").content
    )
    report["dropped"] = status(retrieve("notes"))

    other = cfg["otherRegistration"]
    scratch = StateDocument(
        activity=activity, agent=agent, registration=other, id="scratch", content="x", content_type="text/plain"
    )
    ok(lrs.save_state(scratch), "save_state other")
    ok(lrs.clear_state(activity, agent, registration=other), "clear_state")
    report["otherIds"] = ok(lrs.retrieve_state_ids(activity, agent, registration=other), "ids").content
    return report


def profile_round_trip(lrs: RemoteLRS, names: dict, make) -> dict:
    """One scenario for both profile resources; `make(profile_id, content, content_type, etag)`
    builds the library's document object for the place."""
    report = {}
    save, retrieve = getattr(lrs, names["save"]), getattr(lrs, names["retrieve"])
    # TinCanPython sends neither If-Match nor If-None-Match when the document has no ETag.
    created = save(make("settings", '{"theme": "dark"}', "application/json", None))
    report["create"] = status(created)
    if not created.success:
        report["createError"] = str(created.data)
        return report
    report["secondCreate"] = status(save(make("settings", '{"theme": "light"}', "application/json", None)))
    first = ok(retrieve(names["place"], "settings"), "retrieve profile")
    report["created"] = {
        "contents": bytes(first.content.content).decode(),
        "etag": read_etag(first),
        "contentType": first.response.getheader("Content-Type"),
    }
    ok(save(make("settings", '{"theme": "light", "size": 2}', "application/json", read_etag(first))), "update")
    report["stale"] = status(save(make("settings", '{"theme": "blue"}', "application/json", read_etag(first))))
    updated = ok(retrieve(names["place"], "settings"), "retrieve updated profile")
    report["updated"] = {"contents": bytes(updated.content.content).decode(), "etag": read_etag(updated)}

    ok(save(make("avatar", "plain text", "text/plain", None)), "create second profile")
    ids = getattr(lrs, names["ids"])
    report["ids"] = sorted(ok(ids(names["place"]), "profile ids").content)
    avatar = ok(retrieve(names["place"], "avatar"), "retrieve avatar")
    ok(getattr(lrs, names["delete"])(make("avatar", "", "text/plain", read_etag(avatar))), "delete profile")
    report["idsAfterDrop"] = sorted(ok(ids(names["place"]), "profile ids").content)
    return report


def profiles(cfg: dict) -> dict:
    lrs = remote_lrs(cfg)
    activity, agent = Activity(id=cfg["activityId"]), agent_of(cfg)

    def activity_profile(profile_id, content, content_type, etag):
        return ActivityProfileDocument(
            activity=activity, id=profile_id, content=content, content_type=content_type, etag=etag
        )

    def agent_profile(profile_id, content, content_type, etag):
        return AgentProfileDocument(agent=agent, id=profile_id, content=content, content_type=content_type, etag=etag)

    return {
        "activity": profile_round_trip(
            lrs,
            {
                "save": "save_activity_profile",
                "retrieve": "retrieve_activity_profile",
                "ids": "retrieve_activity_profile_ids",
                "delete": "delete_activity_profile",
                "place": activity,
            },
            activity_profile,
        ),
        "agent": profile_round_trip(
            lrs,
            {
                "save": "save_agent_profile",
                "retrieve": "retrieve_agent_profile",
                "ids": "retrieve_agent_profile_ids",
                "delete": "delete_agent_profile",
                "place": agent,
            },
            agent_profile,
        ),
    }


def about(cfg: dict) -> dict:
    """TinCanPython has no calls for the Activities and Agents resources. Its About model takes only
    the versions it knows (up to 1.0.3), so an LRS that also serves 2.0.0 makes `about()` raise."""
    try:
        return {"versions": ok(remote_lrs(cfg).about(), "about").content.version}
    except ValueError as error:
        return {"about_error": str(error)}
