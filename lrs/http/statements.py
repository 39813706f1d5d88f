"""HTTP for the Statement resource: /xapi/statements (Communication 2.1)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from dateutil.parser import isoparse

from lrs.auth.principal import STATEMENTS_READ, STATEMENTS_WRITE
from lrs.charsets import charset_problem
from lrs.errors import BadRequest, InvalidParameter
from lrs.http import params
from lrs.http.context import database, principal, read_body, xapi_version
from lrs.http.durability import JOURNAL
from lrs.http.multipart import build_multipart, parse_multipart
from lrs.http.responses import dump_json, http_date, json_response
from lrs.keys import cursor_secret_key, settings_key, statement_hooks_key
from lrs.shutdown import guarded_write
from lrs.statements import service
from lrs.statements.attachments import AttachmentBody
from lrs.statements.cursor import decode_cursor, encode_cursor
from lrs.statements.query import Position, StatementQuery

LIST_PARAMETERS = (
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
)
SINGLE_PARAMETERS = ("statementId", "voidedStatementId", "format", "attachments")
HASH_ALGORITHMS = {64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


class StatementsView(web.View):
    async def put(self) -> web.Response:
        request = self.request
        principal(request).require(STATEMENTS_WRITE, "writing statements")
        params.check_parameters(request.query, ["statementId"], required=["statementId"])
        params.uuid(request.query, "statementId")  # validated; stored as the client wrote it
        await store_body(request, statement_id=request.query["statementId"])
        return web.Response(status=204)

    async def post(self) -> web.Response:
        request = self.request
        principal(request).require(STATEMENTS_WRITE, "writing statements")
        params.check_parameters(request.query, [])
        return json_response(await store_body(request))

    async def get(self) -> web.Response:
        request = self.request
        caller = principal(request)
        caller.require(STATEMENTS_READ, "reading statements")
        if caller.policy:
            caller.policy.check_statement_read()
        params.check_parameters(request.query, (*LIST_PARAMETERS, *SINGLE_PARAMETERS, "more"))
        query = dict(request.query)
        accept_language = request.headers.get("Accept-Language")
        if "statementId" in query or "voidedStatementId" in query:
            fmt, with_attachments = output_options(query)
            result = await get_single(request, query, fmt, accept_language, with_attachments)
            return render(result, result.statements[0], with_attachments)
        q, query = parse_list_query(request, query)
        fmt, with_attachments = output_options(query)
        result = await service.query_statements(
            database(request),
            q,
            request.app[settings_key].statement_limit,
            fmt,
            accept_language,
            with_attachments,
            xapi_version(request),
        )
        body: dict[str, Any] = {"statements": result.statements}
        if result.more:
            token = encode_cursor(request.app[cursor_secret_key], query, result.more)
            body["more"] = f"{more_path(request)}?more={token}"
        return render(result, body, with_attachments)

    head = get


async def store_body(request: web.Request, statement_id: str | None = None) -> list[str]:
    """Store the statements of a PUT (`statement_id` given) or POST body; their ids."""
    body, parts = await read_statements_body(request)
    return await guarded_write(
        request,
        service.store_statements(
            database(request),
            request.app[statement_hooks_key],
            principal(request),
            body,
            parts,
            statement_id=statement_id,
            version=xapi_version(request),
            # Nothing is written after the statements: their write can end with the journaled one.
            journal=request.get(JOURNAL),
        ),
    )


async def get_single(
    request: web.Request,
    query: dict[str, Any],
    fmt: str,
    accept_language: str | None,
    with_attachments: bool,
) -> service.StatementResult:
    if "statementId" in query and "voidedStatementId" in query:
        raise BadRequest("statementId and voidedStatementId cannot be used together")
    extra = set(query) - set(SINGLE_PARAMETERS)
    if extra:
        raise InvalidParameter(sorted(extra)[0], "not allowed with statementId or voidedStatementId")
    voided = "voidedStatementId" in query
    statement_id = params.required_uuid(query, "voidedStatementId" if voided else "statementId")
    return await service.get_statement(
        database(request),
        principal(request),
        statement_id,
        voided,
        fmt,
        accept_language,
        with_attachments,
        xapi_version(request),
    )


def output_options(query: dict[str, Any]) -> tuple[str, bool]:
    return params.choice(query, "format", service.FORMATS, "exact"), params.boolean(query, "attachments")


def parse_list_query(request: web.Request, query: dict[str, Any]) -> tuple[StatementQuery, dict[str, Any]]:
    after = None
    if "more" in query:
        started, after = decode_cursor(request.app[cursor_secret_key], query["more"])
        # Some clients (Ralph) send the query they started with again beside `more`: that is the
        # same query. Any other parameter would change it mid-way.
        for name, value in query.items():
            if name != "more" and started.get(name) != value:
                raise InvalidParameter(name, "differs from the query that `more` continues; send `more` alone")
        query = started
    caller = principal(request)
    return list_query(query, caller.key if caller.reads_only_own_statements else None, after), query


def list_query(
    query: Mapping[str, str], authority_key: str | None = None, after: Position | None = None
) -> StatementQuery:
    """The filters of a statement list (Communication 2.1.3), each checked by its parameter's rule.

    Also what the admin console's statement form is turned into, so both apply the same rules.
    """
    return StatementQuery(
        agent=params.agent(query),
        verb=params.iri(query, "verb"),
        activity=params.iri(query, "activity"),
        registration=params.uuid(query, "registration"),
        related_activities=params.boolean(query, "related_activities"),
        related_agents=params.boolean(query, "related_agents"),
        since=params.timestamp(query, "since"),
        until=params.timestamp(query, "until"),
        limit=params.non_negative_integer(query, "limit"),
        ascending=params.boolean(query, "ascending"),
        authority_key=authority_key,
        after=after,
    )


def more_path(request: web.Request) -> str:
    public = request.app[settings_key].public_url
    prefix = public.split("://", 1)[-1].partition("/")[2] if public else ""
    return f"/{prefix.strip('/')}/xapi/statements".replace("//", "/")


def render(result: service.StatementResult, body: object, with_attachments: bool) -> web.Response:
    # X-Experience-API-Consistent-Through is added to every statements response by the middleware.
    headers = {}
    if result.statements:
        # The latest `stored` of the statements returned (9274.1.1 4.1.6.1; Communication 2.1.3).
        headers["Last-Modified"] = http_date(max(isoparse(s["stored"]) for s in result.statements))
    if not with_attachments:
        return json_response(body, headers=headers)
    parts = [({"Content-Type": "application/json"}, dump_json(body))]
    for attachment in result.attachments:
        parts.append(
            (
                {
                    "Content-Type": attachment.content_type,
                    "Content-Transfer-Encoding": "binary",
                    "X-Experience-API-Hash": attachment.sha2,
                },
                attachment.data,
            )
        )
    payload, content_type = build_multipart(parts)
    headers["Content-Type"] = content_type
    return web.Response(body=payload, headers=headers)


async def read_statements_body(request: web.Request) -> tuple[object, dict[str, AttachmentBody]]:
    raw = await read_body(request)
    given = request.headers.get("Content-Type")
    content_type = given or ""
    media_type = content_type.split(";")[0].strip().lower()
    if given is not None and not media_type:
        raise BadRequest("the Content-Type header is empty; send application/json or multipart/mixed")
    # No Content-Type at all: HTTP lets the recipient look at the content (RFC 9110 8.3), and an
    # alternate-syntax request only SHOULD* name it (Communication 1.3), so JSON is recognised.
    if media_type == "application/json" or (given is None and raw.lstrip()[:1] in (b"{", b"[")):
        if problem := charset_problem(content_type):
            raise BadRequest(f"Content-Type {content_type!r}: {problem}")
        return params.parse_json(raw, "statement body"), {}
    if media_type != "multipart/mixed":
        raise BadRequest(
            f"statements must be sent as application/json or multipart/mixed, not {media_type or 'nothing'}"
        )
    parts = parse_multipart(raw, content_type)
    if not parts or parts[0].content_type != "application/json":
        raise BadRequest("the first part of a multipart/mixed body must be application/json statements")
    bodies: dict[str, AttachmentBody] = {}
    for number, part in enumerate(parts[1:], start=2):
        sha2 = part.headers.get("X-Experience-API-Hash", "").strip().lower()
        if not sha2:
            raise BadRequest(f"multipart part {number} has no X-Experience-API-Hash header")
        algorithm = HASH_ALGORITHMS.get(len(sha2))
        if algorithm is None or algorithm(part.data).hexdigest() != sha2:
            raise BadRequest(f"multipart part {number}: X-Experience-API-Hash does not match its content")
        transfer = part.headers.get("Content-Transfer-Encoding", "binary").strip().lower()
        if transfer != "binary":
            raise BadRequest(f"multipart part {number}: Content-Transfer-Encoding must be binary")
        bodies[sha2] = AttachmentBody(sha2, part.content_type or "application/octet-stream", part.data)
    return params.parse_json(parts[0].data, "statement part"), bodies
