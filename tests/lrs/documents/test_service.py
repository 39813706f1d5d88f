"""The documents service and store against the real database: conditional writes, merges, races."""

from __future__ import annotations

import asyncio
import hashlib
import json

import pytest

from lrs.documents import service, store
from lrs.documents.service import Preconditions, UnconditionalPut
from lrs.documents.store import STATE, Place
from lrs.errors import BadRequest, Conflict, PreconditionFailed
from lrs.versions import XAPI_1_0_3, XAPI_2_0_0

PLACE = Place(STATE, activity_id="http://example.com/a", agent="mbox:mailto:ann@example.com")
JSON = "application/json"


async def put(database, content: bytes, content_type: str = JSON, place: Place = PLACE, doc: str = "d") -> str:
    return await service.put_document(database, place, doc, content, content_type, Preconditions())


async def test_stale_version_update_is_refused_and_changes_nothing(database):
    await put(database, b'{"a":1}')
    current = await store.find_document(database, PLACE, "d")
    first = service.new_content(b'{"a":2}', JSON)
    assert await store.update_document_version(database, current, first)
    stale = service.new_content(b'{"a":3}', JSON)
    assert not await store.update_document_version(database, current, stale)
    assert (await store.find_document(database, PLACE, "d")).content == b'{"a":2}'


async def test_second_insert_of_one_document_is_refused_by_the_unique_index(database):
    assert await store.insert_document(database, PLACE, "d", service.new_content(b"1", "text/plain"))
    assert not await store.insert_document(database, PLACE, "d", service.new_content(b"2", "text/plain"))
    assert await database[store.DOCUMENTS].count_documents({}) == 1


async def test_same_id_in_another_kind_or_registration_is_another_document(database):
    await put(database, b"state")
    await put(
        database,
        b"registered",
        place=Place(STATE, PLACE.activity_id, PLACE.agent, "0e6b1b4f-55fc-4a3e-a2c4-8f5d4b0f6a71"),
    )
    profile = Place(store.ACTIVITY_PROFILE, activity_id=PLACE.activity_id)
    await service.put_document(database, profile, "d", b"profile", JSON, Preconditions(if_none_match=["*"]))
    assert (await service.get_document(database, PLACE, "d")).content == b"state"
    assert await database[store.DOCUMENTS].count_documents({}) == 3


async def test_etag_is_sha1_hex_of_the_stored_bytes(database):
    etag = await put(database, b"\x00\xffbytes", "application/octet-stream")
    document = await service.get_document(database, PLACE, "d")
    assert etag == document.etag == hashlib.sha1(b"\x00\xffbytes").hexdigest()


async def test_merge_keeps_json_values_exact(database):
    await put(database, json.dumps({"big": 2**70, "float": 1.0, "text": "é ☃", "nested": {"x": [1, None]}}).encode())
    await service.merge_document(database, PLACE, "d", b'{"more": 0.1, "big": -5}', JSON, Preconditions())
    merged = json.loads((await service.get_document(database, PLACE, "d")).content)
    assert merged == {"big": -5, "float": 1.0, "text": "é ☃", "nested": {"x": [1, None]}, "more": 0.1}
    assert isinstance(merged["float"], float)


async def test_concurrent_merges_keep_every_key(database):
    async def merge(i: int) -> None:
        body = json.dumps({f"key{i}": i}).encode()
        await service.merge_document(database, PLACE, "d", body, JSON, Preconditions())

    await asyncio.gather(*(merge(i) for i in range(30)))
    merged = json.loads((await service.get_document(database, PLACE, "d")).content)
    assert merged == {f"key{i}": i for i in range(30)}


async def test_merge_into_non_json_document_is_refused_and_changes_nothing(database):
    await put(database, b"plain", "text/plain")
    with pytest.raises(BadRequest):
        await service.merge_document(database, PLACE, "d", b'{"a":1}', JSON, Preconditions())
    assert (await service.get_document(database, PLACE, "d")).content == b"plain"


async def test_merge_with_failed_if_match_changes_nothing(database):
    await put(database, b'{"a":1}')
    with pytest.raises(PreconditionFailed):
        await service.merge_document(database, PLACE, "d", b'{"b":2}', JSON, Preconditions(if_match=["0" * 40]))
    assert (await service.get_document(database, PLACE, "d")).content == b'{"a":1}'


