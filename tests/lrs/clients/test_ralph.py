"""Ralph (PyPI `ralph-malph`), the xAPI toolbox of Open edX sites, through its LRS data backend:
statements written in chunks and read back page by page, and its status check.

Ralph follows `more` by sending the query it started with again, with the cursor added; the
LRS takes that as the same query. Its own bug, on any LRS: it sends an `agent` filter as a
Python dict's repr, not JSON, which is a 400.
"""

from __future__ import annotations

import uuid

import pytest
from ralph.backends.data.async_lrs import AsyncLRSDataBackend
from ralph.backends.data.base import DataBackendStatus
from ralph.backends.data.lrs import LRSDataBackendSettings
from ralph.backends.lrs.base import LRSStatementsQuery
from ralph.exceptions import BackendException

from tests.conftest import ADMIN_KEY, ADMIN_SECRET

VERB = "http://adlnet.gov/expapi/verbs/experienced"


@pytest.fixture
async def ralph(lrs):
    root = lrs.endpoint.removesuffix("/xapi/")
    backend = AsyncLRSDataBackend(
        LRSDataBackendSettings(
            BASE_URL=root,
            USERNAME=ADMIN_KEY,
            PASSWORD=ADMIN_SECRET,
            STATUS_ENDPOINT="/health",
            STATEMENTS_ENDPOINT="/xapi/statements",
        )
    )
    yield backend
    await backend.close()


def statements_of(cfg: dict, count: int) -> list[dict]:
    return [
        {
            "id": str(uuid.uuid4()),
            "actor": cfg["agent"],
            "verb": {"id": VERB},
            "object": {"objectType": "Activity", "id": f"{cfg['activityId']}/{n}"},
            "context": {"registration": cfg["registration"]},
        }
        for n in range(count)
    ]


async def test_ralph_writes_in_chunks_and_reads_every_page_back(ralph, lrs, cfg):
    assert await ralph.status() == DataBackendStatus.OK
    sent = statements_of(cfg, 7)
    assert await ralph.write(sent, chunk_size=3) == 7

    query = LRSStatementsQuery(verb=VERB, registration=cfg["registration"])
    read = [s async for s in ralph.read(query=query, chunk_size=2)]  # four pages, three `more`
    assert sorted(s["id"] for s in read) == sorted(s["id"] for s in sent)


async def test_ralph_sends_an_agent_filter_as_a_python_repr_which_is_refused(ralph, cfg):
    await ralph.write(statements_of(cfg, 1))
    with pytest.raises(BackendException, match="400 Bad Request"):
        [s async for s in ralph.read(query=LRSStatementsQuery(agent=cfg["agent"]))]
