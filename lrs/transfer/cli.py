"""`lrs export` and `lrs import`, with a progress bar (tqdm, on stderr) and resuming."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from lrs.commands import Command, open_database
from lrs.errors import BadRequest
from lrs.forwarding.worker import Forwarding, OutboxHook
from lrs.hooks import StatementHook
from lrs.http.statements import list_query
from lrs.settings import Settings
from lrs.transfer import format
from lrs.transfer.export import Written, export_lines, read_written
from lrs.transfer.importer import BATCH_SIZE, Importer, import_principal
from lrs.transfer.sources import import_file, import_remote

FILTER_OPTIONS = ("agent", "verb", "activity", "registration", "since", "until")


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    parser.add_argument("--resume", action="store_true", help="go on with an interrupted export into --output")
    parser.add_argument("--agent", help="Agent JSON, as GET /statements takes it")
    for name in ("verb", "activity", "registration", "since", "until"):
        parser.add_argument(f"--{name}", help=f"as the GET /statements parameter {name}")
    parser.add_argument("--related-activities", action="store_true")
    parser.add_argument("--related-agents", action="store_true")
    parser.add_argument("--no-documents", action="store_true", help="statements and attachments only")


def filter_params(args: argparse.Namespace) -> dict[str, Any]:
    found = {name: getattr(args, name) for name in FILTER_OPTIONS if getattr(args, name) is not None}
    for name in ("related_activities", "related_agents"):
        if getattr(args, name):
            found[name] = "true"
    return found


def resume_point(output: Path) -> Written | None:
    """What an interrupted export in `output` holds, its cut-off last line removed."""
    if not output.exists():
        return None
    written = read_written(output)
    with output.open("r+b") as file:
        file.truncate(written.complete_bytes)
    return written


async def run_export(settings: Settings, args: argparse.Namespace) -> int:
    found = filter_params(args)
    query = list_query(found)  # the same rules and errors as GET /statements
    if not args.resume and args.output and args.output.exists():
        raise BadRequest(f"{args.output} exists; use --resume to go on with it, or another name")
    if args.resume and not args.output:
        raise BadRequest("--resume needs --output")
    try:
        written = resume_point(args.output) if args.resume else None
        out = args.output.open("ab") if args.output else sys.stdout.buffer
    except OSError as error:  # a missing folder, a directory, no permission
        raise BadRequest(f"{args.output}: {error.strerror}") from None
    bar = tqdm(
        desc="export",
        unit=" statements",
        initial=written.statements if written else 0,
        file=sys.stderr,
        mininterval=0.5,
    )
    try:
        async with open_database(settings) as database:
            async for line in export_lines(database, query, found, not args.no_documents, written):
                out.write(format.dump(line).encode("utf-8"))
                if "statement" in line:
                    bar.update(1)
    finally:
        bar.close()
        if args.output:
            out.close()
        else:
            out.flush()
    return 0


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", type=Path, help="an export file (NDJSON) of `lrs export`")
    parser.add_argument(
        "--from",
        dest="source_url",
        metavar="URL",
        help="pull from another LRS instead: its xAPI endpoint, e.g. https://lrs.example.com/xapi",
    )
    parser.add_argument("--key", help="credential key at that LRS")
    parser.add_argument("--secret", help="its secret (or the environment variable LRS_IMPORT_SECRET)")
    parser.add_argument("--batch", type=int, default=BATCH_SIZE, help=f"statements per batch (default {BATCH_SIZE})")
    parser.add_argument("--restart", action="store_true", help="ignore the checkpoint of an interrupted import")


async def run_import(settings: Settings, args: argparse.Namespace) -> int:
    if bool(args.file) == bool(args.source_url):
        raise BadRequest("give an export file or --from URL (one of them)")
    if not 1 <= args.batch <= 10_000:
        raise BadRequest("--batch: between 1 and 10000")
    secret = args.secret or os.environ.get("LRS_IMPORT_SECRET", "")
    if args.source_url and not (args.key and secret):
        raise BadRequest("--from needs --key and --secret (or LRS_IMPORT_SECRET)")
    if args.file and not args.file.is_file():
        raise BadRequest(f"{args.file}: no such file")
    bar = tqdm(desc="import", unit=" statements", file=sys.stderr, mininterval=0.5)

    def progress(total: int, done: int) -> None:
        bar.reset(total or None)
        bar.update(done)
        if done:
            bar.write(f"resuming after {done} statements", file=sys.stderr)

    async with open_database(settings) as database:
        # Imported statements are queued for the forwards like any others.
        hooks: list[StatementHook] = [OutboxHook(Forwarding(), lambda: database)]
        importer = Importer(database, hooks, import_principal(settings.public_url), args.batch, on_stored=bar.update)
        try:
            if args.file:
                resumed = await import_file(importer, args.file, args.restart, progress)
            else:
                resumed = await import_remote(importer, args.source_url, args.key, secret, args.restart, progress)
        finally:
            bar.close()
    counts = importer.counts
    for problem in counts.problems:
        print(f"lrs: {problem}", file=sys.stderr)
    print(
        json.dumps(
            {
                "resumed": resumed,
                "statements": counts.statements,
                "rejected": counts.rejected,
                "attachments": counts.attachments,
                "documents": counts.documents,
                "documentsExisting": counts.documents_existing,
            }
        )
    )
    return 2 if counts.rejected else 0


EXPORT = Command(
    "export",
    "write statements (filtered like GET /statements), attachments and documents as NDJSON",
    add_export_arguments,
    run_export,
)
IMPORT = Command(
    "import",
    "load an export file, or pull another LRS's statements; resumable, idempotent",
    add_import_arguments,
    run_import,
)
