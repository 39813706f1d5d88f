"""GET /xapi/statements: single statements, filters, voiding, StatementRefs, paging, formats."""

import base64
import json
import time
import uuid
from urllib.parse import quote

from lrs.keys import cursor_secret_key
from lrs.statements import cursor
from tests.conftest import make_statement

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
ALICE = {"objectType": "Agent", "mbox": "mailto:alice@example.com", "name": "Alice"}
BOB = {"objectType": "Agent", "mbox": "mailto:bob@example.com", "name": "Bob"}


def agent_param(agent: dict) -> str:
    return quote(json.dumps(agent))


async def post(xapi, *statements) -> list[str]:
    response = await xapi.post("/xapi/statements", json=list(statements))
    assert response.status == 200, await response.text()
    return await response.json()


async def ids_for(xapi, query: str) -> list[str]:
    response = await xapi.get(f"/xapi/statements?{query}")
    assert response.status == 200, await response.text()
    return [s["id"] for s in (await response.json())["statements"]]


async def test_unknown_statement_id_is_404(xapi):
    response = await xapi.get(f"/xapi/statements?statementId={uuid.uuid4()}")
    assert response.status == 404
    assert "X-Experience-API-Consistent-Through" in response.headers


async def test_single_statement_has_last_modified_and_consistency_headers(xapi):
    [statement_id] = await post(xapi, make_statement())
    response = await xapi.get(f"/xapi/statements?statementId={statement_id}")
    assert response.headers["Last-Modified"].endswith("GMT")
    assert response.headers["X-Experience-API-Consistent-Through"]


async def test_statement_id_with_other_filter_is_400(xapi):
    response = await xapi.get(f"/xapi/statements?statementId={uuid.uuid4()}&verb=http://x.com/v")
    assert response.status == 400


async def test_statement_id_and_voided_statement_id_together_are_400(xapi):
    response = await xapi.get(f"/xapi/statements?statementId={uuid.uuid4()}&voidedStatementId={uuid.uuid4()}")
    assert response.status == 400


async def test_head_returns_headers_without_body(xapi):
    [statement_id] = await post(xapi, make_statement())
    response = await xapi.head(f"/xapi/statements?statementId={statement_id}")
    assert response.status == 200
    assert await response.read() == b""
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


async def test_list_is_newest_first_and_ascending_reverses(xapi):
    first = await post(xapi, make_statement())
    second = await post(xapi, make_statement())
    assert await ids_for(xapi, "") == second + first
    assert await ids_for(xapi, "ascending=true") == first + second


async def test_filter_by_agent_matches_actor_and_agent_object(xapi):
    as_actor, as_object, other = await post(
        xapi,
        make_statement(actor=ALICE),
        make_statement(actor=BOB, object=ALICE),
        make_statement(actor=BOB),
    )
    assert set(await ids_for(xapi, f"agent={agent_param(ALICE)}")) == {as_actor, as_object}


async def test_agent_filter_matches_group_with_that_member(xapi):
    group = {"objectType": "Group", "name": "Team", "member": [ALICE, BOB]}
    [statement_id] = await post(xapi, make_statement(actor=group))
    assert await ids_for(xapi, f"agent={agent_param({'mbox': 'mailto:bob@example.com'})}") == [statement_id]


async def test_related_agents_includes_context_instructor(xapi):
    [statement_id] = await post(xapi, make_statement(context={"instructor": ALICE}))
    assert await ids_for(xapi, f"agent={agent_param(ALICE)}") == []
    assert await ids_for(xapi, f"agent={agent_param(ALICE)}&related_agents=true") == [statement_id]


async def test_related_agents_and_activities_reach_authority_team_and_sub_statements(xapi):
    quiz = "http://example.com/activities/quiz"
    sub_statement = {
        "objectType": "SubStatement",
        "actor": ALICE,
        "verb": {"id": "http://example.com/verbs/planned"},
        "object": {"id": quiz},
    }
    in_team, in_sub_statement = await post(
        xapi,
        make_statement(context={"team": {"objectType": "Group", "member": [ALICE]}}),
        make_statement(object=sub_statement),
    )
    assert await ids_for(xapi, f"agent={agent_param(ALICE)}") == []
    assert set(await ids_for(xapi, f"agent={agent_param(ALICE)}&related_agents=true")) == {in_team, in_sub_statement}
    assert await ids_for(xapi, f"activity={quote(quiz)}") == []
    assert await ids_for(xapi, f"activity={quote(quiz)}&related_activities=true") == [in_sub_statement]
    authority = {"account": {"homePage": "http://lrs.invalid", "name": "test-admin"}}
    assert await ids_for(xapi, f"agent={agent_param(authority)}") == []
    assert set(await ids_for(xapi, f"agent={agent_param(authority)}&related_agents=true")) == {
        in_team,
        in_sub_statement,
    }


