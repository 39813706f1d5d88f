"""The `lrs` command: `lrs serve`, `lrs credentials create|list|revoke`, and the commands of
lrs's parts (`forwards`, `erase`, `export`, `import`) and of plug-ins (entry points `lrs.commands`)."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from importlib.metadata import entry_points

from lrs.app import create_app
from lrs.auth.credentials import CredentialStore, parse_scopes
from lrs.commands import Command, load_plugins, open_database
from lrs.db import DatabaseUnavailable
from lrs.embedded import EmbeddedDatabaseError
from lrs.erasure import cli as erasure_cli
from lrs.errors import BadRequest, LRSError
from lrs.forwarding import cli as forwarding_cli
from lrs.logformat import configure_logging
from lrs.runner import serve_until_stopped
from lrs.settings import ENVIRONMENT, Settings
from lrs.transfer import cli as transfer_cli

PLUGIN_SETTINGS_GROUP = "lrs.settings"
PLUGIN_COMMANDS_GROUP = "lrs.commands"
# Commands of lrs's own parts.
PART_COMMANDS: list[Command] = [forwarding_cli.COMMAND, erasure_cli.COMMAND, transfer_cli.EXPORT, transfer_cli.IMPORT]


def plugin_environment() -> list[tuple[str, str, str]]:
    """(name, default, help) of the settings plug-ins read, declared by their entry points."""
    found = []
    for entry in sorted(entry_points(group=PLUGIN_SETTINGS_GROUP), key=lambda e: e.name):
        found += entry.load()
    return found


def load_commands() -> list[Command]:
    plugin_commands = [
        entry.load() for entry in sorted(entry_points(group=PLUGIN_COMMANDS_GROUP), key=lambda e: e.name)
    ]
    return [*PART_COMMANDS, *plugin_commands]


def build_parser(commands_found: list[Command] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrs", description="xAPI 1.0.3 and 2.0 Learning Record Store")
    commands = parser.add_subparsers(dest="command", required=True)
    settings = [*ENVIRONMENT, *plugin_environment()]
    width = max(len(name) for name, _, _ in settings) + 2
    environment = "\n".join(
        f"  {name:<{width}}{text} (default: {default or 'empty'})" for name, default, text in settings
    )
    serve = commands.add_parser(
        "serve",
        help="run the LRS",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"environment variables:\n{environment}",
    )
    serve.add_argument("--host", help="interface to listen on (LRS_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (LRS_PORT)")
    creds = commands.add_parser("credentials", help="manage Basic-auth credentials")
    actions = creds.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a credential and print its key and secret")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scopes",
        default="statements/write,statements/read",
        help="comma-separated xAPI scopes (default: statements/write,statements/read)",
    )
    actions.add_parser("list", help="list credentials")
    revoke = actions.add_parser("revoke", help="revoke a credential")
    revoke.add_argument("key")
    for command in commands_found or []:
        command.add_arguments(commands.add_parser(command.name, help=command.help, description=command.help))
    return parser


def main(argv: list[str] | None = None) -> int:
    found = load_commands()
    args = build_parser(found).parse_args(argv)
    try:
        settings = Settings.from_env(host=getattr(args, "host", None), port=getattr(args, "port", None))
        if args.command == "serve":
            return serve(settings)
        if args.command == "credentials":
            return asyncio.run(manage_credentials(settings, args))
        command = next(c for c in found if c.name == args.command)
        return asyncio.run(command.run(settings, args))
    except (LRSError, EmbeddedDatabaseError, DatabaseUnavailable) as error:
        print(f"lrs: {getattr(error, 'detail', None) or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def serve(settings: Settings) -> int:
    configure_logging(settings.log_level, settings.log_format)
    check_port_free(settings.host, settings.port)
    app = create_app(settings, load_plugins())
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return asyncio.run(
        serve_until_stopped(
            app,
            settings.host,
            settings.port,
            settings.shutdown_timeout,
            on_ready=lambda: print(f"LRS ready: xAPI endpoint {base}/xapi", flush=True),
        )
    )


def check_port_free(host: str, port: int) -> None:
    # Fail before starting the database, with one line instead of a traceback.
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise BadRequest(f"cannot listen on {host}:{port}: {error.strerror}") from None


async def manage_credentials(settings: Settings, args: argparse.Namespace) -> int:
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
            print(
                f"revoked {args.key}: running servers refuse it within their LRS_CREDENTIAL_CACHE_SECONDS (2 s unless set)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
