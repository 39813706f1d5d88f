"""Statement reads over `stored` windows: order, paging and bounds, wherever the data lies in time."""

import uuid
from datetime import UTC, datetime, timedelta

from lrs.statements import store
from lrs.statements.density import HourCounts
from lrs.statements.query import Position, StatementQuery, Walk, find_statements
from tests.conftest import make_statement

T0 = datetime(2025, 1, 1, tzinfo=UTC)


async def insert_at(database, moments: list[datetime], **overrides) -> list[str]:
    ids = []
    for moment in moments:
        statement = make_statement(id=str(uuid.uuid4()), stored=moment.isoformat(), **overrides)
        document = store.to_document(statement, moment, "test", [])
        await store.insert_statements(database, [document])
        ids.append(statement["id"])
    return ids


async def page_ids(database, q: StatementQuery, limit: int) -> tuple[list[str], Position | None]:
    page = await find_statements(database, q, limit)
    return [s["id"] for s in page.statements], page.last


def hour_counts(pairs) -> HourCounts:
    counts = HourCounts()
    counts.merge([{"_id": T0 + timedelta(hours=h), "n": n} for h, n in pairs])
    return counts


def test_hour_counts_read_each_hour_as_evenly_filled():
    counts = hour_counts([(0, 60), (5, 120)])
    assert counts.count_between(T0, T0 + timedelta(minutes=30)) == 30
    assert counts.count_between(T0, T0 + timedelta(hours=6)) == 180
    assert counts.count_between(T0 + timedelta(hours=1), T0 + timedelta(hours=5)) == 0


def test_span_back_skips_empty_hours_and_stops_at_the_floor():
    counts = hour_counts([(0, 60), (5, 120)])
    top = T0 + timedelta(hours=10)
    assert counts.span_back(top, T0, 60) == T0 + timedelta(hours=5, minutes=30)
    assert counts.span_back(top, T0, 150) == T0 + timedelta(minutes=30)
    assert counts.span_back(top, T0, 1000) == T0


def test_span_forward_mirrors_span_back():
    counts = hour_counts([(0, 60), (5, 120)])
    assert counts.span_forward(T0, T0 + timedelta(hours=10), 90) == T0 + timedelta(hours=5, minutes=15)


def test_window_size_follows_the_share_the_filter_matched():
    walk = Walk(T0, None)
    assert walk.next_size(100) == 150
    walk.record(150)
    walk.read, walk.matched = 15, 15
    assert walk.next_size(85) == 150 * 8  # a tenth matched: wants 1275, grows at most 8x
    walk.record(1200)
    walk.read, walk.matched = 675, 15
    assert walk.next_size(85) == 4000  # the database read half: at most 2000 reads


async def test_sparse_statements_across_a_year_come_back_newest_first(database):
    moments = [T0 + timedelta(days=d, minutes=d) for d in (0, 3, 40, 41, 200, 364)]
    ids = await insert_at(database, moments)
    found, last = await page_ids(database, StatementQuery(), 10)
    assert found == list(reversed(ids)) and last is None


async def test_paging_across_windows_returns_each_statement_once(database):
    moments = [T0 + timedelta(hours=h * h) for h in range(12)]
    ids = await insert_at(database, moments)
    seen, after = [], None
    while True:
        page, after = await page_ids(database, StatementQuery(after=after), 5)
        seen += page
        if after is None:
            break
    assert seen == list(reversed(ids))


async def test_ascending_paging_walks_forward(database):
    moments = [T0 + timedelta(days=d * 7) for d in range(9)]
    ids = await insert_at(database, moments)
    seen, after = [], None
    while True:
        page, after = await page_ids(database, StatementQuery(ascending=True, after=after), 4)
        seen += page
        if after is None:
            break
    assert seen == ids


async def test_since_and_until_bound_the_windows(database):
    moments = [T0 + timedelta(days=d) for d in range(10)]
    ids = await insert_at(database, moments)
    q = StatementQuery(since=moments[2], until=moments[6])
    found, _ = await page_ids(database, q, 100)
    assert found == list(reversed(ids[3:7]))


async def test_statements_sharing_one_stored_time_page_by_insertion_order(database):
    moment = T0 + timedelta(days=1)
    statements = [make_statement(id=str(uuid.uuid4()), stored=moment.isoformat()) for _ in range(5)]
    documents = [store.to_document(s, moment, "test", []) for s in statements]
    await store.insert_statements(database, documents)
    first, after = await page_ids(database, StatementQuery(ascending=True), 3)
    rest, _ = await page_ids(database, StatementQuery(ascending=True, after=after), 3)
    assert first + rest == [s["id"] for s in statements]


async def test_empty_store_returns_an_empty_page(database):
    assert await page_ids(database, StatementQuery(), 10) == ([], None)
