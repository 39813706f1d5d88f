"""`lrs forwards ...`: the forwards of the LRS from the command line (same rules as the admin API).

Running servers pick up changes within a second.
"""

from __future__ import annotations

import argparse
from typing import Any

from lrs.commands import Command, json_argument, open_database, print_json
from lrs.forwarding import service
from lrs.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="list forwards with their state")
    for name in ("create", "update"):
        action = actions.add_parser(name, help=f"{name} a forward (prints it as JSON)")
        if name == "update":
            action.add_argument("id")
        action.add_argument("--name", required=name == "create")
        action.add_argument(
            "--type",
            choices=("lrs", "webhook"),
            required=name == "create",
            help="another xAPI LRS, or a webhook signed with HMAC-SHA256",
        )
        action.add_argument(
            "--url", required=name == "create", help="the LRS's xAPI endpoint (…/xapi), or the webhook's URL"
        )
        action.add_argument("--key", help="the receiving LRS's credential key")
        action.add_argument("--secret", help="its secret; for a webhook, the HMAC key (generated if not given)")
        action.add_argument("--xapi-version", help="the xAPI version an LRS receiver speaks: 1.0.3 (default) or 2.0.0")
        action.add_argument("--filter", help='JSON, e.g. \'{"verb": ["http://adlnet.gov/expapi/verbs/completed"]}\'')
    for name, text in (
        ("show", "a forward with what it still has to deliver"),
        ("pause", "pause a forward"),
        ("resume", "resume a paused forward"),
        ("delete", "delete a forward"),
    ):
        actions.add_parser(name, help=text).add_argument("id")


def definition(args: argparse.Namespace) -> dict[str, Any]:
    body = {
        name: getattr(args, option)
        for name, option in (
            ("name", "name"),
            ("type", "type"),
            ("url", "url"),
            ("key", "key"),
            ("secret", "secret"),
            ("xapiVersion", "xapi_version"),
        )
        if getattr(args, option, None) is not None
    }
    if args.filter is not None:
        body["filter"] = json_argument(args.filter, "--filter")
    return body


async def run(settings: Settings, args: argparse.Namespace) -> int:
    async with open_database(settings) as database:
        if args.action == "list":
            for forward in await service.list_forwards(database):
                error = forward["lastError"]["message"] if forward["lastError"] and forward["failures"] else ""
                print(
                    f"{forward['id']}  {forward['name']:<20} {forward['type']:<8} {forward['status']:<7} "
                    f"delivered={forward['delivered']} failures={forward['failures']} {forward['url']} {error}".rstrip()
                )
        elif args.action == "create":
            print_json(await service.create_forward(database, definition(args)))
        elif args.action == "update":
            print_json(await service.update_forward(database, args.id, definition(args)))
        elif args.action == "show":
            print_json(await service.get_forward(database, args.id))
        elif args.action == "pause":
            print_json(await service.pause_forward(database, args.id))
        elif args.action == "resume":
            print_json(await service.resume_forward(database, args.id))
        elif args.action == "delete":
            await service.delete_forward(database, args.id)
            print(f"deleted {args.id}")
    return 0


COMMAND = Command("forwards", "manage forwards to other LRSs and webhooks", add_arguments, run)
