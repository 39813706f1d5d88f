"""Answer a request that may have written only once its writes are on disk (embedded database).

See lrs.db for why the embedded database gets one journaled write per request instead of one per
write. Any method but GET, HEAD and OPTIONS may have written, error answers included (a batch
refused with 409 may have inserted and deleted again). Should that journaled write fail, the
request is answered 503 like any other database outage: nothing is acknowledged.

The journaled write only covers writes made to the same database process. Should the embedded
database die during the request and be restarted (lrs.embedded_recovery), the driver may retry
the journaled write on the new process and succeed, while the request's earlier writes went
down with the old one: so a request during which the database exited is answered 503 as well.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from lrs.db import Database, journals_each_request, sync_journal
from lrs.errors import ServiceUnavailable
from lrs.http.middleware import RETRY_AFTER_SECONDS
from lrs.keys import database_key, embedded_status_key, settings_key

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class JournalWrite:
    """The journaled write a request is answered after. A handler may hand it to the write that
    ends its writes, which makes it earlier and shares it with concurrent requests
    (lrs.statements.service); then it is not made again. Only for a write after which the
    handler writes nothing more."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.made = False

    async def __call__(self) -> None:
        await sync_journal(self.database)
        self.made = True


# Present on requests that must be journaled before their answer (embedded database).
JOURNAL = web.RequestKey("journal", JournalWrite)


@web.middleware
async def journal_before_answering(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in READ_METHODS or not journals_each_request(request.app[settings_key]):
        return await handler(request)
    embedded = request.app[embedded_status_key]
    exits = embedded.exits
    journal = request[JOURNAL] = JournalWrite(request.app[database_key])
    try:
        response = await handler(request)
    except Exception:
        await sync_journal(request.app[database_key])
        raise
    if not journal.made:
        await journal()
    if embedded.exits != exits:
        raise ServiceUnavailable(
            "the embedded database restarted during the request; send it again", **{"Retry-After": RETRY_AFTER_SECONDS}
        )
    return response
