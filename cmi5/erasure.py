"""cmi5's part of erasing a person (an lrs erasure hook): their registrations and AU sessions.

A registration holds the learner's Agent and each AU's outcome; a session holds the Agent too.
Both go. Launch data and SCORM records are State documents of the learner, which lrs erases.
"""

from __future__ import annotations

from cmi5 import store


class Cmi5Erasure:
    async def erase_agent(self, database, agent_keys: list[str], dry_run: bool) -> dict[str, int]:
        registrations = await store.find_registration_ids_of(database, agent_keys)
        if dry_run:
            return {
                "cmi5RegistrationsDeleted": len(registrations),
                "cmi5SessionsDeleted": await store.count_sessions_of(database, registrations),
            }
        deleted, sessions = await store.delete_registrations_by_id(database, registrations)
        return {"cmi5RegistrationsDeleted": deleted, "cmi5SessionsDeleted": sessions}
