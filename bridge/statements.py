"""The statements of a SCORM session, shaped by the xAPI SCORM Profile and the cmi5 rules. Pure.

Every statement carries the launch's context template (cmi5 10.2.1: the AU's publisher id in
grouping, the session id extension), the registration, the course and the attempt in grouping
(profile 5.0) and the profile's category. Only initialized, completed, passed, failed and
terminated about the AU itself are "cmi5 defined" (cmi5 category, moveon when they carry success
or completion). Anything the cmi5 rules would refuse as cmi5 defined (a second completed in the
registration, passed and failed in one session) is sent "cmi5 allowed": the same statement
without the cmi5 categories, so it is recorded but does not count for moveOn. cmi5 keeps
result.score for passed and failed, so the score goes to those as `scaled` only (raw / 100), and
fully into the profile's `scored` statement.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from bridge import interactions, vocab
from bridge.cmi import Score, decimal_of
from cmi5 import vocab as cmi5_vocab
from cmi5.statements import au_activity, format_duration
from lrs.statements.service import format_timestamp


@dataclass(frozen=True)
class Launch:
    """What the bridge knows about the session it speaks for."""

    session: str
    registration: str
    actor: dict
    au: dict  # cmi5 AU snapshot: id (publisher), activityId, title, description, activityType
    context_template: dict
    course_activity: str  # the cmi5 course's LMS activity id
    launch_mode: str  # cmi5 launchMode
    mastery_score: float | None
    sco: dict = field(default_factory=dict)  # the SCO as the package document keeps it
    course_iri: str = ""  # the package's IRI (`PackageIris.package`)

    @property
    def normal(self) -> bool:
        return self.launch_mode == "Normal"

    def attempt_iri(self, attempt: str) -> str:
        return f"{self.au['id']}/attempts/{attempt}"

    def interaction_iri(self, interaction_id: str) -> str:
        return f"{self.au['id']}/interactions/{quote(interaction_id, safe='')}"

    def objective_iri(self, objective_id: str) -> str:
        return f"{self.au['id']}/objectives/{quote(objective_id, safe='')}"

    def course_objective_iri(self, objective_id: str) -> str:
        """A SCORM 2004 global objective: the course's (profile: `<courseIRI>/objectives/<id>`)."""
        return f"{self.course_iri}/objectives/{quote(objective_id, safe='')}"


def number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def scaled_of(score: Score) -> float | None:
    """SCORM 1.2 raw / 100 (profile, "Score"), when that is a scaled score (0 to 1)."""
    raw = decimal_of(score.raw)
    if raw is None or not 0 <= raw <= 100:
        return None
    return float(raw / 100)


def xapi_score(score, scaled: float | None) -> dict | None:
    """An xAPI score from a SCORM score's raw, min and max (when they fit together) and the
    scaled score the edition gives (SCORM 1.2: `scaled_of`; SCORM 2004: cmi.score.scaled)."""
    raw, low, high = (decimal_of(v) for v in (score.raw, score.min, score.max))
    result: dict = {}
    if raw is not None:
        result["raw"] = number(raw)
        if low is not None and high is not None and low <= raw <= high:
            result["min"], result["max"] = number(low), number(high)
        elif low is not None and low <= raw and high is None:
            result["min"] = number(low)
        elif high is not None and raw <= high and low is None:
            result["max"] = number(high)
    if scaled is not None:
        result["scaled"] = scaled
    return result or None


def activity(activity_id: str, activity_type: str | None = None, name: str | None = None) -> dict:
    found: dict = {"objectType": "Activity", "id": activity_id}
    definition: dict[str, Any] = {}
    if name:
        definition["name"] = {"und": name}
    if activity_type:
        definition["type"] = activity_type
    if definition:
        found["definition"] = definition
    return found


