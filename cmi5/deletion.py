"""Deleting a course or a registration: the LMS's records go, the learning record stays.

What goes: the course (structure and package files), its registrations, their sessions (so
their launch tokens and fetch URLs stop working at once). Every session still open is first
abandoned as cmi5 9.3.6 asks, so the record says how it ended.

What stays: every statement and every State and Agent Profile document. They are the learning
record, which an LRS keeps: they still answer `GET /xapi/statements?registration=...`. Whoever
must withdraw statements voids them through xAPI, which keeps an account of that too.
"""

from __future__ import annotations

from cmi5 import store
from cmi5.courses import get_course
from cmi5.sessions import Lms, abandon_session, get_registration
from lrs.errors import Conflict


async def abandon_open_sessions(lms: Lms, session_ids: list[str]) -> int:
    return sum([await abandon_session(lms, session_id) for session_id in session_ids])


async def delete_registration(lms: Lms, registration_id: str) -> dict:
    registration = (await get_registration(lms.database, registration_id))["_id"]
    # The registration first: from now on no launch of it starts.
    await store.delete_registrations(lms.database, registration=registration)
    abandoned = await abandon_open_sessions(
        lms, await store.find_open_session_ids(lms.database, registration=registration)
    )
    sessions = await store.delete_sessions(lms.database, registration=registration)
    return {
        "registration": registration,
        "abandonedSessions": abandoned,
        "deletedSessions": sessions,
        "statementsKept": True,
    }


async def delete_course(lms: Lms, course_id: str) -> dict:
    course = await get_course(lms.database, course_id)
    if course.get("owner"):
        raise Conflict(f"course {course['_id']} belongs to {course['owner']}; it is deleted with it, not alone")
    # The course first: from now on nobody registers for it or launches it.
    await store.delete_course(lms.database, course["_id"])
    abandoned = await abandon_open_sessions(lms, await store.find_open_session_ids(lms.database, course=course["_id"]))
    sessions = await store.delete_sessions(lms.database, course=course["_id"])
    registrations = await store.delete_registrations(lms.database, course=course["_id"])
    files = await store.delete_package_files(lms.database, course["_id"])
    return {
        "course": course["_id"],
        "deletedRegistrations": registrations,
        "abandonedSessions": abandoned,
        "deletedSessions": sessions,
        "deletedFiles": files,
        "statementsKept": True,
    }
