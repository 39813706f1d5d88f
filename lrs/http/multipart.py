"""multipart/mixed bodies (RFC 2046) as xAPI uses them for statements with attachments."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from multidict import CIMultiDict

from lrs.errors import BadRequest


@dataclass
class Part:
    headers: CIMultiDict[str]
    data: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()


def boundary_of(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary":
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            if value:
                return value
    raise BadRequest("multipart/mixed needs a boundary parameter")


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    if body.startswith(delimiter):
        position = 0
    else:
        position = body.find(b"\r\n" + delimiter)
        if position < 0:
            raise BadRequest("the multipart body has no part with the declared boundary")
        position += 2
    parts: list[Part] = []
    while True:
        position += len(delimiter)
        if body[position : position + 2] == b"--":
            return parts
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            raise BadRequest("the multipart body ends inside a boundary line")
        start = line_end + 2
        end = body.find(b"\r\n" + delimiter, start)
        if end < 0:
            raise BadRequest("the multipart body has no closing boundary")
        parts.append(_parse_part(body[start:end]))
        position = end + 2


def _parse_part(raw: bytes) -> Part:
    if raw.startswith(b"\r\n"):
        return Part(CIMultiDict(), raw[2:])
    head, separator, data = raw.partition(b"\r\n\r\n")
    if not separator:
        raise BadRequest("a multipart part has no blank line after its headers")
    headers: CIMultiDict[str] = CIMultiDict()
    for line in head.decode("utf-8", "replace").split("\r\n"):
        name, colon, value = line.partition(":")
        if not colon:
            raise BadRequest(f"malformed multipart header line {line!r}")
        headers.add(name.strip(), value.strip())
    return Part(headers, data)


def build_multipart(parts: list[tuple[dict[str, str], bytes]]) -> tuple[bytes, str]:
    """Return the body and its Content-Type header value."""
    boundary = secrets.token_hex(16)
    chunks = []
    for headers, data in parts:
        chunks.append(f"--{boundary}\r\n".encode())
        chunks.append("".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode())
        chunks.append(b"\r\n")
        chunks.append(data)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    # Unquoted (hex is a valid token): TinCanJS takes everything after "boundary=" as the boundary.
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"