async def test_filters_combine_and_a_statement_must_meet_every_one(xapi):
    passed = "http://example.com/verbs/passed"
    course = "http://example.com/activities/course"
    registration = str(uuid.uuid4())
    context = {"instructor": ALICE, "registration": registration, "contextActivities": {"parent": [{"id": course}]}}
    other_course = {"parent": [{"id": "http://example.com/activities/other"}]}
    wanted, *_ = await post(
        xapi,
        make_statement(actor=BOB, verb={"id": passed}, context=context),
        # Each of these misses one condition.
        make_statement(actor=BOB, verb={"id": passed}, context={**context, "instructor": BOB}),
        make_statement(actor=BOB, context=context),
        make_statement(actor=BOB, verb={"id": passed}, context={**context, "contextActivities": other_course}),
        make_statement(actor=BOB, verb={"id": passed}, context={**context, "registration": str(uuid.uuid4())}),
    )
    query = (
        f"agent={agent_param(ALICE)}&related_agents=true&activity={quote(course)}&related_activities=true"
        f"&verb={passed}&registration={registration}"
    )
    assert await ids_for(xapi, query) == [wanted]


async def test_verb_within_a_course_reaches_statements_targeting_the_matches(xapi):
    passed, course = "http://example.com/verbs/passed", "http://example.com/activities/course"
    in_course = {"contextActivities": {"parent": [{"id": course}]}}
    later = str(uuid.uuid4())
    [to_later] = await post(xapi, make_statement(actor=BOB, object={"objectType": "StatementRef", "id": later}))
    wanted, _, _ = await post(
        xapi,
        make_statement(verb={"id": passed}, context=in_course),
        make_statement(context=in_course),  # another verb in the course
        make_statement(verb={"id": passed}),  # the verb outside the course
    )
    [to_wanted] = await post(xapi, make_statement(actor=BOB, object={"objectType": "StatementRef", "id": wanted}))
    await post(xapi, make_statement(id=later, verb={"id": passed}, context=in_course))
    query = f"verb={passed}&activity={quote(course)}&related_activities=true"
    assert set(await ids_for(xapi, query)) == {wanted, to_wanted, later, to_later}
    # With a more selective filter given to the database, the pair is checked after it.
    assert set(await ids_for(xapi, f"{query}&agent={agent_param(BOB)}")) == {to_wanted, to_later}


async def test_filter_by_verb_activity_and_registration(xapi):
    registration = str(uuid.uuid4())
    target, _ = await post(
        xapi,
        make_statement(
            verb={"id": "http://example.com/verbs/passed"},
            object={"id": "http://example.com/activities/quiz"},
            context={"registration": registration},
        ),
        make_statement(),
    )
    assert await ids_for(xapi, "verb=http://example.com/verbs/passed") == [target]
    assert await ids_for(xapi, f"activity={quote('http://example.com/activities/quiz')}") == [target]
    assert await ids_for(xapi, f"registration={registration}") == [target]


async def test_related_activities_includes_context_activities(xapi):
    course = "http://example.com/activities/course"
    [statement_id] = await post(xapi, make_statement(context={"contextActivities": {"parent": {"id": course}}}))
    assert await ids_for(xapi, f"activity={quote(course)}") == []
    assert await ids_for(xapi, f"activity={quote(course)}&related_activities=true") == [statement_id]


async def test_single_context_activity_is_returned_as_an_array(xapi):
    context = {"contextActivities": {"parent": {"id": "http://example.com/activities/course"}}}
    [statement_id] = await post(xapi, make_statement(context=context))
    stored = await (await xapi.get(f"/xapi/statements?statementId={statement_id}")).json()
    assert stored["context"]["contextActivities"]["parent"] == [{"id": "http://example.com/activities/course"}]


async def test_since_is_exclusive_and_until_inclusive(xapi):
    [first] = await post(xapi, make_statement())
    stored = (await (await xapi.get(f"/xapi/statements?statementId={first}")).json())["stored"]
    [second] = await post(xapi, make_statement())
    assert first not in await ids_for(xapi, f"since={quote(stored)}")
    assert await ids_for(xapi, f"until={quote(stored)}") == [first]
    assert second in await ids_for(xapi, f"since={quote(stored)}")


async def test_bad_filter_values_are_400(xapi):
    for query in (
        "agent=notjson",
        "since=yesterday",
        "limit=-1",
        "limit=%C2%B2",
        "limit=" + "9" * 5000,
        "ascending=yes",
        "format=full",
    ):
        response = await xapi.get(f"/xapi/statements?{query}")
        assert response.status == 400, query


