"""Statement reads over windows of sequence numbers: order, paging and bounds, however the
statements arrived in time (over a year, or all within the same millisecond)."""

import random
import uuid
from datetime import UTC, datetime, timedelta

from lrs.statements import sequence, store
from lrs.statements.query import Position, StatementQuery, Walk, find_statements
from lrs.statements.sequence import BLOCK, Marks
from tests.conftest import make_statement

T0 = datetime(2025, 1, 1, tzinfo=UTC)
VERBS = [f"http://example.com/verbs/{n}" for n in range(4)]
COURSES = [f"http://example.com/courses/{n}" for n in range(3)]


async def insert_batch(database, moment: datetime, statements: list[dict]) -> list[dict]:
    """Store a batch as the write path does: numbers and `stored` from the counter, then insert."""
    allocation = await sequence.update_sequence(database, len(statements), moment)
    documents = []
    for number, statement in enumerate(statements):
        statement["stored"] = allocation.stored.isoformat()
        documents.append(store.to_document(statement, allocation.first + number, allocation.stored, "test", []))
    await store.insert_statements(database, documents)
    return documents


async def insert_at(database, moments: list[datetime], **overrides) -> list[str]:
    ids = []
    for moment in moments:
        statement = make_statement(id=str(uuid.uuid4()), **overrides)
        await insert_batch(database, moment, [statement])
        ids.append(statement["id"])
    return ids


def varied_statement(rng: random.Random) -> dict:
    return make_statement(
        id=str(uuid.uuid4()),
        verb={"id": rng.choice(VERBS)},
        context={"contextActivities": {"parent": [{"id": rng.choice(COURSES)}]}},
    )


async def read_all(database, q: StatementQuery, limit: int) -> list[str]:
    """Every page of a read, following the position each page ends at, as `more` does."""
    seen, after = [], None
    while True:
        page = await find_statements(database, StatementQuery(**{**q.__dict__, "after": after}), limit)
        assert len(page.statements) <= limit
        seen += [s["id"] for s in page.statements]
        if page.last is None:
            return seen
        after = page.last


def expected(documents: list[dict], verb=None, course=None, since=None, until=None, ascending=False) -> list[str]:
    chosen = [
        d
        for d in documents
        if (verb is None or verb in d[store.VERBS])
        and (course is None or course in d[store.RELATED_ACTIVITIES])
        and (since is None or d[store.STORED] > since)
        and (until is None or d[store.STORED] <= until)
    ]
    chosen.sort(key=lambda d: d[store.SEQ], reverse=not ascending)
    return [d[store.BODY]["id"] for d in chosen]


def test_marks_bound_since_and_until_to_within_a_block():
    marks = Marks()
    marks.merge([{"_id": block, "stored": T0 + timedelta(hours=block)} for block in (1, 2, 4)])
    # Everything before block 2 was stored at or before T0 + 2h; from block 4 on, at or after T0 + 4h.
    assert marks.after(T0 + timedelta(hours=2, minutes=30)) == 2 * BLOCK - 1
    assert marks.after(T0) == 0
    assert marks.through(T0 + timedelta(hours=3), top=10_000) == 4 * BLOCK - 1
    assert marks.through(T0 + timedelta(hours=5), top=10_000) == 10_000


def test_window_span_follows_the_share_the_filter_matched():
    walk = Walk(0, 1_000_000)
    assert walk.next_span(100) == 108  # a page and a few numbers
    walk.covered(walk.next_window(100), None)
    walk.read, walk.matched = 27, 27
    # A quarter matched: the next window spans what the rest of the page needs at that share.
    assert walk.next_span(73) == round(73 * 1.25 / (27 / 108))
    walk.read, walk.matched = 1, 1
    assert walk.next_span(99) == 108 * 16  # but grows at most 16 times at once
    walk.read, walk.matched = 0, 0
    assert walk.next_span(100) == 108 * 64  # 64 times when it found nothing to go by
    walk.span, walk.last_span, walk.read, walk.matched = 20_000, 20_000, 900, 20
    assert walk.next_span(80) == round(1000 / (900 / 20_000))  # and reads about 1000 at most


async def test_sparse_statements_across_a_year_come_back_newest_first(database):
    moments = [T0 + timedelta(days=d, minutes=d) for d in (0, 3, 40, 41, 200, 364)]
    ids = await insert_at(database, moments)
    page = await find_statements(database, StatementQuery(), 10)
    assert [s["id"] for s in page.statements] == list(reversed(ids)) and page.last is None