class StatementBuilder:
    def __init__(self, launch: Launch, attempt: str, at: datetime) -> None:
        self.launch = launch
        self.attempt = attempt
        self.timestamp = format_timestamp(at)

    def context(
        self, defined: bool = False, moveon: bool = False, parent: bool = False, other: list[dict] | None = None
    ) -> dict:
        context = copy.deepcopy(self.launch.context_template)
        context["registration"] = self.launch.registration
        activities = context.setdefault("contextActivities", {})
        activities["grouping"] = [
            *activities.get("grouping", []),
            activity(self.launch.course_activity, vocab.TYPE_COURSE),
            activity(self.launch.attempt_iri(self.attempt), vocab.TYPE_ATTEMPT),
        ]
        categories = []
        if defined:
            categories.append({"objectType": "Activity", "id": cmi5_vocab.CATEGORY_CMI5})
            if moveon:
                categories.append({"objectType": "Activity", "id": cmi5_vocab.CATEGORY_MOVEON})
        categories.append(activity(vocab.PROFILE_ACTIVITY, vocab.TYPE_PROFILE))
        activities["category"] = categories
        if parent:
            activities["parent"] = [activity(self.launch.au["activityId"])]
        if other:
            activities["other"] = other
        return context

    def statement(self, verb: str, obj: dict, context: dict, result: dict | None = None) -> dict:
        statement = {
            "id": str(uuid.uuid4()),
            "actor": self.launch.actor,
            "verb": {"id": verb, "display": {"en-US": vocab.VERB_NAMES[verb]}},
            "object": obj,
            "context": context,
            "timestamp": self.timestamp,
        }
        if result:
            statement["result"] = result
        return statement

    def about_sco(self, verb: str, result: dict | None = None, defined: bool = False) -> dict:
        moveon = result is not None and ("success" in result or "completion" in result)
        return self.statement(verb, au_activity(self.launch.au), self.context(defined, moveon), result)

    # --- the temporal model (profile 5.0) --------------------------------------------------

    def initialized(self) -> dict:
        return self.about_sco(vocab.INITIALIZED, defined=True)

    def resumed(self) -> dict:
        return self.about_sco(vocab.RESUMED)

    def suspended(self, duration: timedelta) -> dict:
        return self.about_sco(vocab.SUSPENDED, {"duration": format_duration(duration)})

    def terminated(self, duration: timedelta) -> dict:
        return self.about_sco(vocab.TERMINATED, {"duration": format_duration(duration)}, defined=True)

    # --- outcomes ---------------------------------------------------------------------------

    def completed(self, duration: timedelta, defined: bool) -> dict:
        return self.about_sco(vocab.COMPLETED, {"completion": True, "duration": format_duration(duration)}, defined)

    def judged(self, verb: str, scaled: float | None, duration: timedelta, defined: bool) -> dict:
        result: dict = {"success": verb == vocab.PASSED, "duration": format_duration(duration)}
        if scaled is not None:
            result["score"] = {"scaled": scaled}
        statement = self.about_sco(verb, result, defined)
        if scaled is not None and self.launch.mastery_score is not None:
            # cmi5 9.6.3.2: a judged statement with a score names the masteryScore it was judged by.
            statement["context"].setdefault("extensions", {})[cmi5_vocab.EXT_MASTERY_SCORE] = self.launch.mastery_score
        return statement

    def scored(self, score: dict | None) -> dict | None:
        return self.about_sco(vocab.SCORED, {"score": score}) if score else None

    def progressed(self, measure: float) -> dict:
        """SCORM 2004 cmi.progress_measure (profile 6.0, "Progress Measure")."""
        return self.about_sco(vocab.PROGRESSED, {"score": {"scaled": measure}})

    # --- what happened inside the SCO --------------------------------------------------------

    def responded(self, interaction, notation: interactions.Notation = interactions.SCORM_12) -> dict:
        obj = {
            "objectType": "Activity",
            "id": self.launch.interaction_iri(interaction.id),
            "definition": interactions.definition(interaction, notation),
        }
        other = [activity(self.launch.objective_iri(o), vocab.TYPE_OBJECTIVE) for o in interaction.objective_ids if o]
        return self.statement(
            vocab.RESPONDED,
            obj,
            self.context(parent=True, other=other or None),
            interactions.result(interaction, notation) or None,
        )

    def objective(self, objective_id: str, verb: str, score: dict | None, iri: str | None = None) -> dict:
        """An objective's outcome; about `iri` when the objective is not the SCO's own (a global one)."""
        result: dict = {"completion": True} if verb == vocab.COMPLETED else {"success": verb == vocab.PASSED}
        if score:
            result["score"] = score
        obj = activity(iri or self.launch.objective_iri(objective_id), vocab.TYPE_OBJECTIVE, objective_id)
        return self.statement(verb, obj, self.context(parent=True), result)

    def commented(self, comment: str) -> dict:
        return self.about_sco(vocab.COMMENTED, {"response": comment})
