"""Reports: who registered, completed, passed, failed and satisfied what, with average score and
time, per course and AU, and each learner's progress. No HTTP here.

Computed by the database from the registrations: each holds, per AU, the ids of the statements
that completed, passed and failed it, a waiver, the latest scaled score of a passed or failed
statement and the time spent (the durations of its terminated and abandoned sessions), all kept
up to date as the statements arrive (cmi5.tracking). A course report is one aggregation over the
course's registrations, so it costs the same however many statements the store holds.

Completion and success are separate columns, as in cmi5 itself: an AU can be completed and
failed. "satisfied" applies the AU's moveOn (a waiver satisfies any).
"""

from __future__ import annotations

from cmi5 import store
from cmi5.courses import get_course, list_courses
from cmi5.moveon import evaluate
from lrs.errors import BadRequest, InvalidStatement
from lrs.ifi import identified_key
from lrs.statements.service import format_timestamp
from lrs.statements.validate import validate_agent


def present(path: str) -> dict:
    """1 when the registration has a value at `path`, else 0, as an aggregation expression."""
    return {"$cond": [{"$ifNull": [f"${path}", False]}, 1, 0]}


def satisfied_expression(au: dict) -> dict:
    """cmi5 moveOn (13.1.4) of one AU as an aggregation condition on a registration."""
    base = f"{store.AUS}.{au['index']}"

    def has(name: str) -> dict:
        return {"$ifNull": [f"${base}.{name}", False]}

    rule = {
        "NotApplicable": True,
        "Completed": has("completed"),
        "Passed": has("passed"),
        "CompletedAndPassed": {"$and": [has("completed"), has("passed")]},
        "CompletedOrPassed": {"$or": [has("completed"), has("passed")]},
    }[au["moveOn"]]
    return {"$cond": [{"$or": [has("waived"), rule]}, 1, 0]}


def course_pipeline(course: dict) -> list[dict]:
    aus = course["structure"]["aus"]
    group: dict = {
        "_id": None,
        "registered": {"$sum": 1},
        "satisfied": {"$sum": {"$cond": [f"${store.COURSE_SATISFIED}", 1, 0]}},
    }
    seconds: list[object] = [{"$ifNull": [f"${store.AUS}.{au['index']}.seconds", 0]} for au in aus]
    total_time = {"$add": seconds or [0]}
    # Learners who spent no time yet are left out of the average.
    group["time"] = {"$avg": {"$cond": [{"$gt": [total_time, 0]}, total_time, None]}}
    for au in aus:
        base = f"{store.AUS}.{au['index']}"
        group.update(
            {
                f"completed_{au['index']}": {"$sum": present(f"{base}.completed")},
                f"passed_{au['index']}": {"$sum": present(f"{base}.passed")},
                f"failed_{au['index']}": {"$sum": present(f"{base}.failed")},
                f"waived_{au['index']}": {"$sum": present(f"{base}.waived")},
                f"satisfied_{au['index']}": {"$sum": satisfied_expression(au)},
                f"score_{au['index']}": {"$avg": f"${base}.score"},
                f"time_{au['index']}": {"$avg": f"${base}.seconds"},
            }
        )
    return [{"$match": {"course": course["_id"]}}, {"$group": group}]


def rounded(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


async def course_report(database, course_id: str) -> dict:
    course = await get_course(database, course_id)
    rows = await store.aggregate_registrations(database, course_pipeline(course))
    totals = rows[0] if rows else {}
    aus = []
    for au in course["structure"]["aus"]:
        index = au["index"]
        aus.append(
            {
                "au": au["id"],
                "title": au["title"],
                "moveOn": au["moveOn"],
                **{
                    name: totals.get(f"{name}_{index}", 0)
                    for name in ("completed", "passed", "failed", "waived", "satisfied")
                },
                "averageScore": rounded(totals.get(f"score_{index}"), 4),
                "averageTimeSeconds": rounded(totals.get(f"time_{index}"), 1),
            }
        )
    return {
        "course": course["_id"],
        "title": course["title"],
        "registered": totals.get("registered", 0),
        "satisfied": totals.get("satisfied", 0),
        "averageTimeSeconds": rounded(totals.get("time"), 1),
        "aus": aus,
    }


async def courses_report(database) -> list[dict]:
    """Every course: registered and satisfied learners (one aggregation for all)."""
    counts = {
        row["_id"]: row
        for row in await store.aggregate_registrations(
            database,
            [
                {
                    "$group": {
                        "_id": "$course",
                        "registered": {"$sum": 1},
                        "satisfied": {"$sum": {"$cond": [f"${store.COURSE_SATISFIED}", 1, 0]}},
                    }
                },
            ],
        )
    }
    return [
        {
            "course": course["_id"],
            "title": course["title"],
            "aus": course["au_count"],
            "registered": counts.get(course["_id"], {}).get("registered", 0),
            "satisfied": counts.get(course["_id"], {}).get("satisfied", 0),
        }
        for course in await list_courses(database)
    ]


def au_progress(au: dict, entry: dict, satisfied: bool) -> dict:
    return {
        "au": au["id"],
        "title": au["title"],
        "moveOn": au["moveOn"],
        "completed": bool(entry.get("completed")),
        "passed": bool(entry.get("passed")),
        "failed": bool(entry.get("failed")),
        "waived": bool(entry.get("waived")),
        "satisfied": satisfied,
        "score": entry.get("score"),
        "timeSeconds": rounded(entry.get("seconds"), 1),
    }


async def learner_report(database, agent: object) -> dict:
    """Every registration of one learner, with each AU's progress."""
    try:
        agent = validate_agent(agent, "agent", allow_group=False)
    except InvalidStatement as error:
        raise BadRequest(error.detail) from None
    key = identified_key(agent)  # an Agent that passed has exactly one identifier
    registrations = []
    courses: dict[str, dict] = {}
    for registration in await store.find_registrations_of(database, key):
        course = courses.get(registration["course"]) or await get_course(database, registration["course"])
        courses[course["_id"]] = course
        result = evaluate(course["structure"], store.registration_facts(registration))
        aus = [
            au_progress(au, store.registration_au(registration, au["index"]), au["index"] in result.aus)
            for au in course["structure"]["aus"]
        ]
        registrations.append(
            {
                "registration": registration["_id"],
                "course": course["_id"],
                "title": course["title"],
                "registered": format_timestamp(registration["created"]),
                "satisfied": result.course,
                "timeSeconds": rounded(
                    sum(e.get("seconds", 0) for e in (registration.get(store.AUS) or {}).values()), 1
                ),
                "aus": aus,
            }
        )
    return {"agent": agent, "registrations": registrations}