async def test_registration_that_is_not_a_uuid_and_verb_that_is_not_an_iri_are_400(xapi):
    for query, rule in (
        ("registration=not-a-uuid", "registration: must be a UUID"),
        (f"verb={quote('not an iri')}", "verb: must be an absolute IRI"),
    ):
        response = await xapi.get(f"/xapi/statements?{query}")
        assert response.status == 400, query
        assert (await response.json())["detail"].startswith(rule)


async def test_voided_statement_is_hidden_but_retrievable_by_voided_statement_id(xapi):
    [target] = await post(xapi, make_statement())
    [voiding] = await post(
        xapi, make_statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target})
    )
    assert (await xapi.get(f"/xapi/statements?statementId={target}")).status == 404
    response = await xapi.get(f"/xapi/statements?voidedStatementId={target}")
    assert response.status == 200 and (await response.json())["id"] == target
    assert await ids_for(xapi, "") == [voiding]
    assert (await xapi.get(f"/xapi/statements?voidedStatementId={voiding}")).status == 404


async def test_voiding_a_voiding_statement_is_rejected(xapi):
    [target] = await post(xapi, make_statement())
    void = {"objectType": "StatementRef", "id": target}
    [voiding] = await post(xapi, make_statement(verb={"id": VOIDED}, object=void))
    response = await xapi.post(
        "/xapi/statements",
        json=make_statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voiding}),
    )
    assert response.status == 400
    assert (await xapi.get(f"/xapi/statements?statementId={voiding}")).status == 200


async def test_statement_voided_before_it_arrives_is_stored_voided(xapi):
    target = str(uuid.uuid4())
    await post(xapi, make_statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target}))
    await post(xapi, make_statement(id=target))
    assert (await xapi.get(f"/xapi/statements?statementId={target}")).status == 404
    assert (await xapi.get(f"/xapi/statements?voidedStatementId={target}")).status == 200


async def test_statement_ref_targets_meet_the_targets_filters_recursively(xapi):
    ben = {"mbox": "mailto:ben@example.com"}
    [original] = await post(xapi, make_statement(actor=ben))
    [confirm] = await post(xapi, make_statement(actor=BOB, object={"objectType": "StatementRef", "id": original}))
    [endorse] = await post(xapi, make_statement(actor=ALICE, object={"objectType": "StatementRef", "id": confirm}))
    assert set(await ids_for(xapi, f"agent={agent_param(ben)}")) == {original, confirm, endorse}


async def test_statement_ref_to_a_later_statement_gains_its_keys_when_it_arrives(xapi):
    later = str(uuid.uuid4())
    [ref] = await post(xapi, make_statement(actor=BOB, object={"objectType": "StatementRef", "id": later}))
    await post(xapi, make_statement(id=later, verb={"id": "http://example.com/verbs/rare"}))
    assert set(await ids_for(xapi, "verb=http://example.com/verbs/rare")) == {ref, later}


async def test_limit_and_more_walk_every_statement_once(xapi):
    posted = await post(xapi, *[make_statement() for _ in range(7)])
    seen, url = [], "/xapi/statements?limit=3"
    while url:
        body = await (await xapi.get(url)).json()
        seen += [s["id"] for s in body["statements"]]
        url = body.get("more")
        assert url is None or url.startswith("/xapi/statements?more=")
    assert seen == list(reversed(posted))


async def test_no_more_link_when_the_last_page_is_exactly_full(xapi):
    await post(xapi, *[make_statement() for _ in range(4)])
    body = await (await xapi.get("/xapi/statements?limit=2")).json()
    body = await (await xapi.get(body["more"])).json()
    assert len(body["statements"]) == 2 and "more" not in body


async def test_more_cursor_keeps_the_original_filter(xapi):
    rare = "http://example.com/verbs/rare"
    wanted = await post(xapi, *[make_statement(verb={"id": rare}) for _ in range(3)])
    await post(xapi, *[make_statement() for _ in range(3)])
    body = await (await xapi.get(f"/xapi/statements?verb={rare}&limit=2")).json()
    rest = await (await xapi.get(body["more"])).json()
    assert [s["id"] for s in body["statements"] + rest["statements"]] == list(reversed(wanted))


