"""Who is calling, and what they may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from lrs.errors import Forbidden

SCOPES = (
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "all/read",
    "all",
    "state",
    "profile",
    "define",
)

# What each kind of access needs: any one of these scopes grants it.
STATEMENTS_WRITE = {"statements/write", "all"}
STATEMENTS_READ = {"statements/read", "statements/read/mine", "all/read", "all"}
STATE_WRITE = {"state", "all"}
STATE_READ = {"state", "all/read", "all"}
PROFILE_WRITE = {"profile", "all"}
PROFILE_READ = {"profile", "all/read", "all"}
DEFINITIONS_READ = {"statements/read", "all/read", "all", "define", "profile", "state"}
ADMIN = {"all"}


class AccessPolicy(Protocol):
    """Narrower rules a plug-in token carries (e.g. a cmi5 launch: one actor, registration, AU).

    Each method raises `Forbidden` to refuse; lrs calls them, it never knows who made them.
    """

    def check_statements(self, statements: list[dict[str, Any]]) -> None:
        """Before a batch is stored."""

    def check_statement_read(self) -> None:
        """Before statements are read."""

    async def check_document(self, resource: str, method: str, params: dict[str, Any]) -> None:
        """Before a State / Agent Profile / Activity Profile call; `resource` is "state",
        "agents/profile" or "activities/profile", `params` the parsed query (agent as a dict),
        `method` GET for HEAD too. Async: a policy may note what its caller asked for."""

    def check_document_content(
        self, resource: str, params: dict[str, Any], content: bytes, content_type: str | None
    ) -> None:
        """Before a PUT or POST of a document is written, with what it would write."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a Basic credential or a plug-in token (e.g. a cmi5 launch)."""

    key: str
    name: str
    scopes: frozenset[str]
    authority: dict[str, Any]
    # Set by plug-in authenticators whose tokens are limited beyond scopes.
    policy: AccessPolicy | None = None

    def require(self, allowed: set[str], action: str) -> None:
        if not self.scopes & allowed:
            raise Forbidden(f"the credential's scopes do not allow {action}")

    @property
    def reads_only_own_statements(self) -> bool:
        return not self.scopes & (STATEMENTS_READ - {"statements/read/mine"})

    @property
    def may_define(self) -> bool:
        return bool(self.scopes & {"define", "all"})
