"""The Statements page over HTTP: the xAPI filters and their rules, paging, voided statements,
escaping, the live window and the streamed exports."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from console import statement_list
from lrs.datatypes import parse_timestamp
from lrs.statements.service import format_timestamp
from tests.conftest import make_statement

VERB = "http://adlnet.gov/expapi/verbs/answered"
IDS = re.compile(r'id="statement-([0-9a-f-]{36})"')
NEXT = re.compile(r'href="(/console/statements\?more=[^"]+)" rel="next"')


async def post(xapi, statements):
    response = await xapi.post("/xapi/statements", json=statements)
    assert response.status == 200, await response.text()
    return await response.json()


def answered(n: int, **overrides):
    return make_statement(
        verb={"id": VERB, "display": {"en-US": "answered"}},
        object={"id": f"http://example.com/questions/{n}", "definition": {"name": {"en-US": f"Question {n}"}}},
        **overrides,
    )


async def test_filter_and_follow_pages_newest_first(admin_console, xapi):
    ids = await post(xapi, [answered(n) for n in range(30)])
    ids += await post(xapi, [answered(n) for n in range(30, 60)])
    await post(xapi, [make_statement() for _ in range(5)])  # another verb, left out by the filter
    page = await admin_console.page(f"/console/statements?verb={VERB}&size=25")
    shown = IDS.findall(page)
    seen = list(shown)
    while (found := NEXT.search(page)) is not None:
        page = await admin_console.page(found.group(1).replace("&amp;", "&"))
        shown = IDS.findall(page)
        assert len(shown) <= 25
        seen += shown
    assert len(seen) == 60 and set(seen) == set(ids)
    # Newest first: the second batch (stored later) before the first.
    assert set(seen[:30]) == set(ids[30:])
    assert "Question 59" in (await admin_console.page(f"/console/statements?verb={VERB}&size=25"))


async def test_the_form_applies_the_xapi_rules_of_each_parameter(admin_console, xapi):
    response = await xapi.get("/xapi/statements", params={"verb": "not an iri"})
    xapi_detail = (await response.json())["detail"]
    page = await admin_console.page("/console/statements?verb=not+an+iri", expect=400)
    assert xapi_detail in page  # "verb: must be an absolute IRI", from the same rule
    await admin_console.page("/console/statements?registration=nope", expect=400)


async def test_agent_accepts_an_email_address_for_short(admin_console, xapi):
    await post(xapi, [make_statement(actor={"mbox": "mailto:ada@example.com", "name": "Ada"}), make_statement()])
    page = await admin_console.page("/console/statements?agent=ada%40example.com")
    assert len(IDS.findall(page)) == 1
    assert "Ada" in page


async def test_a_statement_whose_strings_hold_html_is_shown_as_text(admin_console, xapi):
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    await post(
        xapi,
        [
            make_statement(
                actor={"mbox": "mailto:x@example.com", "name": hostile},
                verb={"id": VERB, "display": {"en-US": "<b>answered</b>"}},
                object={"id": "http://example.com/q", "definition": {"name": {"en-US": hostile}}},
                result={"response": "</pre><script>alert(3)</script>"},
            )
        ],
    )
    page = await admin_console.page("/console/statements")
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>answered" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(3)" in page


async def test_a_voiding_statement_shows_the_statement_it_voided_marked(admin_console, xapi):
    [target] = await post(xapi, [answered(1)])
    [voiding] = await post(
        xapi,
        [
            make_statement(
                verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                object={"objectType": "StatementRef", "id": target},
            )
        ],
    )
    page = await admin_console.page("/console/statements")
    assert IDS.findall(page) == [voiding]  # voided statements never appear in lists, as in xAPI
    assert 'class="badge badge-voided">voided</span>' in page and "<del>Learner answered Question 1</del>" in page
    looked_up = await admin_console.page(f"/console/statements?statementId={target.upper()}")
    assert 'class="statement is-voided"' in looked_up


async def test_voiding_statements_of_one_page_find_their_targets_together(admin_console, xapi):
    targets = await post(xapi, [answered(n) for n in (1, 2)])
    voided = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    nowhere = str(uuid.uuid4())  # a target this LRS never stored
    await post(
        xapi,
        [make_statement(verb=voided, object={"objectType": "StatementRef", "id": i.upper()}) for i in targets]
        + [make_statement(verb=voided, object={"objectType": "StatementRef", "id": nowhere})],
    )
    page = await admin_console.page("/console/statements")
    assert page.count("<del>Learner answered Question") == 2
    assert "<del>Learner answered Question 1</del>" in page and "<del>Learner answered Question 2</del>" in page


async def test_the_live_window_shows_what_arrived_since_the_last_poll(admin_console, xapi):
    since = format_timestamp(datetime.now(UTC) - timedelta(seconds=5))
    [first] = await post(xapi, [answered(1)])
    await asyncio.sleep(1.1)  # a poll covers what is consistent, up to one second ago
    page = await admin_console.page(
        f"/console/statements/live?since={since}&verb={VERB}", headers={"HX-Request": "true"}
    )
    assert IDS.findall(page) == [first]
    poller = re.search(r'id="live-poller" hx-swap-oob="true" hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "verb=" in poller
    until = parse_timestamp(unquote(re.search(r"since=([^&]+)", poller).group(1)))
    assert until > parse_timestamp(since)
    # The next poll starts where this one ended: the statement is not shown twice.
    assert IDS.findall(await admin_console.page(poller)) == []


async def test_exports_stream_every_statement_of_the_filter(admin_console, xapi, monkeypatch):
    monkeypatch.setattr(statement_list, "EXPORT_PAGE", 7)  # several pages of the keyset walk
    ids = await post(xapi, [answered(n) for n in range(20)])
    await post(
        xapi,
        [
            make_statement(),
            make_statement(actor={"mbox": "mailto:f@example.com", "name": "=HYPERLINK(1)"}, verb={"id": VERB}),
        ],
    )
    response = await admin_console.client.get(f"/console/statements/export.ndjson?verb={VERB}")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    assert "attachment" in response.headers["Content-Disposition"]
    lines = [json.loads(line) for line in (await response.text()).splitlines()]
    assert len(lines) == 21 and set(ids) <= {s["id"] for s in lines}
    response = await admin_console.client.get(f"/console/statements/export.csv?verb={VERB}")
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert len(rows) == 21
    assert {row["id"] for row in rows} >= set(ids)
    formula = next(row for row in rows if "HYPERLINK" in row["actor"])
    assert formula["actor"] == "'=HYPERLINK(1)"  # never read as a formula by a spreadsheet
    assert rows[0]["verb"] == "answered"


async def test_export_refuses_bad_filters_like_the_page(admin_console):
    response = await admin_console.client.get("/console/statements/export.csv?verb=nope")
    assert response.status == 400


async def test_a_page_size_that_is_no_number_of_ours_gives_the_first_size(admin_console):
    # "\u00b2" is a digit to str.isdigit, not to int(): once a 500.
    for size in ("\u00b2", "7", "x"):
        assert "No statement matches." in await admin_console.page(f"/console/statements?size={size}")
