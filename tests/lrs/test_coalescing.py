"""Concurrent requests sharing round trips: each still gets its own answer."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from lrs.coalescing import BulkWrites, Coalescer, Turns
from lrs.errors import PayloadTooLarge
from lrs.statements import sequence, store
from tests.conftest import FakeClient, make_statement


class Database:
    """What a Coalescer keys its rounds by: a client and a database name."""

    def __init__(self, name: str = "db") -> None:
        self.client = FakeClient()
        self.name = name


async def test_calls_arriving_during_a_round_go_together_in_the_next():
    rounds = []
    release = asyncio.Event()

    async def run(database, items):
        rounds.append(list(items))
        await release.wait()
        return [item * 10 for item in items]

    coalescer = Coalescer(run)
    database = Database()
    first = asyncio.ensure_future(coalescer.call(database, 1))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # the first round is in flight
    others = [asyncio.ensure_future(coalescer.call(database, n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(first, *others) == [10, 20, 30, 40]
    assert rounds == [[1], [2, 3, 4]]
    assert await coalescer.call(database, 5) == 50  # alone again once idle


async def test_each_call_gets_its_own_error_and_other_databases_are_apart():
    async def run(database, items):
        return [ValueError(item) if item < 0 else item for item in items]

    coalescer = Coalescer(run)
    one, other = Database("one"), Database("other")
    results = await asyncio.gather(
        coalescer.call(one, 1), coalescer.call(one, -1), coalescer.call(other, 2), return_exceptions=True
    )
    assert results[0] == 1 and isinstance(results[1], ValueError) and results[2] == 2


async def test_a_failed_round_fails_each_of_its_calls_and_the_next_round_still_runs():
    calls = 0

    async def run(database, items):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("down")
        return items

    coalescer = Coalescer(run)
    database = Database()
    with pytest.raises(ConnectionError):
        await coalescer.call(database, 1)
    assert await coalescer.call(database, 2) == 2


async def test_turns_let_waiting_requests_in_together_and_nested_turns_never_wait():
    turns = Turns()
    database = Database()
    release = asyncio.Event()
    inside, most = 0, 0

    async def request(hold: asyncio.Event | None) -> None:
        nonlocal inside, most
        async with turns.turn(database):
            inside += 1
            most = max(most, inside)
            async with turns.turn(database):  # a write made from within a write
                if hold:
                    await hold.wait()
                await asyncio.sleep(0)
            inside -= 1

    first = asyncio.ensure_future(request(release))
    await asyncio.sleep(0)  # the first is in its turn, holding it
    others = [asyncio.ensure_future(request(None)) for _ in range(3)]
    await asyncio.sleep(0)  # the others are waiting
    assert most == 1
    release.set()
    await asyncio.gather(first, *others)
    assert most == 3  # the three that waited went in as one turn


async def test_a_request_cancelled_while_waiting_for_a_turn_leaves_the_others_going():
    turns = Turns()
    database = Database()
    hold = asyncio.Event()
    entered = []

    async def request(name: str, wait: asyncio.Event | None = None) -> None:
        async with turns.turn(database):
            entered.append(name)
            if wait:
                await wait.wait()

    first = asyncio.ensure_future(request("first", hold))
    await asyncio.sleep(0)
    cancelled = asyncio.ensure_future(request("cancelled"))
    other = asyncio.ensure_future(request("other"))
    await asyncio.sleep(0)
    hold.set()
    cancelled.cancel()  # in the same step as the first leaves: it was an InvalidStateError, and a hang
    results = await asyncio.wait_for(asyncio.gather(first, cancelled, other, return_exceptions=True), 2)
    assert results[0] is None and isinstance(results[1], asyncio.CancelledError) and results[2] is None
    assert entered == ["first", "other"]
    await asyncio.wait_for(request("later"), 2)  # the turn still lets requests in
    assert entered[-1] == "later"


async def test_concurrent_inserts_each_learn_only_their_own_duplicates(database):
    taken = make_statement(id=str(uuid.uuid4()))
    moment = datetime.now(UTC)
    await store.insert_statements(database, [store.to_document(taken, 1, moment, "test", [])])

    def batch(*statements):
        return [store.to_document(s, 0, moment, "test", []) for s in statements]

    fresh = [batch(make_statement(id=str(uuid.uuid4()))) for _ in range(3)]
    clashing = batch(make_statement(id=str(uuid.uuid4())), {**taken})
    results = await asyncio.gather(*(store.insert_statements(database, b) for b in [*fresh, clashing]))
    assert results == [[], [], [], [taken["id"]]]
    assert await database[store.STATEMENTS].count_documents({}) == 5


async def test_concurrent_allocations_get_distinct_consecutive_numbers(database):
    moment = datetime.now(UTC)
    allocations = await asyncio.gather(*(sequence.update_sequence(database, n, moment) for n in (1, 3, 2, 5)))
    numbers = sorted(number for a in allocations for number in range(a.first, a.first + a.count))
    assert numbers == list(range(1, 12))
    assert len({a.stored for a in allocations}) == 1


async def test_a_statement_too_large_fails_only_the_batch_it_came_in(database):
    moment = datetime.now(UTC)
    huge = make_statement(id=str(uuid.uuid4()), context={"extensions": {"http://example.com/blob": "x" * (17 << 20)}})
    batches = [
        [store.to_document(s, 0, moment, "test", [])]
        for s in (make_statement(id=str(uuid.uuid4())), huge, make_statement(id=str(uuid.uuid4())))
    ]
    batches[1].insert(0, store.to_document(make_statement(id=str(uuid.uuid4())), 0, moment, "test", []))
    results = await asyncio.gather(*(store.insert_statements(database, b) for b in batches), return_exceptions=True)
    assert results[0] == [] and results[2] == [] and isinstance(results[1], PayloadTooLarge)
    stored = {d[store.ID] async for d in database[store.STATEMENTS].find({}, [store.ID])}
    assert stored == {batches[0][0][store.ID], batches[2][0][store.ID]}


async def test_concurrent_bulk_writes_go_together_and_each_is_applied(database):
    class Counted(BulkWrites):
        rounds: list[int] = []

        async def _write_together(self, database, requests):
            self.rounds.append(len(requests))
            return await super()._write_together(database, requests)

    upserts = Counted("names")
    await asyncio.gather(
        *(
            upserts.write(database, [UpdateOne({"_id": n % 3}, {"$addToSet": {"seen": n}}, upsert=True)])
            for n in range(6)
        )
    )
    assert sum(Counted.rounds) == 6 and len(Counted.rounds) < 6  # one bulk write served several
    documents = await database["names"].find().sort("_id").to_list()
    assert [sorted(d["seen"]) for d in documents] == [[0, 3], [1, 4], [2, 5]]


async def test_an_upsert_that_fails_fails_only_the_request_it_came_in(database):
    await database["names"].insert_one({"_id": "listed", "seen": [1]})
    upserts = BulkWrites("names")
    good = [upserts.write(database, [UpdateOne({"_id": n}, {"$addToSet": {"seen": n}}, upsert=True)]) for n in range(3)]
    bad = upserts.write(database, [UpdateOne({"_id": "listed"}, {"$inc": {"seen": 1}})])  # $inc on an array
    results = await asyncio.gather(*good, bad, return_exceptions=True)
    assert results[:3] == [None, None, None]
    assert isinstance(results[3], BulkWriteError)
    assert [d["seen"] for d in await database["names"].find({"_id": {"$in": [0, 1, 2]}}).sort("_id").to_list()] == [
        [0],
        [1],
        [2],
    ]
