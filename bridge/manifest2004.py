"""`imsmanifest.xml` of a SCORM 2004 package (2nd, 3rd or 4th Edition: IMS CP 1.1.4, ADL CP 1.3,
IMS SS 1.0 with ADL's sequencing and navigation extensions) to the same plain structure as a
SCORM 1.2 one, plus the activity tree scorm-again's sequencing engine plays. Pure.

Organization, items, resources, launch files, xml:base, parameters and every leniency and safety
rule are the SCORM 1.2 reader's (`bridge.manifest.ManifestReader`); this module adds what 2004
puts on an item: adlcp:timeLimitAction, adlcp:dataFromLMS, adlcp:completionThreshold, the
imsss:sequencing of the item (and of the organization, the root of the tree, and of the
manifest's sequencingCollection), adlnav:presentation, adlcp:data and isvisible.

Each SCO's cmi5 moveOn follows how it takes part in its course's rollup (see `move_on`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from bridge import imsss, vocab
from bridge.editions import Edition
from bridge.errors import InvalidPackage
from bridge.imsss import Effective, SequencingReader
from bridge.manifest import MAX_TEXT, Item, Manifest, ManifestReader, Sco, attribute, child, children, local, text


def move_on(sco: Sco, chain: list[Effective]) -> str:
    """cmi5 moveOn of a SCO from its rollup controls and those of its ancestors (`chain`, root first).

    What does not count towards the course's completion or satisfaction in SCORM 2004 (not tracked,
    or left out of rollup on the way up) is NotApplicable; a SCO whose satisfaction counts and
    that has a passing score (satisfiedByMeasure) must pass, one whose completion counts must
    complete. A SCO may report success without a passing score; it is recorded, but then only
    completion is asked for, as LMSes report such content.
    """
    if sco.scorm_type != "sco" or not all(e.tracked for e in chain):
        return "NotApplicable"
    satisfaction = all(e.rollup_objective_satisfied for e in chain)
    completion = all(e.rollup_progress_completion for e in chain)
    judged = satisfaction and sco.scaled_passing_score is not None
    if judged and completion:
        return "CompletedAndPassed"
    if judged or (satisfaction and not completion):
        return "Passed"
    return "Completed" if completion else "NotApplicable"


class Manifest2004Reader(ManifestReader):
    def __init__(self, files: frozenset[str], warnings: list[str], edition: Edition) -> None:
        super().__init__(files, warnings)
        self.edition = edition
        # Replaced in `read` by one that knows the manifest's sequencingCollection.
        self.sequencing = SequencingReader({})

    def read(self, root: ET.Element) -> Manifest:
        self.sequencing = SequencingReader(self.read_collections(root))
        found = super().read(root)
        found.edition = self.edition.key
        root_sequencing = self.sequencing.read(
            child(self.organization, "sequencing"), f"{self.organization_path}/sequencing", found.organization
        )
        tree = {"id": found.organization or "organization", "title": found.title, **root_sequencing.settings}
        tree["children"] = [
            self.activity(element, item, f"{self.organization_path}/item[{position}]", [root_sequencing.effective])
            for position, (element, item) in enumerate(
                zip(children(self.organization, "item"), found.items, strict=True), 1
            )
        ]
        found.activity_tree = tree
        return found

    def read_collections(self, root: ET.Element) -> dict[str, ET.Element]:
        collections: dict[str, ET.Element] = {}
        for collection in children(root, "sequencingCollection"):
            for position, sequencing in enumerate(children(collection, "sequencing"), 1):
                identifier = attribute(sequencing, "ID")
                if not identifier:
                    raise InvalidPackage(f"sequencingCollection/sequencing[{position}]", "attribute ID is required")
                collections[identifier] = sequencing
        return collections

    def activity(self, element: ET.Element, item: Item, path: str, chain: list[Effective]) -> dict:
        """The activity of an item: its sequencing, presentation and children, as scorm-again wants them."""
        found = self.sequencing.read(child(element, "sequencing"), f"{path}/sequencing", item.identifier)
        activity = {"id": item.identifier, "title": item.title, **found.settings}
        visible = self.sequencing.boolean(element, "isvisible", path)
        if visible is not None:
            activity["isVisible"] = visible
        hidden = imsss.hide_lms_ui(element, path)
        if hidden:
            activity["hideLmsUi"] = hidden
        maps = imsss.shared_data_maps(element, path, self.sequencing)
        if maps:
            activity["sharedDataMaps"] = maps
        threshold = self.completion_threshold(element, path)
        if threshold:
            activity["completionThreshold"] = threshold
        chain = [*chain, found.effective]
        if item.sco is not None:
            self.apply_to_sco(item.sco, found.effective, threshold, chain)
        if item.children:
            activity["children"] = [
                self.activity(e, i, f"{path}/item[{position}]", chain)
                for position, (e, i) in enumerate(zip(children(element, "item"), item.children, strict=True), 1)
            ]
        return activity

    def apply_to_sco(self, sco: Sco, effective: Effective, threshold: dict, chain: list[Effective]) -> None:
        if effective.satisfied_by_measure:
            sco.scaled_passing_score = effective.min_normalized_measure
        if threshold.get("completedByMeasure"):
            sco.completion_threshold = Decimal(str(threshold.get("minProgressMeasure", 1)))
        sco.max_time_allowed = effective.attempt_duration_limit
        sco.completion_set_by_content = effective.completion_set_by_content
        sco.objective_set_by_content = effective.objective_set_by_content
        sco.global_objectives = dict(effective.global_objectives)
        sco.move_on = move_on(sco, chain)

    def completion_threshold(self, element: ET.Element, path: str) -> dict:
        """adlcp:completionThreshold as scorm-again's settings: a value (2nd and 3rd Edition) means
        completion by that measure; the 4th Edition attributes say it themselves. Either form is
        read in any edition."""
        found = next((c for c in element if local(c).lower() == "completionthreshold"), None)
        if found is None:
            return {}
        threshold_path = f"{path}/adlcp:completionThreshold"
        settings: dict = {}
        value = self.sequencing.decimal(text(found), threshold_path, Decimal(0), Decimal(1))
        if value is not None:
            settings.update(completedByMeasure=True, minProgressMeasure=float(value))
        by_measure = self.sequencing.boolean(found, "completedByMeasure", threshold_path)
        if by_measure is not None:
            settings["completedByMeasure"] = by_measure
        for name in ("minProgressMeasure", "progressWeight"):
            number = self.sequencing.decimal(
                self.sequencing.value(found, name), f"{threshold_path}/@{name}", Decimal(0), Decimal(1)
            )
            if number is not None:
                settings[name] = float(number)
        return settings

    def read_adlcp(self, element: ET.Element, path: str, sco: Sco) -> None:
        """adlcp:dataFromLMS and adlcp:timeLimitAction (in any case, as the 1.2 reader takes them)."""
        values = {local(e).lower(): text(e) for e in element if local(e).lower() in ("datafromlms", "timelimitaction")}
        if "datafromlms" in values:
            sco.data_from_lms = values["datafromlms"]
            if len(sco.data_from_lms) > MAX_TEXT:
                raise InvalidPackage(
                    f"{path}/adlcp:dataFromLMS", f"holds more than {MAX_TEXT} characters (cmi.launch_data)"
                )
        if values.get("timelimitaction"):
            value = values["timelimitaction"].lower()
            if value not in vocab.TIME_LIMIT_ACTIONS:
                raise InvalidPackage(
                    f"{path}/adlcp:timeLimitAction", f"{value!r} must be one of {', '.join(vocab.TIME_LIMIT_ACTIONS)}"
                )
            sco.time_limit_action = value
