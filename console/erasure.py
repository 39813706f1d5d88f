"""The console's part of erasing a person (an lrs erasure hook): its rollups that name them.

The Learners list keeps each actor with their name, and the Registrations list each cmi5
learner: the rows naming the person (as an Agent, or as a member of a Group actor) go, in the
database and in the counts this process has not written yet. The counters (per hour, day, verb,
activity, course) hold no one's identity and stay. Another `lrs serve` process writes what it
counted in its last few seconds (console.rollups) later: an erasure run while the person is
still active should be run again, as the README says of statements.
"""

from __future__ import annotations

from console import store
from console.rollups import Rollups
from lrs.ifi import actor_keys


class ConsoleErasure:
    def __init__(self, rollups: Rollups) -> None:
        self.rollups = rollups

    async def erase_agent(self, database, agent_keys: list[str], dry_run: bool) -> dict[str, int]:
        keys = set(agent_keys)
        if not dry_run:
            self.forget(keys)
        learners = await store.find_learner_ids_naming(database, keys)
        registrations = await store.find_registration_ids_of(database, keys)
        if not dry_run:
            await store.delete_by_ids(database, store.LEARNERS, learners)
            await store.delete_by_ids(database, store.REGISTRATIONS, registrations)
        return {"consoleLearnersDeleted": len(learners), "consoleRegistrationsDeleted": len(registrations)}

    def forget(self, keys: set[str]) -> None:
        """Drop what this process counted of the person and has not written yet."""
        pending = self.rollups.pending
        for key, (fields, _) in list(pending.learners.items()):
            if key in keys or keys & set(actor_keys(fields["actor"])):
                del pending.learners[key]
                self.rollups.written.pop(f"learner|{key}", None)
        for registration, (fields, _) in list(pending.registrations.items()):
            if fields["actor_key"] in keys:
                del pending.registrations[registration]
