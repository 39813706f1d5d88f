"""The bridge's typed errors; `lrs.http.middleware` maps them to responses like every LRSError."""

from __future__ import annotations

from bridge import vocab
from lrs.errors import BadRequest, Conflict


class InvalidPackage(BadRequest):
    """A SCORM package that cannot be imported; names the element (or file) and the problem."""

    error = "invalid SCORM package"

    def __init__(self, element: str, problem: str) -> None:
        self.element = element
        self.problem = problem
        super().__init__(f"{element}: {problem}" if element else problem)


class RuntimeDataError(BadRequest):
    """A commit the SCORM run-time refuses; carries the SCORM 1.2 error code for the player.

    The body keeps the shape the player's API expects (`result`, `errorCode`) next to the
    project's `error` and `detail`.
    """

    error = "invalid SCORM run-time data"

    def __init__(self, element: str, problem: str, scorm_error: int = vocab.ERROR_INCORRECT_DATA_TYPE) -> None:
        self.element = element
        self.scorm_error = scorm_error
        super().__init__(f"{element}: {problem}")

    def to_json(self) -> dict:
        return {**super().to_json(), "result": "false", "errorCode": self.scorm_error}


class SessionSuperseded(Conflict):
    """A commit from a session that is no longer the SCO's current one (a newer launch exists)."""

    error = "session superseded"

    def to_json(self) -> dict:
        return {**super().to_json(), "result": "false", "errorCode": vocab.ERROR_GENERAL}
