"""The conditional writes that keep cmi5's once-only rules under concurrency, on the real database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cmi5 import store
from cmi5.rules import SessionState
from lrs.keys import database_key


@pytest.fixture
async def database(client):
    return client.app[database_key]


async def new_session(database, session_id: str = "s-1") -> None:
    await store.insert_session(
        database,
        {
            "_id": session_id,
            "registration": "r-1",
            "au": 0,
            store.FETCH_HASH: "f",
            store.TOKEN_HASH: None,
            "launched_at": datetime.now(UTC),
        },
    )


async def test_only_one_fetch_attaches_a_token(database):
    await new_session(database)
    now = datetime.now(UTC)
    assert await store.update_session_fetched(database, "s-1", "f", "token-a", now) is True
    assert await store.update_session_fetched(database, "s-1", "f", "token-b", now) is False
    assert (await store.find_session(database, "s-1"))[store.TOKEN_HASH] == "token-a"


async def test_session_state_moves_only_from_the_version_read(database):
    await new_session(database)
    moved = SessionState(initialized_at=datetime.now(UTC))
    assert await store.update_session_state(database, "s-1", 0, moved) is True
    assert await store.update_session_state(database, "s-1", 0, SessionState()) is False
    session = await store.find_session(database, "s-1")
    assert session[store.VERSION] == 1 and session[store.STATUS] == "initialized"


async def test_completed_is_claimed_once_per_registration_and_au(database):
    await store.insert_registration(database, {"_id": "r-1", store.AUS: {}})
    assert await store.update_registration_claims(database, "r-1", 3, {"completed": "a"}) is True
    assert await store.update_registration_claims(database, "r-1", 3, {"completed": "a"}) is True  # same statement
    assert await store.update_registration_claims(database, "r-1", 3, {"completed": "b"}) is False
    assert await store.update_registration_claims(database, "r-1", 4, {"completed": "b"}) is True
    await store.update_registration_unclaim(database, "r-1", 3, {"completed": "a"})
    assert await store.update_registration_claims(database, "r-1", 3, {"completed": "b"}) is True


async def test_blocks_course_and_waiver_are_recorded_once(database):
    await store.insert_registration(
        database, {"_id": "r-1", store.AUS: {}, store.SATISFIED_BLOCKS: [], store.COURSE_SATISFIED: False}
    )
    assert await store.update_block_satisfied(database, "r-1", 2) is True
    assert await store.update_block_satisfied(database, "r-1", 2) is False
    assert await store.update_course_satisfied(database, "r-1") is True
    assert await store.update_course_satisfied(database, "r-1") is False
    assert await store.update_waived(database, "r-1", 0, {"reason": "x"}) is True
    assert await store.update_waived(database, "r-1", 0, {"reason": "y"}) is False


async def test_relaunch_swaps_the_open_session_atomically(database):
    await store.insert_registration(database, {"_id": "r-1", store.AUS: {}})
    assert await store.update_current_session(database, "r-1", 0, "s-1") is None
    assert await store.update_current_session(database, "r-1", 0, "s-2") == "s-1"


async def test_a_session_is_abandoned_once_and_never_after_terminated(database):
    await new_session(database, "s-1")
    await new_session(database, "s-2")
    now = datetime.now(UTC)
    assert await store.update_session_abandoned(database, "s-1", now) is not None
    assert await store.update_session_abandoned(database, "s-1", now) is None
    ended = SessionState(initialized_at=now, terminated_at=now, terminated_received=now)
    assert await store.update_session_state(database, "s-2", 0, ended)
    assert await store.update_session_abandoned(database, "s-2", now) is None