async def test_profile_put_without_precondition_is_409_when_present_and_400_when_absent(database):
    place = Place(store.AGENT_PROFILE, agent=PLACE.agent)
    with pytest.raises(BadRequest):
        await service.put_document(database, place, "p", b"{}", JSON, Preconditions(), UnconditionalPut.REJECT)
    assert await store.find_document(database, place, "p") is None
    await service.put_document(database, place, "p", b"{}", JSON, Preconditions(if_none_match=["*"]))
    with pytest.raises(Conflict):
        await service.put_document(database, place, "p", b'{"x":1}', JSON, Preconditions(), UnconditionalPut.REJECT)
    assert (await store.find_document(database, place, "p")).content == b"{}"


async def test_lenient_profile_put_without_precondition_creates_but_never_replaces(database):
    place = Place(store.ACTIVITY_PROFILE, activity_id=PLACE.activity_id)
    etag = await service.put_document(database, place, "p", b"{}", JSON, Preconditions(), UnconditionalPut.CREATE)
    assert (await store.find_document(database, place, "p")).etag == etag
    with pytest.raises(Conflict):
        await service.put_document(database, place, "p", b'{"x":1}', JSON, Preconditions(), UnconditionalPut.CREATE)
    assert (await store.find_document(database, place, "p")).content == b"{}"


async def test_lenient_profile_puts_racing_to_create_make_one_document(database):
    place = Place(store.AGENT_PROFILE, agent=PLACE.agent)

    async def create(i: int) -> str:
        try:
            await service.put_document(database, place, "p", b"%d" % i, JSON, Preconditions(), UnconditionalPut.CREATE)
        except Conflict:
            return "409"
        return "created"

    outcomes = await asyncio.gather(*(create(i) for i in range(8)))
    assert sorted(outcomes) == ["409"] * 7 + ["created"]
    assert await database[store.DOCUMENTS].count_documents({}) == 1


def test_the_profile_setting_relaxes_only_the_1_0_3_profile_refusal():
    for version in (XAPI_1_0_3, XAPI_2_0_0):
        for rule in version.unconditional_put.values():
            assert service.unconditional_put(rule, UnconditionalPut.REJECT) is rule
    relaxed = {
        kind: service.unconditional_put(rule, UnconditionalPut.CREATE)
        for kind, rule in XAPI_1_0_3.unconditional_put.items()
    }
    assert relaxed == {
        STATE: UnconditionalPut.REPLACE,
        store.AGENT_PROFILE: UnconditionalPut.CREATE,
        store.ACTIVITY_PROFILE: UnconditionalPut.CREATE,
    }
    assert set(XAPI_2_0_0.unconditional_put.values()) == {UnconditionalPut.CREATE}


async def test_put_if_none_match_etag_list_refuses_only_listed_etags(database):
    etag = await put(database, b"one", "text/plain")
    with pytest.raises(PreconditionFailed):
        await service.put_document(database, PLACE, "d", b"two", "text/plain", Preconditions(if_none_match=[etag]))
    await service.put_document(database, PLACE, "d", b"two", "text/plain", Preconditions(if_none_match=["0" * 40]))
    assert (await service.get_document(database, PLACE, "d")).content == b"two"


@pytest.mark.parametrize(
    "preconditions, exists, holds",
    [
        (Preconditions(if_match=["*"]), True, True),
        (Preconditions(if_match=["*"]), False, False),
        (Preconditions(if_match=["abc"]), True, True),
        (Preconditions(if_match=["other", "abc"]), True, True),
        (Preconditions(if_match=["other"]), True, False),
        (Preconditions(if_none_match=["*"]), True, False),
        (Preconditions(if_none_match=["*"]), False, True),
        (Preconditions(if_none_match=["abc"]), True, False),
        (Preconditions(if_none_match=["other"]), True, True),
        (Preconditions(), False, True),
    ],
)
def test_preconditions_hold_for(preconditions, exists, holds):
    current = store.StoredDocument(None, b"", JSON, "abc", service.now(), 1) if exists else None
    assert preconditions.hold_for(current) is holds


@pytest.mark.parametrize(
    "content, parsed",
    [
        (b'{"a": 1}', {"a": 1}),
        (b"[1]", None),
        (b'"text"', None),
        (b"{", None),
        (b'{"a": NaN}', None),
        (b"\xff", None),
    ],
)
def test_parse_json_object(content, parsed):
    assert service.parse_json_object(content) == parsed
