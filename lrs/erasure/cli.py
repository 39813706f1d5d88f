"""`lrs erase --agent '<Agent JSON>' [--dry-run]`: the admin API's erasure from the command line."""

from __future__ import annotations

import argparse

from lrs.commands import Command, json_argument, load_plugins, open_database, print_json
from lrs.erasure import erasure_hooks_key, service
from lrs.settings import Settings

CLI_CREDENTIAL = "cli"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--agent",
        action="append",
        required=True,
        help="the person as an xAPI Agent in JSON; repeat for each identifier they have",
    )
    parser.add_argument("--dry-run", action="store_true", help="count what would go, change nothing")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    from lrs.app import create_app  # for the plug-ins' erasure hooks; the app is never started

    hooks = create_app(settings, load_plugins())[erasure_hooks_key]
    agents = [json_argument(text, "--agent") for text in args.agent]
    async with open_database(settings) as database:
        result = await service.erase_agent(
            database, {"agent": agents, "dryRun": args.dry_run}, hooks, CLI_CREDENTIAL, settings.public_url
        )
    print_json(result)
    return 0


COMMAND = Command("erase", "erase a person's data (GDPR); --dry-run counts it first", add_arguments, run)
