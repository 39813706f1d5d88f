"""`lrs report ...`: the cmi5 reports from the command line, as a table, CSV or JSON.

A plug-in command (entry point group `lrs.commands`), so `lrs` itself never imports cmi5.
"""

from __future__ import annotations

import argparse
import csv
import sys

from cmi5 import reports
from lrs.commands import Command, json_argument, open_database, print_json

AU_COLUMNS = (
    "au",
    "moveOn",
    "completed",
    "passed",
    "failed",
    "waived",
    "satisfied",
    "averageScore",
    "averageTimeSeconds",
)
LEARNER_COLUMNS = ("registration", "au", "completed", "passed", "failed", "waived", "satisfied", "score", "timeSeconds")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", required=True)
    kinds.add_parser("courses", help="every course: AUs, registered and satisfied learners")
    course = kinds.add_parser("course", help="one course, per AU: completed, passed, failed, satisfied, score, time")
    course.add_argument("id", help="the course id (as /cmi5/courses lists it)")
    learner = kinds.add_parser("learner", help="one learner's progress in each registration")
    learner.add_argument("--agent", required=True, help="the learner as an xAPI Agent in JSON")
    for sub in (course, learner, kinds.choices["courses"]):
        sub.add_argument("--format", choices=("table", "csv", "json"), default="table")


def write_rows(columns: tuple[str, ...], rows: list[dict], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([["" if row.get(c) is None else row.get(c) for c in columns] for row in rows])
        return
    texts = [[("" if row.get(c) is None else str(row.get(c))) for c in columns] for row in rows]
    widths = [max([len(c), *(len(t[i]) for t in texts)]) for i, c in enumerate(columns)]
    for line in [list(columns), *texts]:
        print("  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)).rstrip())


async def run(settings, args: argparse.Namespace) -> int:
    async with open_database(settings) as database:
        if args.kind == "courses":
            found = await reports.courses_report(database)
            columns: tuple[str, ...] = ("course", "title", "aus", "registered", "satisfied")
            result, rows = {"courses": found}, found
        elif args.kind == "course":
            result = await reports.course_report(database, args.id)
            columns, rows = AU_COLUMNS, result["aus"]
            if args.format == "table":
                print(
                    f"{result['title']}: {result['registered']} registered, {result['satisfied']} satisfied, "
                    f"average time {result['averageTimeSeconds']} s"
                )
        else:
            result = await reports.learner_report(database, json_argument(args.agent, "--agent"))
            columns = LEARNER_COLUMNS
            rows = [{"registration": r["registration"], **au} for r in result["registrations"] for au in r["aus"]]
    if args.format == "json":
        print_json(result)
    else:
        write_rows(columns, rows, args.format)
    sys.stdout.flush()
    return 0


COMMAND = Command("report", "cmi5 reports: courses, one course per AU, one learner's progress", add_arguments, run)
