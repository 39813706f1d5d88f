"""What `lrs` subcommands share: the database they open, and how parts and plug-ins add commands.

A command is a `Command`: its name, help, arguments and an async `run(settings, args)` returning
the exit code. lrs's own parts list theirs in `lrs.cli`; plug-ins declare theirs as entry points
in the group `lrs.commands` (cmi5's `report`), so lrs never imports them.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from pymongo.errors import PyMongoError

from lrs.db import Database, DatabaseUnavailable, connect, ensure_indexes, running_uri_file
from lrs.embedded import EmbeddedDatabase
from lrs.errors import BadRequest
from lrs.settings import Settings

PLUGIN_GROUP = "lrs.plugins"


def load_plugins() -> list[Any]:
    """cmi5 and the SCORM bridge register themselves as entry points; lrs never imports them."""
    return [entry.load() for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name)]


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """The configured MongoDB, the running server's embedded database, or a private start of it."""
    from lrs.app import INDEXES  # lrs.app imports the parts that import this module
    from lrs.statements.backfill import ensure_sequence_numbers

    uri, server = settings.mongodb_uri, None
    if not uri:
        uri_file = running_uri_file(settings)
        uri = uri_file.read_text().strip() if uri_file.exists() else ""
        if not uri or not await answers(uri):
            server = EmbeddedDatabase(
                settings.data_dir.resolve() / "db",
                settings.embedded_cache,
                settings.data_dir.resolve() / "secantusd.log",
            )
            uri = await server.start()
    client = connect(uri)
    try:
        try:
            await client.admin.command("ping")
        except PyMongoError as error:
            raise DatabaseUnavailable(f"cannot reach the database: {error.__class__.__name__}") from None
        database = client[settings.database]
        await ensure_sequence_numbers(database)  # a store of an earlier version, as `lrs serve` does
        await ensure_indexes(database, INDEXES)
        yield database
    finally:
        await client.close()
        if server:
            await server.stop()


async def answers(uri: str) -> bool:
    client = connect(uri, timeout_ms=1000)
    try:
        await client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        await client.close()


def print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def json_argument(text: str, name: str) -> object:
    """A JSON command-line value; a mistake is one line naming the option."""
    try:
        return json.loads(text)
    except ValueError as error:
        raise BadRequest(f"{name}: not valid JSON ({error})") from None
