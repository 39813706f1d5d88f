"""The statement hook: cmi5 9 rules before an AU's statements are stored, moveOn after.

Only statements sent with a launch token are judged; the LMS's own statements and those of
ordinary credentials pass untouched.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cmi5 import store, vocab
from cmi5.auth import SessionPolicy
from cmi5.rules import OUTCOME_VERBS, Launch, RegistrationAU, apply_rules, is_cmi5_defined, reads_registration
from cmi5.sessions import apply_move_on
from lrs.datatypes import duration_seconds
from lrs.errors import Conflict
from lrs.hooks import StoreContext

# Concurrent batches of one session are serialized by a version check; the loser re-reads and
# is judged again. This many rounds is far beyond what one AU's requests can cause.
MAX_ATTEMPTS = 50


def session_of(ctx: StoreContext) -> dict | None:
    policy = ctx.principal.policy
    return policy.session if isinstance(policy, SessionPolicy) else None


class TrackingHook:
    def __init__(self, lms_for_app) -> None:
        # Called at request time: the database exists only once the app has started.
        self.lms_for_app = lms_for_app

    async def before_store(self, statements: list[dict], ctx: StoreContext) -> None:
        session = session_of(ctx)
        if session is not None:
            await enforce_rules(self.lms_for_app().database, session, statements, ctx)

    async def after_store(self, statements: list[dict], ctx: StoreContext) -> None:
        session = session_of(ctx)
        if session is None:
            return
        await record_progress(self.lms_for_app().database, session, statements)
        judged = [s for s in statements if is_cmi5_defined(s) and s["verb"]["id"] in OUTCOME_VERBS]
        if not judged:
            return
        lms = self.lms_for_app()
        for statement in judged:
            if statement["verb"]["id"] == vocab.FAILED:
                await store.update_registration_failed(
                    lms.database, session["registration"], session["au"], statement["id"]
                )
        course = await store.find_course(lms.database, session["course"])
        if course is None:
            return  # deleted while this batch was being stored: nothing is left to satisfy
        # 9.3.9: satisfied statements triggered by a session use that session's id.
        await apply_move_on(lms, session["registration"], course, session["_id"])


async def record_progress(database, session: dict, statements: list[dict]) -> None:
    """Score and time of the AU's statements, for reports (cmi5.reports)."""
    score, seconds = None, 0.0
    for statement in statements:
        if not is_cmi5_defined(statement):
            continue
        result = statement.get("result") or {}
        verb = statement["verb"]["id"]
        if verb in (vocab.PASSED, vocab.FAILED) and "scaled" in (result.get("score") or {}):
            score = result["score"]["scaled"]
        if verb == vocab.TERMINATED:
            seconds += duration_seconds(result.get("duration", "")) or 0.0
    await store.update_registration_progress(database, session["registration"], session["au"], score, seconds)


async def enforce_rules(database, session: dict, statements: list[dict], ctx: StoreContext) -> None:
    # The first judgement uses the session as read when this request's token was authenticated.
    # Most batches hold no completed, passed or failed: their judgement needs no registration.
    with_registration = reads_registration(statements)
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            found = await store.find_session(database, session["_id"])
            if found is None:
                return  # the session was deleted meanwhile (with its registration or course)
            session = found
        facts = RegistrationAU()
        if with_registration:
            registration = await store.find_registration(database, session["registration"], session["au"]) or {}
            facts = store.to_registration_au(store.registration_au(registration, session["au"]))
        launch = Launch(
            session_id=session["_id"],
            registration=session["registration"],
            activity_id=session["activity_id"],
            launch_mode=session["launch_mode"],
            mastery_score=session["mastery_score"],
            context_template=session["context_template"],
        )
        state = store.state_from_document(session[store.STATE])
        outcome = apply_rules(launch, state, facts, statements, datetime.now(UTC), ctx.known_ids)
        if not outcome.changed:
            return
        if not await store.update_registration_claims(database, session["registration"], session["au"], outcome.claims):
            continue  # another statement claimed completed/passed first: judge again
        if await store.update_session_state(database, session["_id"], session[store.VERSION], outcome.state):
            ctx.undo.append(undo_rules(database, session, outcome.claims))
            return
        await store.update_registration_unclaim(database, session["registration"], session["au"], outcome.claims)
    raise Conflict("the AU session changed concurrently too often; send the statements again")


def undo_rules(database, session: dict, claims: dict[str, str]):
    """Give back the claims and the session state of a batch that was not stored after all."""

    async def undo() -> None:
        await store.update_registration_unclaim(database, session["registration"], session["au"], claims)
        # Only if no later batch moved the session on meanwhile.
        await store.update_session_state(
            database, session["_id"], session[store.VERSION] + 1, store.state_from_document(session[store.STATE])
        )

    return undo
