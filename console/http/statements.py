"""The Statements page, its live view and its exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from aiohttp import web

from console import statement_list
from console.http.guard import PREFIX, SECURITY_HEADERS, page, render
from lrs.datatypes import parse_timestamp
from lrs.errors import BadRequest, InvalidParameter
from lrs.http.context import database
from lrs.keys import cursor_secret_key
from lrs.statements.cursor import decode_cursor, encode_cursor
from lrs.statements.query import Position
from lrs.statements.service import consistent_through, format_timestamp

EXPORTS = {"csv": "text/csv", "ndjson": "application/x-ndjson"}
LIVE_EVERY = "2s"


def link(path: str, values: dict[str, str]) -> str:
    return f"{PREFIX}{path}?{urlencode(values)}" if values else f"{PREFIX}{path}"


def parameters_of(request: web.Request) -> tuple[dict[str, str], Position | None]:
    """The xAPI parameters of this request (from its form, or from a `more` cursor) and the cursor position."""
    if "more" in request.query:
        return decode_cursor(request.app[cursor_secret_key], request.query["more"])
    return statement_list.form_parameters(request.query), None


@page()
async def get_statements(request: web.Request) -> web.Response:
    size = statement_list.page_size(request.query)
    context: dict = {
        "form": dict(request.query),
        "size": size,
        "sizes": statement_list.PAGE_SIZES,
        "rows": [],
        "live": request.query.get("live") == "1",
    }
    try:
        statement_id = request.query.get("statementId", "").strip()
        if statement_id:
            found = await statement_list.find_one(database(request), statement_list.check_statement_id(statement_id))
            context["rows"] = [found] if found else []
            context["looked_up"] = statement_id
            return render(request, "statements.html", context)
        parameters, after = parameters_of(request)
        q = statement_list.build_query(parameters, after)
    except BadRequest as error:
        context["error"] = error
        return render(request, "statements.html", context, status=400)
    rows, more = await statement_list.read_page(database(request), q, size)
    context.update(
        rows=rows,
        parameters=parameters,
        continued=after is not None,
        form=form_values(parameters) | {"size": str(size)},
    )
    if more:
        token = encode_cursor(request.app[cursor_secret_key], parameters, more)
        context["next"] = link("/statements", {"more": token, "size": str(size)})
    context["first"] = link("/statements", {**form_values(parameters), "size": str(size)})
    context["exports"] = {kind: link(f"/statements/export.{kind}", parameters) for kind in EXPORTS}
    if context["live"]:
        context["poll"] = link("/statements/live", {**parameters, "since": consistent_through()})
    context["live_link"] = link("/statements", {**form_values(parameters), "size": str(size), "live": "1"})
    return render(request, "statements.html", context)


def form_values(parameters: dict[str, str]) -> dict[str, str]:
    """xAPI parameters back as the form's fields (for showing the form filled in, and for links)."""
    values = {k: v for k, v in parameters.items() if k not in ("related_activities", "related_agents", "ascending")}
    for name in ("related_activities", "related_agents", "ascending"):
        if parameters.get(name) == "true":
            values[name] = "on"
    return values


@page()
async def get_live(request: web.Request) -> web.Response:
    """Statements stored since the last poll, and the poller to replace this one (htmx, every 2 s).

    Each poll covers (since, consistent-through]: a statement is shown once, in the poll after
    it was stored, as `X-Experience-API-Consistent-Through` promises.
    """
    query = dict(request.query)
    try:
        since = parse_timestamp(query.pop("since", ""))
    except ValueError as problem:
        raise InvalidParameter("since", str(problem)) from None
    until = datetime.now(UTC) - timedelta(seconds=1)
    until = max(until, since)
    parameters = statement_list.form_parameters(query)
    rows, more = await statement_list.read_live(database(request), parameters, since, until)
    return render(
        request,
        "statements_live.html",
        {
            "rows": rows,
            "more": more,
            "every": LIVE_EVERY,
            "poll": link("/statements/live", {**parameters, "since": format_timestamp(until)}),
        },
    )


@page()
async def get_export(request: web.Request) -> web.StreamResponse:
    kind = request.match_info["kind"]
    if kind not in EXPORTS:
        raise BadRequest(f"export as csv or ndjson, not {kind}")
    parameters = statement_list.form_parameters(request.query)
    q = statement_list.build_query(parameters)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    response = web.StreamResponse(
        headers={
            "Content-Type": f"{EXPORTS[kind]}; charset=utf-8",
            "Content-Disposition": f'attachment; filename="statements-{stamp}.{kind}"',
            "Cache-Control": "no-store",
        }
    )
    response.headers.update(SECURITY_HEADERS)
    await response.prepare(request)
    first = True
    async for statements in statement_list.all_statements(database(request), q):
        chunk = (
            statement_list.csv_lines(statements, first) if kind == "csv" else statement_list.ndjson_lines(statements)
        )
        await response.write(chunk)
        first = False
    if first and kind == "csv":
        await response.write(statement_list.csv_lines([], True))
    await response.write_eof()
    return response
