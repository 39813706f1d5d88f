"""The Learners and Registrations lists: one row per actor or registration, newest activity
first, a page at a time; and the answers for what does not exist."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from console import learners
from lrs.statements.service import format_timestamp
from tests.conftest import make_statement

ROW = re.compile(r'<a href="/console/learner\?key=([^"]+)">([^<]+)</a>')


async def test_learners_newest_first_a_page_at_a_time(admin_console, xapi, monkeypatch):
    monkeypatch.setattr(learners, "PAGE", 2)
    now = datetime.now(UTC)
    names = ["Ada", "Grace", "Alan", "Barbara", "Edsger"]
    await xapi.post(
        "/xapi/statements",
        json=[
            make_statement(
                actor={"mbox": f"mailto:{name.lower()}@example.com", "name": name},
                timestamp=format_timestamp(now - timedelta(minutes=index)),
            )
            for index, name in enumerate(names)
        ]
        + [
            make_statement(
                actor={"mbox": "mailto:ada@example.com", "name": "Ada"},
                timestamp=format_timestamp(now - timedelta(hours=3)),
            )
        ],
    )
    seen = []
    path = "/console/learners"
    while path:
        page = await admin_console.page(path)
        seen += [name for _, name in ROW.findall(page)]
        found = re.search(r'href="(/console/learners\?before=[^"]+)" rel="next"', page)
        path = found.group(1).replace("&amp;", "&") if found else None
    assert seen == names  # each once, by their latest activity
    learner = await admin_console.page("/console/learner?key=mbox%3Amailto%3Aada%40example.com")
    assert "Ada" in learner and "their statements" in learner


async def test_unknown_things_answer_404_pages(admin_console):
    for path in (
        "/console/learner?key=nobody",
        "/console/courses/nope",
        "/console/registrations/5e0c2bb5-4f3c-4e5f-9a4d-1c8b9f7e6d5a",
    ):
        page = await admin_console.page(path, expect=404)
        assert "Not found" in page
    await admin_console.page("/console/statements?more=forged.cursor", expect=400)
    await admin_console.page("/console/statements/live?since=yesterday", expect=400)