async def test_stored_never_goes_backwards_even_when_a_clock_does(database):
    ids = await insert_at(database, [T0 + timedelta(hours=2), T0, T0 + timedelta(hours=1)])
    page = await find_statements(database, StatementQuery(), 10)
    assert [s["id"] for s in page.statements] == list(reversed(ids))
    stored = [s["stored"] for s in page.statements]
    assert stored == sorted(stored, reverse=True) and len(set(stored)) == 1


async def test_a_burst_in_one_millisecond_pages_every_statement_once_in_order(database):
    rng = random.Random(5)
    documents = []
    for _ in range(3):  # three big batches, all at the same moment
        documents += await insert_batch(database, T0, [varied_statement(rng) for _ in range(200)])
    for q, verb, course in [
        (StatementQuery(), None, None),
        (StatementQuery(verb=VERBS[1]), VERBS[1], None),
        (StatementQuery(verb=VERBS[2], activity=COURSES[0], related_activities=True), VERBS[2], COURSES[0]),
    ]:
        assert await read_all(database, q, 37) == expected(documents, verb, course)
        ascending = StatementQuery(**{**q.__dict__, "ascending": True})
        assert await read_all(database, ascending, 41) == expected(documents, verb, course, ascending=True)


async def test_since_and_until_cut_inside_blocks_and_across_them(database):
    rng = random.Random(7)
    documents = []
    for minute in range(120):  # 720 statements over two hours: numbers of three blocks
        documents += await insert_batch(
            database, T0 + timedelta(minutes=minute), [varied_statement(rng) for _ in range(6)]
        )
    cases = [
        (T0 + timedelta(minutes=10, seconds=30), None),
        (None, T0 + timedelta(minutes=100)),
        (T0 + timedelta(minutes=85), T0 + timedelta(minutes=111)),  # a block starts at minute 85
        (T0 + timedelta(minutes=50), T0 + timedelta(minutes=50)),  # nothing is in between
        (T0 - timedelta(days=1), T0 + timedelta(days=1)),
        (T0 + timedelta(days=1), None),
    ]
    for since, until in cases:
        for ascending in (False, True):
            q = StatementQuery(since=since, until=until, ascending=ascending)
            assert await read_all(database, q, 90) == expected(
                documents, since=since, until=until, ascending=ascending
            ), (since, until)
        q = StatementQuery(verb=VERBS[3], since=since, until=until)
        assert await read_all(database, q, 30) == expected(documents, VERBS[3], since=since, until=until)


async def test_paging_continues_after_a_position_and_skips_voided_statements(database):
    documents = await insert_batch(database, T0, [make_statement(id=str(uuid.uuid4())) for _ in range(10)])
    await store.void_statements(database, [{store.VOIDS: documents[n][store.ID]} for n in (8, 5)])
    page = await find_statements(database, StatementQuery(after=Position(documents[9][store.SEQ])), 3)
    assert [s["id"] for s in page.statements] == [documents[n][store.BODY]["id"] for n in (7, 6, 4)]
    assert page.last == Position(documents[4][store.SEQ])


async def test_holes_in_the_numbers_are_walked_over(database):
    first = await insert_at(database, [T0])
    await sequence.update_sequence(database, 5_000, T0)  # numbers taken, never used (a failed batch)
    second = await insert_at(database, [T0 + timedelta(seconds=1)])
    page = await find_statements(database, StatementQuery(verb="http://adlnet.gov/expapi/verbs/experienced"), 10)
    assert [s["id"] for s in page.statements] == second + first


async def test_empty_store_returns_an_empty_page(database):
    page = await find_statements(database, StatementQuery(), 10)
    assert (page.statements, page.last) == ([], None)


async def test_marks_written_after_a_read_are_found_by_the_next(database):
    rng = random.Random(3)
    documents = []
    for minute in range(3):
        documents += await insert_batch(
            database, T0 + timedelta(minutes=minute), [varied_statement(rng) for _ in range(70)]
        )
    since = T0 + timedelta(minutes=1)
    assert await read_all(database, StatementQuery(since=since), 500) == expected(documents, since=since)
    for minute in range(3, 9):  # more blocks of numbers, and their marks
        documents += await insert_batch(
            database, T0 + timedelta(minutes=minute), [varied_statement(rng) for _ in range(70)]
        )
    for since in (T0 + timedelta(minutes=6), T0 + timedelta(minutes=7, seconds=30)):
        q = StatementQuery(since=since, ascending=True)
        assert await read_all(database, q, 50) == expected(documents, since=since, ascending=True)
