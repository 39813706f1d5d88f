"""What the three Document resources share over HTTP (Communication 2.2, 3.1): one view class that
parses the request, checks scopes and the caller's access policy, calls the documents service and
renders documents, id lists and ETags. `state.py` and `profiles.py` say only what differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from aiohttp import web

from lrs.documents import service
from lrs.documents.service import Preconditions
from lrs.documents.store import Place, StoredDocument
from lrs.errors import BadRequest, InvalidParameter
from lrs.http import params
from lrs.http.context import database, principal, read_body, xapi_version
from lrs.http.responses import dump_json, http_date
from lrs.keys import settings_key


class DocumentView(web.View):
    resource: ClassVar[str]  # as AccessPolicy.check_document names it
    id_param: ClassVar[str]  # stateId / profileId
    place_params: ClassVar[tuple[str, ...]]
    required_params: ClassVar[tuple[str, ...]]
    read_scopes: ClassVar[set[str]]
    write_scopes: ClassVar[set[str]]
    what: ClassVar[str]  # for messages: "state documents"
    delete_many: ClassVar[bool]  # DELETE without an id deletes every document of the place

    def parse_place(self, query: Mapping[str, str]) -> tuple[Place, dict[str, Any]]:
        """The Place and the parsed parameters (for the access policy)."""
        raise NotImplementedError

    async def parse(self, method: str, id_required: bool) -> tuple[Place, str | None]:
        query = self.request.query
        allowed = [*self.place_params, self.id_param, *(["since"] if method == "GET" else [])]
        required = [*self.required_params, *([self.id_param] if id_required else [])]
        params.check_parameters(query, allowed, required)
        if "since" in query and self.id_param in query:
            # since filters the list of ids; one document has none (9274.1.1 4.1.6.2: Not Allowed).
            raise InvalidParameter("since", f"is not allowed with {self.id_param}")
        place, parsed = self.parse_place(query)
        document_id = query.get(self.id_param)
        if document_id == "":
            # Required properties "are required to contain values" (About 3.0).
            raise InvalidParameter(self.id_param, "must not be empty")
        if document_id is not None:
            parsed[self.id_param] = document_id
        caller = principal(self.request)
        if caller.policy:
            await caller.policy.check_document(self.resource, method, parsed)
        self.policy_params = parsed  # for read_checked_content
        return place, document_id

    async def parse_one(self, method: str) -> tuple[Place, str]:
        place, document_id = await self.parse(method, id_required=True)
        if document_id is None:  # not reached: parse checked that it is there
            raise InvalidParameter(self.id_param, "is required")
        return place, document_id

    async def read_checked_content(self) -> tuple[bytes, str | None]:
        """The body of a PUT or POST, once the caller's access policy allows writing it."""
        content, content_type = await read_content(self.request)
        caller = principal(self.request)
        if caller.policy:
            caller.policy.check_document_content(self.resource, self.policy_params, content, content_type)
        return content, content_type

    async def get(self) -> web.Response:
        principal(self.request).require(self.read_scopes, f"reading {self.what}")
        place, document_id = await self.parse("GET", id_required=False)
        db = database(self.request)
        if document_id is None:
            since = params.timestamp(self.request.query, "since")
            return ids_response(await service.list_document_ids(db, place, since))
        return document_response(await service.get_document(db, place, document_id))

    head = get

    async def put(self) -> web.Response:
        principal(self.request).require(self.write_scopes, f"writing {self.what}")
        place, document_id = await self.parse_one("PUT")
        content, content_type = await self.read_checked_content()
        unconditional = service.unconditional_put(
            xapi_version(self.request).unconditional_put[place.kind],
            service.UnconditionalPut(self.request.app[settings_key].unconditional_profile_put),
        )
        etag = await service.put_document(
            database(self.request),
            place,
            document_id,
            content,
            content_type,
            preconditions(self.request),
            unconditional,
        )
        return written_response(etag)

    async def post(self) -> web.Response:
        principal(self.request).require(self.write_scopes, f"writing {self.what}")
        place, document_id = await self.parse_one("POST")
        content, content_type = await self.read_checked_content()
        etag = await service.merge_document(
            database(self.request), place, document_id, content, content_type, preconditions(self.request)
        )
        return written_response(etag)

    async def delete(self) -> web.Response:
        principal(self.request).require(self.write_scopes, f"deleting {self.what}")
        place, document_id = await self.parse("DELETE", id_required=not self.delete_many)
        conditions = preconditions(self.request)
        if document_id is None:
            if conditions.given:
                raise BadRequest(f"If-Match / If-None-Match apply to one document: give {self.id_param}")
            await service.delete_documents(database(self.request), place)
        else:
            await service.delete_document(database(self.request), place, document_id, conditions)
        return web.Response(status=204)


def etag_list(request: web.Request, header: str) -> list[str] | None:
    """The ETags of a conditional header, unquoted (so quoted and bare values both work)."""
    value = request.headers.get(header)
    if value is None:
        return None
    tags = []
    for part in value.split(","):
        tag = part.strip()
        if tag.startswith('"') and tag.endswith('"') and len(tag) >= 2:
            tag = tag[1:-1]
        if not tag.isascii():
            raise BadRequest(f"the {header} header holds a non-ASCII ETag; ETags are ASCII")
        if tag:
            # Weak tags ("W/...") are kept as they are: they never match (strong comparison).
            tags.append(tag if tag.startswith("W/") else tag.lower())
    if not tags:
        raise BadRequest(f"the {header} header is empty; send an ETag or *")
    return tags


def preconditions(request: web.Request) -> Preconditions:
    return Preconditions(etag_list(request, "If-Match"), etag_list(request, "If-None-Match"))


async def read_content(request: web.Request) -> tuple[bytes, str | None]:
    content_type = request.headers.get("Content-Type")
    if content_type is not None and not content_type.isascii():
        # It is stored and sent back as a header: HTTP header values are ASCII.
        raise BadRequest("the Content-Type header is not ASCII")
    return await read_body(request), content_type


def quoted(etag: str) -> str:
    return f'"{etag}"'


def document_response(document: StoredDocument) -> web.Response:
    return web.Response(
        body=document.content,
        headers={
            "Content-Type": document.content_type,
            "ETag": quoted(document.etag),
            "Last-Modified": http_date(document.updated),
        },
    )


def ids_response(found: service.DocumentIds) -> web.Response:
    body = dump_json(found.ids)
    headers = {"Content-Type": "application/json; charset=utf-8", "ETag": quoted(service.sha1(body))}
    if found.last_modified:
        headers["Last-Modified"] = http_date(found.last_modified)
    return web.Response(body=body, headers=headers)


def written_response(etag: str) -> web.Response:
    return web.Response(status=204, headers={"ETag": quoted(etag)})
