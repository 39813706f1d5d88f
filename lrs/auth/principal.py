"""Who is calling, and what they may do."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a Basic credential or a plug-in token (e.g. a cmi5 launch)."""

    key: str
    name: str
    scopes: frozenset[str]
    authority: dict
    # Set by plug-in authenticators: the data a token is scoped to (actor, registration, ...).
    restrictions: dict = field(default_factory=dict)

    def require(self, allowed: set[str], action: str) -> None:
        if not self.scopes & allowed:
            raise Forbidden(f"the credential's scopes do not allow {action}")

    @property
    def reads_only_own_statements(self) -> bool:
        return not self.scopes & (STATEMENTS_READ - {"statements/read/mine"})

    @property
    def may_define(self) -> bool:
        return bool(self.scopes & {"define", "all"})
