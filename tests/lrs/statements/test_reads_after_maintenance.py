"""Lists stay exact after the maintenance that rewrites the store: an erasure deletes statements
and leaves their sequence numbers unused (holes, some of them long), and an import stores old
statements anew, through the write path, after those already there."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from lrs.keys import database_key, statement_hooks_key
from lrs.statements import store
from lrs.statements.query import StatementQuery
from lrs.transfer import format
from lrs.transfer.export import export_lines
from lrs.transfer.importer import Importer, import_principal
from lrs.transfer.sources import import_file
from tests.conftest import make_statement

ADA = {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
BOB = {"objectType": "Agent", "mbox": "mailto:bob@example.com"}
VERBS = ["http://example.com/verbs/a", "http://example.com/verbs/b"]


async def post_batch(xapi, statements: list[dict]) -> list[str]:
    response = await xapi.post("/xapi/statements", json=statements)
    assert response.status == 200, await response.text()
    return await response.json()


async def read_all(xapi, **params) -> list[dict]:
    """Every page, following `more`, checking that no page is larger than asked."""
    limit = params.setdefault("limit", 7)
    response = await xapi.get(f"/xapi/statements?{urlencode(params)}")
    statements = []
    while True:
        assert response.status == 200, await response.text()
        body = await response.json()
        assert len(body["statements"]) <= limit
        statements += body["statements"]
        if not body.get("more"):
            return statements
        response = await xapi.get(body["more"])


async def stored_of(xapi, statement_id: str) -> str:
    return (await (await xapi.get(f"/xapi/statements?statementId={statement_id}")).json())["stored"]


async def read_ids(xapi, **params) -> list[str]:
    return [s["id"] for s in await read_all(xapi, **params)]


async def test_pages_walk_over_the_holes_an_erasure_leaves(xapi):
    # 300 statements in 15 batches: Ada's every third one, and all of batches 5 to 9 (a hole of
    # 100 numbers, far wider than a page), among Bob's.
    for batch in range(15):
        await post_batch(
            xapi,
            [
                make_statement(actor=ADA if 5 <= batch <= 9 or n % 3 == 0 else BOB, verb={"id": VERBS[n % 2]})
                for n in range(20)
            ],
        )
    everything = await read_all(xapi, limit=50)
    response = await xapi.post("/admin/erasures", json={"agent": ADA})
    assert response.status == 201 and (await response.json())["counts"]["statementsDeleted"] == 5 * 20 + 10 * 7

    kept = [s for s in everything if s["actor"]["mbox"] == BOB["mbox"]]
    assert len(kept) == 130
    ids = [s["id"] for s in kept]
    assert await read_ids(xapi) == ids
    assert await read_ids(xapi, ascending="true", limit=11) == ids[::-1]
    assert await read_ids(xapi, verb=VERBS[1], limit=5) == [s["id"] for s in kept if s["verb"]["id"] == VERBS[1]]
    middle = everything[len(everything) // 2]["stored"]  # inside the erased stretch
    assert await read_ids(xapi, since=middle, ascending="true") == [s["id"] for s in kept[::-1] if s["stored"] > middle]
    assert await read_ids(xapi, until=middle, limit=9) == [s["id"] for s in kept if s["stored"] <= middle]


@pytest.fixture
def source(second_lrs):
    """Where the imported statements come from."""
    return second_lrs


async def test_imported_statements_are_numbered_after_those_already_stored(xapi, source, database, tmp_path):
    old = []
    for _ in range(3):  # stored in the source first, so their `stored` is the earliest here
        old += await post_batch(source, [make_statement(verb={"id": VERBS[n % 2]}) for n in range(8)])
    here = []
    for _ in range(3):
        here += await post_batch(xapi, [make_statement(actor=BOB, verb={"id": VERBS[n % 2]}) for n in range(6)])
    before_import = await stored_of(xapi, here[-1])

    path = tmp_path / "export.ndjson"
    with path.open("wb") as out:
        async for line in export_lines(source.client.server.app[database_key], StatementQuery(), {}, False):
            out.write(format.dump(line).encode())
    app = xapi.client.server.app
    importer = Importer(database, app[statement_hooks_key], import_principal(""), batch_size=5)
    await import_file(importer, path, False, lambda total, done: None)
    assert importer.counts.statements == len(old)

    # The store's order is the order of storing here: what was imported comes after, in the
    # order it was exported (its own `stored` order), and `stored` is this LRS's.
    order = here + old
    assert await read_ids(xapi, ascending="true", limit=4) == order
    assert await read_ids(xapi, limit=5) == order[::-1]
    assert await read_ids(xapi, since=before_import, ascending="true") == old
    assert await read_ids(xapi, until=before_import) == here[::-1]
    verb_a = {s["id"] for s in await read_all(xapi, limit=50) if s["verb"]["id"] == VERBS[0]}
    assert await read_ids(xapi, verb=VERBS[0], limit=3) == [i for i in order[::-1] if i in verb_a]
    documents = await database[store.STATEMENTS].find({}, [store.ID, store.SEQ, store.STORED]).to_list()
    by_number = sorted(documents, key=lambda d: d[store.SEQ])
    assert len({d[store.SEQ] for d in documents}) == len(documents)
    assert [d[store.ID] for d in by_number] == [i.lower() for i in order]
    assert [d[store.STORED] for d in by_number] == sorted(d[store.STORED] for d in documents)
