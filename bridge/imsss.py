"""IMS Simple Sequencing (with ADL's extensions) in a SCORM 2004 manifest, read into the
activity tree settings of scorm-again's sequencing engine. Pure.

The engine runs in the learner's browser (the player); the server reads the manifest once, at
import, and keeps the tree in the package document. Only what a manifest declares is passed on:
the engine applies the IMS SS defaults itself. `Sequencing.effective` holds the values the server
needs for itself (how an item takes part in rollup, its delivery controls and objectives), with
the defaults applied.

A `<sequencing IDRef="...">` takes the `<sequencingCollection>` entry it names and replaces each
of its child elements that the item declares itself (IMS SS 1.0 binding, 3.1): the combination is
made here, so the engine and the server see the same sequencing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from bridge import cmi2004
from bridge.errors import InvalidPackage

# Condition, action and control vocabularies of IMS SS as SCORM 2004 profiles them.
RULE_CONDITIONS = (
    "satisfied",
    "objectiveStatusKnown",
    "objectiveMeasureKnown",
    "objectiveMeasureGreaterThan",
    "objectiveMeasureLessThan",
    "completed",
    "activityProgressKnown",
    "attempted",
    "attemptLimitExceeded",
    "timeLimitExceeded",
    "outsideAvailableTimeRange",
    "always",
)
RULE_ACTIONS = {
    "preConditionRule": ("skip", "disabled", "hiddenFromChoice", "stopForwardTraversal"),
    "exitConditionRule": ("exit",),
    "postConditionRule": ("exitParent", "exitAll", "retry", "retryAll", "continue", "previous"),
}
RULE_LISTS = {
    "preConditionRule": "preConditionRules",
    "exitConditionRule": "exitConditionRules",
    "postConditionRule": "postConditionRules",
}
ROLLUP_CONDITIONS = (
    "satisfied",
    "objectiveStatusKnown",
    "objectiveMeasureKnown",
    "completed",
    "activityProgressKnown",
    "attempted",
    "attemptLimitExceeded",
    "timeLimitExceeded",
    "outsideAvailableTimeRange",
)
# scorm-again names one rollup condition differently from the binding.
ENGINE_ROLLUP_CONDITIONS = {"activityProgressKnown": "progressKnown"}
ROLLUP_ACTIONS = ("satisfied", "notSatisfied", "completed", "incomplete")
CHILD_ACTIVITY_SETS = ("all", "any", "none", "atLeastCount", "atLeastPercent")
COMBINATIONS = ("all", "any")
OPERATORS = ("not", "noOp")
TIMINGS = ("never", "once", "onEachNewAttempt")
CONSIDERATIONS = ("always", "ifAttempted", "ifNotSkipped", "ifNotSuspended")
HIDE_LMS_UI = ("previous", "continue", "exit", "exitAll", "abandon", "abandonAll", "suspendAll")
CONTROL_MODE = (
    "choice",
    "choiceExit",
    "flow",
    "forwardOnly",
    "useCurrentAttemptObjectiveInfo",
    "useCurrentAttemptProgressInfo",
)
MAP_FLAGS = ("readSatisfiedStatus", "readNormalizedMeasure", "writeSatisfiedStatus", "writeNormalizedMeasure")
ADL_MAP_FLAGS = (
    "readRawScore",
    "readMinScore",
    "readMaxScore",
    "readCompletionStatus",
    "readProgressMeasure",
    "writeRawScore",
    "writeMinScore",
    "writeMaxScore",
    "writeCompletionStatus",
    "writeProgressMeasure",
)
TRUE, FALSE = ("true", "1"), ("false", "0")


def is_interval(text: str) -> bool:
    """A duration limit the SCO can be given as cmi.max_time_allowed: a SCORM 2004 timeinterval."""
    try:
        return cmi2004.parse_interval(text) <= cmi2004.MAX_INTERVAL_SECONDS
    except ValueError:
        return False


@dataclass
class Effective:
    """What the server needs of an activity's sequencing, IMS SS defaults applied."""

    tracked: bool = True
    completion_set_by_content: bool = False
    objective_set_by_content: bool = False
    rollup_objective_satisfied: bool = True
    rollup_progress_completion: bool = True
    satisfied_by_measure: bool = False
    min_normalized_measure: Decimal = Decimal(1)
    attempt_duration_limit: str = ""
    # local objective id -> the global objective it writes to (its status is the course's)
    global_objectives: dict[str, str] = field(default_factory=dict)


