"""The `lrs` command: `lrs serve` and `lrs credentials create|list|revoke`."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from contextlib import asynccontextmanager
from importlib.metadata import entry_points

from pymongo.errors import PyMongoError

from lrs.app import INDEXES, create_app
from lrs.auth.credentials import CredentialStore, parse_scopes
from lrs.db import DatabaseUnavailable, connect, ensure_indexes, running_uri_file
from lrs.embedded import EmbeddedDatabase, EmbeddedDatabaseError
from lrs.errors import BadRequest
from lrs.logformat import configure_logging
from lrs.runner import serve_until_stopped
from lrs.settings import ENVIRONMENT, Settings

PLUGIN_GROUP = "lrs.plugins"
PLUGIN_SETTINGS_GROUP = "lrs.settings"


def load_plugins() -> list:
    """cmi5 and the SCORM bridge register themselves as entry points; lrs never imports them."""
    return [entry.load() for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name)]


def plugin_environment() -> list[tuple[str, str, str]]:
    """(name, default, help) of the settings plug-ins read, declared by their entry points."""
    found = []
    for entry in sorted(entry_points(group=PLUGIN_SETTINGS_GROUP), key=lambda e: e.name):
        found += entry.load()
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrs", description="xAPI 1.0.3 and 2.0 Learning Record Store")
    commands = parser.add_subparsers(dest="command", required=True)
    settings = [*ENVIRONMENT, *plugin_environment()]
    width = max(len(name) for name, _, _ in settings) + 2
    environment = "\n".join(f"  {name:<{width}}{text} (default: {default or 'empty'})" for name, default, text in settings)
    serve = commands.add_parser(
        "serve", help="run the LRS", formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"environment variables:\n{environment}",
    )
    serve.add_argument("--host", help="interface to listen on (LRS_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (LRS_PORT)")
    creds = commands.add_parser("credentials", help="manage Basic-auth credentials")
    actions = creds.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a credential and print its key and secret")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", default="statements/write,statements/read",
                        help="comma-separated xAPI scopes (default: statements/write,statements/read)")
    actions.add_parser("list", help="list credentials")
    revoke = actions.add_parser("revoke", help="revoke a credential")
    revoke.add_argument("key")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(host=getattr(args, "host", None), port=getattr(args, "port", None))
        if args.command == "serve":
            return serve(settings)
        return asyncio.run(manage_credentials(settings, args))
    except (BadRequest, EmbeddedDatabaseError, DatabaseUnavailable) as error:
        print(f"lrs: {getattr(error, 'detail', None) or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def serve(settings: Settings) -> int:
    configure_logging(settings.log_level, settings.log_format)
    check_port_free(settings.host, settings.port)
    app = create_app(settings, load_plugins())
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return asyncio.run(serve_until_stopped(
        app, settings.host, settings.port, settings.shutdown_timeout,
        on_ready=lambda: print(f"LRS ready: xAPI endpoint {base}/xapi", flush=True),
    ))


def check_port_free(host: str, port: int) -> None:
    # Fail before starting the database, with one line instead of a traceback.
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise BadRequest(f"cannot listen on {host}:{port}: {error.strerror}") from None


@asynccontextmanager
async def open_database(settings: Settings):
    """The configured MongoDB, the running server's embedded database, or a private start of it."""
    uri, server = settings.mongodb_uri, None
    if not uri:
        uri_file = running_uri_file(settings)
        uri = uri_file.read_text().strip() if uri_file.exists() else ""
        if not uri or not await answers(uri):
            server = EmbeddedDatabase(settings.data_dir.resolve() / "db", settings.embedded_cache,
                                      settings.data_dir.resolve() / "secantusd.log")
            uri = await server.start()
    client = connect(uri)
    try:
        try:
            await client.admin.command("ping")
        except PyMongoError as error:
            raise DatabaseUnavailable(f"cannot reach the database: {error.__class__.__name__}") from None
        database = client[settings.database]
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


async def manage_credentials(settings: Settings, args) -> int:
    async with open_database(settings) as database:
        store = CredentialStore(database, settings.public_url)
        if args.action == "create":
            created = await store.insert_credential(args.name, parse_scopes(args.scopes))
            print(f"key:    {created.key}\nsecret: {created.secret}\nscopes: {','.join(created.scopes)}")
        elif args.action == "list":
            for document in await store.list_credentials():
                state = "revoked" if document["revoked_at"] else "active"
                print(f"{document['_id']}  {document['name']:<20} {','.join(document['scopes']):<40} {state}")
        elif args.action == "revoke":
            if not await store.update_revoked(args.key):
                print(f"lrs: no active credential with key {args.key}", file=sys.stderr)
                return 1
            print(f"revoked {args.key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