async def test_more_beside_the_query_it_continues_is_that_query_and_any_other_parameter_is_400(xapi):
    # Ralph sends the query it started with again, with `more` added.
    rare = "http://example.com/verbs/rare"
    wanted = await post(xapi, *[make_statement(verb={"id": rare}) for _ in range(3)])
    body = await (await xapi.get("/xapi/statements", params={"verb": rare, "limit": "2"})).json()
    token = body["more"].split("more=", 1)[1]
    rest = await (await xapi.get("/xapi/statements", params={"verb": rare, "limit": "2", "more": token})).json()
    assert [s["id"] for s in body["statements"] + rest["statements"]] == list(reversed(wanted))
    for changed in ({"verb": "http://example.com/verbs/other", "limit": "2"}, {"limit": "5"}, {"ascending": "true"}):
        response = await xapi.get("/xapi/statements", params={**changed, "more": token})
        assert response.status == 400, changed
        detail = (await response.json())["detail"]
        assert detail.startswith(next(n for n in changed if changed[n] != {"verb": rare, "limit": "2"}.get(n))), detail


async def test_tampered_more_cursor_is_400(xapi):
    await post(xapi, *[make_statement() for _ in range(3)])
    body = await (await xapi.get("/xapi/statements?limit=1")).json()
    response = await xapi.get(body["more"][:-2] + "00")
    assert response.status == 400


async def test_more_cursor_issued_before_sequence_numbers_asks_for_the_query_again(xapi, client):
    # The earlier format: the last page's `stored` and `_id`, signed with the same secret.
    payload = json.dumps({"q": {}, "s": 1735689600000, "o": "0" * 24, "t": int(time.time())}).encode()
    data = base64.urlsafe_b64encode(payload).rstrip(b"=")
    token = f"{data.decode()}.{cursor._sign(client.server.app[cursor_secret_key], data)}"
    response = await xapi.get(f"/xapi/statements?more={token}")
    assert response.status == 400
    assert "run the query again" in (await response.json())["detail"]


async def test_garbage_more_cursor_is_400(xapi):
    for token in ("ünïcödé.ünï", "", ".", "abc", "x" * 300):
        response = await xapi.get(f"/xapi/statements?more={quote(token)}")
        assert response.status == 400, token


async def test_server_page_size_caps_limit(xapi, settings):
    await post(xapi, *[make_statement() for _ in range(settings.statement_limit + 1)])
    body = await (await xapi.get("/xapi/statements?limit=0")).json()
    assert len(body["statements"]) == settings.statement_limit and body["more"]


async def test_ids_format_reduces_agents_and_activities(xapi):
    [statement_id] = await post(
        xapi,
        make_statement(
            object={
                "id": "http://example.com/activities/one",
                "definition": {"name": {"en-US": "One"}},
            }
        ),
    )
    stored = await (await xapi.get(f"/xapi/statements?statementId={statement_id}&format=ids")).json()
    assert stored["actor"] == {"objectType": "Agent", "mbox": "mailto:learner@example.com"}
    assert "definition" not in stored["object"]


async def test_canonical_format_picks_one_language(xapi):
    definition = {"name": {"en-US": "One", "fr-FR": "Un"}}
    [statement_id] = await post(
        xapi,
        make_statement(
            object={
                "id": "http://example.com/activities/one",
                "definition": definition,
            }
        ),
    )
    response = await xapi.get(
        f"/xapi/statements?statementId={statement_id}&format=canonical", headers={"Accept-Language": "fr"}
    )
    assert (await response.json())["object"]["definition"]["name"] == {"fr-FR": "Un"}


async def test_statement_ids_that_are_not_uuids_are_400(xapi):
    for name in ("statementId", "voidedStatementId"):
        response = await xapi.get(f"/xapi/statements?{name}=wrong")
        assert response.status == 400
        assert name in (await response.json())["detail"]


async def test_ids_format_applies_to_lists_and_to_their_more_pages(xapi):
    activity = {"id": "http://example.com/activities/one", "definition": {"name": {"en-US": "One"}}}
    await post(xapi, make_statement(object=activity), make_statement(object=activity))
    first = await (await xapi.get("/xapi/statements?format=ids&limit=1")).json()
    second = await (await xapi.get(first["more"])).json()
    for page in (first, second):
        [statement] = page["statements"]
        assert statement["actor"] == {"objectType": "Agent", "mbox": "mailto:learner@example.com"}
        assert "definition" not in statement["object"]


async def test_canonical_list_pages_follow_the_accept_language_of_each_request(xapi):
    activity = {"id": "http://example.com/activities/one", "definition": {"name": {"en-US": "One", "fr-FR": "Un"}}}
    await post(xapi, make_statement(object=activity), make_statement(object=activity))
    first = await xapi.get("/xapi/statements?format=canonical&limit=1", headers={"Accept-Language": "fr"})
    first = await first.json()
    second = await (await xapi.get(first["more"], headers={"Accept-Language": "en"})).json()
    assert first["statements"][0]["object"]["definition"]["name"] == {"fr-FR": "Un"}
    assert second["statements"][0]["object"]["definition"]["name"] == {"en-US": "One"}