@dataclass
class Sequencing:
    settings: dict  # scorm-again ActivitySettings, without id/title/children
    effective: Effective


def local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def in_adlseq(element: ET.Element) -> bool:
    return isinstance(element.tag, str) and "adlseq" in element.tag.split("}", 1)[0]


def children(element: ET.Element, name: str, adlseq: bool | None = None) -> list[ET.Element]:
    return [c for c in element if local(c) == name and (adlseq is None or in_adlseq(c) == adlseq)]


def child(element: ET.Element, name: str, adlseq: bool | None = None) -> ET.Element | None:
    found = children(element, name, adlseq)
    return found[0] if found else None


class SequencingReader:
    """Reads `<imsss:sequencing>` elements; `path` in each call names the element for errors."""

    def __init__(self, collections: dict[str, ET.Element]) -> None:
        self.collections = collections

    # --- values ------------------------------------------------------------------------------

    def value(self, element: ET.Element, name: str) -> str | None:
        for key, found in element.attrib.items():
            if key.rsplit("}", 1)[-1].lower() == name.lower():
                return found.strip()
        return None

    def boolean(self, element: ET.Element, name: str, path: str) -> bool | None:
        found = self.value(element, name)
        if found is None or found == "":
            return None
        if found.lower() in TRUE:
            return True
        if found.lower() in FALSE:
            return False
        raise InvalidPackage(f"{path}/@{name}", f"{found!r} must be true or false")

    def flags(self, element: ET.Element, names: Iterable[str], path: str, into: dict) -> None:
        """The boolean attributes `names` of `element` that it sets, into `into`."""
        for name in names:
            flag = self.boolean(element, name, path)
            if flag is not None:
                into[name] = flag

    def decimal(self, text: str | None, path: str, low: Decimal, high: Decimal) -> Decimal | None:
        if text is None or text.strip() == "":
            return None
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not low <= number <= high:
            raise InvalidPackage(path, f"{text.strip()!r} must be a number from {low} to {high}")
        return number

    def integer(self, element: ET.Element, name: str, path: str) -> int | None:
        found = self.value(element, name)
        if found is None or found == "":
            return None
        if not (found.isascii() and found.isdigit()) or len(found) > 9:  # isdigit alone admits "²"
            raise InvalidPackage(f"{path}/@{name}", f"{found!r} must be a whole number from 0")
        return int(found)

    def token(self, element: ET.Element, name: str, path: str, allowed: tuple[str, ...]) -> str | None:
        """An enumerated attribute; written in another case it is read as meant."""
        found = self.value(element, name)
        if found is None or found == "":
            return None
        for option in allowed:
            if option.lower() == found.lower():
                return option
        raise InvalidPackage(f"{path}/@{name}", f"{found!r} must be one of {', '.join(allowed)}")

    # --- the sequencing element --------------------------------------------------------------

    def combined(self, sequencing: ET.Element, path: str) -> list[ET.Element]:
        """The element's children, over those of the collection its IDRef names."""
        reference = self.value(sequencing, "IDRef")
        own = list(sequencing)
        if not reference:
            return own
        if reference not in self.collections:
            raise InvalidPackage(f"{path}/@IDRef", f"{reference!r} names no sequencing of the <sequencingCollection>")
        declared = {(local(e), in_adlseq(e)) for e in own}
        inherited = [e for e in self.collections[reference] if (local(e), in_adlseq(e)) not in declared]
        return inherited + own

    def read(self, sequencing: ET.Element | None, path: str, identifier: str) -> Sequencing:
        settings: dict = {}
        effective = Effective()
        if sequencing is None:
            return Sequencing(settings, effective)
        elements = self.combined(sequencing, path)
        group = ET.Element("sequencing")
        group.extend(elements)
        controls: dict = {}
        if (found := child(group, "controlMode")) is not None:
            self.flags(found, CONTROL_MODE, f"{path}/controlMode", controls)
        if (found := child(group, "sequencingRules")) is not None:
            settings["sequencingRules"] = self.rules(found, f"{path}/sequencingRules")
        if (found := child(group, "limitConditions")) is not None:
            self.limits(found, f"{path}/limitConditions", settings, effective)
        if (found := child(group, "rollupRules")) is not None:
            self.rollup(found, f"{path}/rollupRules", settings, controls, effective)
        if (found := child(group, "objectives", adlseq=False)) is not None:
            self.objectives(found, f"{path}/objectives", settings, effective, identifier)
        if (found := child(group, "objectives", adlseq=True)) is not None:
            self.adl_objectives(found, f"{path}/adlseq:objectives", settings, effective)
        if (found := child(group, "randomizationControls")) is not None:
            self.randomization(found, f"{path}/randomizationControls", controls)
        if (found := child(group, "deliveryControls")) is not None:
            self.delivery(found, f"{path}/deliveryControls", settings, effective)
        if (found := child(group, "constrainedChoiceConsiderations")) is not None:
            self.flags(
                found, ("preventActivation", "constrainChoice"), f"{path}/constrainedChoiceConsiderations", controls
            )
        if (found := child(group, "rollupConsiderations")) is not None:
            settings["rollupConsiderations"] = self.considerations(found, f"{path}/rollupConsiderations")
        if controls:
            settings["sequencingControls"] = controls
        return Sequencing(settings, effective)

    def rules(self, element: ET.Element, path: str) -> dict:
        found: dict[str, list] = {}
        for kind, actions in RULE_ACTIONS.items():
            for position, rule in enumerate(children(element, kind), 1):
                rule_path = f"{path}/{kind}[{position}]"
                conditions_element = child(rule, "ruleConditions")
                action_element = child(rule, "ruleAction")
                if action_element is None or self.value(action_element, "action") in (None, ""):
                    raise InvalidPackage(f"{rule_path}/ruleAction", "the rule has no action")
                action = self.token(action_element, "action", f"{rule_path}/ruleAction", actions)
                conditions = []
                combination = None
                if conditions_element is not None:
                    combination = self.token(
                        conditions_element, "conditionCombination", f"{rule_path}/ruleConditions", COMBINATIONS
                    )
                    for index, condition in enumerate(children(conditions_element, "ruleCondition"), 1):
                        conditions.append(
                            self.condition(condition, f"{rule_path}/ruleConditions/ruleCondition[{index}]")
                        )
                if not conditions:
                    raise InvalidPackage(rule_path, "the rule has no <ruleCondition>")
                found.setdefault(RULE_LISTS[kind], []).append(
                    {"action": action, "conditionCombination": combination or "all", "conditions": conditions}
                )
        return found

    def condition(self, element: ET.Element, path: str) -> dict:
        if self.value(element, "condition") in (None, ""):
            raise InvalidPackage(path, "attribute condition is required")
        found: dict = {"condition": self.token(element, "condition", path, RULE_CONDITIONS)}
        if self.token(element, "operator", path, OPERATORS) == "not":
            found["operator"] = "not"
        reference = self.value(element, "referencedObjective")
        if reference:
            found["referencedObjective"] = reference
        threshold = self.decimal(
            self.value(element, "measureThreshold"), f"{path}/@measureThreshold", Decimal(-1), Decimal(1)
        )
        if threshold is not None:
            found["parameters"] = {"threshold": float(threshold)}
        return found

    def limits(self, element: ET.Element, path: str, settings: dict, effective: Effective) -> None:
        attempts = self.integer(element, "attemptLimit", path)
        if attempts is not None:
            settings["attemptLimit"] = attempts
        duration = self.value(element, "attemptAbsoluteDurationLimit")
        if duration:
            if not is_interval(duration):
                raise InvalidPackage(
                    f"{path}/@attemptAbsoluteDurationLimit", f"{duration!r} must be an ISO 8601 duration (PT1H30M)"
                )
            # Given to the SCO (cmi.max_time_allowed), not to the engine: scorm-again 3.4.3 reads an
            # activity's elapsed attempt time from this very limit (`Activity.attemptAbsoluteDuration`
            # returns `attemptAbsoluteDurationLimit`), so its delivery check would find every such
            # activity over its limit and never deliver it.
            effective.attempt_duration_limit = duration

    def rollup(self, element: ET.Element, path: str, settings: dict, controls: dict, effective: Effective) -> None:
        self.flags(element, ("rollupObjectiveSatisfied", "rollupProgressCompletion"), path, controls)
        effective.rollup_objective_satisfied = controls.get("rollupObjectiveSatisfied", True)
        effective.rollup_progress_completion = controls.get("rollupProgressCompletion", True)
        weight = self.decimal(
            self.value(element, "objectiveMeasureWeight"), f"{path}/@objectiveMeasureWeight", Decimal(0), Decimal(1)
        )
        if weight is not None:
            controls["objectiveMeasureWeight"] = float(weight)
        rules = []
        for position, rule in enumerate(children(element, "rollupRule"), 1):
            rule_path = f"{path}/rollupRule[{position}]"
            action_element = child(rule, "rollupAction")
            if action_element is None or self.value(action_element, "action") in (None, ""):
                raise InvalidPackage(f"{rule_path}/rollupAction", "the rule has no action")
            found: dict = {
                "action": self.token(action_element, "action", f"{rule_path}/rollupAction", ROLLUP_ACTIONS),
                "consideration": self.token(rule, "childActivitySet", rule_path, CHILD_ACTIVITY_SETS) or "all",
                "minimumCount": self.integer(rule, "minimumCount", rule_path) or 0,
                "minimumPercent": float(
                    self.decimal(
                        self.value(rule, "minimumPercent"), f"{rule_path}/@minimumPercent", Decimal(0), Decimal(1)
                    )
                    or 0
                ),
                "conditionCombination": "any",
                "conditions": [],
            }
            conditions = child(rule, "rollupConditions")
            if conditions is not None:
                found["conditionCombination"] = (
                    self.token(conditions, "conditionCombination", f"{rule_path}/rollupConditions", COMBINATIONS)
                    or "any"
                )
                for index, condition in enumerate(children(conditions, "rollupCondition"), 1):
                    condition_path = f"{rule_path}/rollupConditions/rollupCondition[{index}]"
                    condition_name = self.token(condition, "condition", condition_path, ROLLUP_CONDITIONS)
                    if condition_name is None:
                        raise InvalidPackage(condition_path, "attribute condition is required")
                    entry = {"condition": ENGINE_ROLLUP_CONDITIONS.get(condition_name, condition_name)}
                    if self.token(condition, "operator", condition_path, OPERATORS) == "not":
                        entry["operator"] = "not"
                    found["conditions"].append(entry)
            if not found["conditions"]:
                raise InvalidPackage(rule_path, "the rule has no <rollupCondition>")
            rules.append(found)
        if rules:
            settings["rollupRules"] = {"rules": rules}

    def objective(self, element: ET.Element, path: str, primary: bool, identifier: str) -> dict:
        objective_id = self.value(element, "objectiveID") or ""
        if not objective_id and not primary:
            raise InvalidPackage(path, "attribute objectiveID is required")
        # A primary objective may go without an id when nothing maps it; the engine keys
        # objectives by id, so it gets one made of the item's identifier.
        found: dict = {"objectiveID": objective_id or f"{identifier}.primary"}
        by_measure = self.boolean(element, "satisfiedByMeasure", path)
        if by_measure is not None:
            found["satisfiedByMeasure"] = by_measure
        measure = child(element, "minNormalizedMeasure")
        if measure is not None:
            value = self.decimal("".join(measure.itertext()), f"{path}/minNormalizedMeasure", Decimal(-1), Decimal(1))
            if value is not None:
                found["minNormalizedMeasure"] = float(value)
        maps = []
        for index, info in enumerate(children(element, "mapInfo"), 1):
            info_path = f"{path}/mapInfo[{index}]"
            target = self.value(info, "targetObjectiveID")
            if not target:
                raise InvalidPackage(info_path, "attribute targetObjectiveID is required")
            entry: dict = {"targetObjectiveID": target}
            self.flags(info, MAP_FLAGS, info_path, entry)
            maps.append(entry)
        if maps:
            found["mapInfo"] = maps
        return found

    def objectives(self, element: ET.Element, path: str, settings: dict, effective: Effective, identifier: str) -> None:
        primary = child(element, "primaryObjective")
        if primary is not None:
            found = self.objective(primary, f"{path}/primaryObjective", True, identifier)
            settings["primaryObjective"] = found
            effective.satisfied_by_measure = found.get("satisfiedByMeasure", False)
            effective.min_normalized_measure = Decimal(str(found.get("minNormalizedMeasure", 1)))
        others = [
            self.objective(o, f"{path}/objective[{i}]", False, identifier)
            for i, o in enumerate(children(element, "objective"), 1)
        ]
        if others:
            settings["objectives"] = others
        for objective in [settings.get("primaryObjective"), *others]:
            if objective is None:
                continue
            for info in objective.get("mapInfo", []):
                if info.get("writeSatisfiedStatus") or info.get("writeNormalizedMeasure"):
                    effective.global_objectives.setdefault(objective["objectiveID"], info["targetObjectiveID"])

    def adl_objectives(self, element: ET.Element, path: str, settings: dict, effective: Effective) -> None:
        """4th Edition adlseq:objectives: maps of raw/min/max score, completion and progress,
        joined to the objective (and its map to the same global objective) they extend."""
        known = [settings.get("primaryObjective"), *settings.get("objectives", [])]
        by_id = {o["objectiveID"]: o for o in known if o}
        for position, objective in enumerate(children(element, "objective"), 1):
            objective_path = f"{path}/objective[{position}]"
            objective_id = self.value(objective, "objectiveID")
            if not objective_id or objective_id not in by_id:
                raise InvalidPackage(
                    objective_path, f"objectiveID {objective_id!r} names no objective of <imsss:objectives>"
                )
            target_of = by_id[objective_id]
            for index, info in enumerate(children(objective, "mapInfo"), 1):
                info_path = f"{objective_path}/mapInfo[{index}]"
                target = self.value(info, "targetObjectiveID")
                if not target:
                    raise InvalidPackage(info_path, "attribute targetObjectiveID is required")
                maps = target_of.setdefault("mapInfo", [])
                entry = next((m for m in maps if m["targetObjectiveID"] == target), None)
                if entry is None:
                    entry = {"targetObjectiveID": target, "readSatisfiedStatus": False, "readNormalizedMeasure": False}
                    maps.append(entry)
                self.flags(info, ADL_MAP_FLAGS, info_path, entry)
                if entry.get("writeCompletionStatus") or entry.get("writeRawScore"):
                    effective.global_objectives.setdefault(objective_id, target)

    def randomization(self, element: ET.Element, path: str, controls: dict) -> None:
        for name in ("randomizationTiming", "selectionTiming"):
            timing = self.token(element, name, path, TIMINGS)
            if timing is not None:
                controls[name] = timing
        count = self.integer(element, "selectCount", path)
        if count is not None:
            controls["selectCount"] = count
        reorder = self.boolean(element, "reorderChildren", path)
        if reorder is not None:
            controls["randomizeChildren"] = reorder

    def delivery(self, element: ET.Element, path: str, settings: dict, effective: Effective) -> None:
        found: dict = {}
        self.flags(element, ("tracked", "completionSetByContent", "objectiveSetByContent"), path, found)
        effective.tracked = found.get("tracked", True)
        effective.completion_set_by_content = found.get("completionSetByContent", False)
        effective.objective_set_by_content = found.get("objectiveSetByContent", False)
        if found:
            settings["deliveryControls"] = found

    def considerations(self, element: ET.Element, path: str) -> dict:
        found: dict = {}
        for name in (
            "requiredForSatisfied",
            "requiredForNotSatisfied",
            "requiredForCompleted",
            "requiredForIncomplete",
        ):
            value = self.token(element, name, path, CONSIDERATIONS)
            if value is not None:
                found[name] = value
        flag = self.boolean(element, "measureSatisfactionIfActive", path)
        if flag is not None:
            found["measureSatisfactionIfActive"] = flag
        return found


