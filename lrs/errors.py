"""Typed errors raised anywhere below the HTTP layer and mapped to responses in one place.

Each class carries its HTTP status; `lrs.http.middleware` turns any `LRSError` into
`{"error": ..., "detail": ...}` with that status.
"""

from __future__ import annotations

from typing import Any


class LRSError(Exception):
    status = 500
    error = "internal error"

    def __init__(self, detail: str = "", **headers: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers

    def to_json(self) -> dict[str, Any]:
        return {"error": self.error, "detail": self.detail}


class BadRequest(LRSError):
    status = 400
    error = "bad request"


class InvalidStatement(BadRequest):
    """A statement breaks a rule of xAPI Data; `path` names the property (e.g. `actor.mbox`)."""

    error = "invalid statement"

    def __init__(self, path: str, rule: str) -> None:
        self.path = path
        self.rule = rule
        super().__init__(f"{path}: {rule}" if path else rule)


class InvalidParameter(BadRequest):
    error = "invalid parameter"

    def __init__(self, name: str, rule: str) -> None:
        self.name = name
        super().__init__(f"{name}: {rule}")


class Unauthorized(LRSError):
    status = 401
    error = "unauthorized"


class Forbidden(LRSError):
    status = 403
    error = "forbidden"


class NotFound(LRSError):
    status = 404
    error = "not found"


class Conflict(LRSError):
    status = 409
    error = "conflict"


class StatementConflict(Conflict):
    def __init__(self, statement_id: str) -> None:
        self.statement_id = statement_id
        super().__init__(f"statement {statement_id} already exists with different content")


class PreconditionFailed(LRSError):
    status = 412
    error = "precondition failed"


class PayloadTooLarge(LRSError):
    status = 413
    error = "payload too large"


class ServiceUnavailable(LRSError):
    status = 503
    error = "service unavailable"