def hide_lms_ui(item: ET.Element, path: str) -> list[str]:
    """adlnav:presentation/navigationInterface/hideLMSUI: the player controls to hide for this item."""
    hidden: list[str] = []
    for presentation in (c for c in item if local(c) == "presentation"):
        for interface in (c for c in presentation if local(c) == "navigationInterface"):
            for position, element in enumerate((c for c in interface if local(c) == "hideLMSUI"), 1):
                value = "".join(element.itertext()).strip()
                match = next((h for h in HIDE_LMS_UI if h.lower() == value.lower()), None)
                if match is None:
                    raise InvalidPackage(
                        f"{path}/presentation/navigationInterface/hideLMSUI[{position}]",
                        f"{value!r} must be one of {', '.join(HIDE_LMS_UI)}",
                    )
                if match not in hidden:
                    hidden.append(match)
    return hidden


def shared_data_maps(item: ET.Element, path: str, reader: SequencingReader) -> list[dict]:
    """4th Edition adlcp:data/adlcp:map: the shared data (adl.data) the item reads and writes."""
    maps = []
    for data in (c for c in item if local(c) == "data"):
        for position, element in enumerate((c for c in data if local(c) == "map"), 1):
            map_path = f"{path}/data/map[{position}]"
            target = reader.value(element, "targetID")
            if not target:
                raise InvalidPackage(map_path, "attribute targetID is required")
            entry: dict = {"targetID": target}
            for name in ("readSharedData", "writeSharedData"):
                flag = reader.boolean(element, name, map_path)
                if flag is not None:
                    entry[name] = flag
            maps.append(entry)
    return maps
