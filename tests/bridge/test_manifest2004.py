"""SCORM 2004 manifests of each edition read into the course, its SCOs and scorm-again's activity
tree, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bridge.course import PackageIris, course_structure
from bridge.errors import InvalidPackage
from bridge.manifest import parse_manifest
from cmi5.course import parse_course_structure
from tests.bridge.conftest import item, manifest, manifest2004, resource, resource2004

FILES = frozenset({"a.html", "b.html", "c.html"})
RESOURCES = resource2004("RA", "a.html") + resource2004("RB", "b.html") + resource2004("RC", "c.html")


def parse(
    items: str,
    sequencing: str = "",
    collections: str = "",
    schemaversion: str = "2004 4th Edition",
    resources: str = RESOURCES,
):
    return parse_manifest(manifest2004(items, resources, sequencing, collections, schemaversion), FILES)


def sequencing(inner: str, **attributes) -> str:
    attrs = "".join(f' {k}="{v}"' for k, v in attributes.items())
    return f"<imsss:sequencing{attrs}>{inner}</imsss:sequencing>"


@pytest.mark.parametrize(
    "version, edition",
    [
        ("CAM 1.3", "2004-2nd"),
        ("2004 3rd Edition", "2004-3rd"),
        ("2004 4th Edition", "2004-4th"),
        ("2004 4TH EDITION", "2004-4th"),
        ("SCORM 2004 3rd Edition", "2004-3rd"),
    ],
)
def test_each_edition_is_told_by_its_schemaversion(version, edition):
    found = parse(item("I", "RA"), schemaversion=version)
    assert (found.edition, found.warnings) == (edition, [])


def test_a_manifest_naming_no_edition_is_read_by_what_it_uses_and_says_so():
    assert parse(item("I", "RA"), schemaversion="").edition == "2004-3rd"
    fourth = parse(
        item("I", "RA", extra='<adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.5"/>'),
        schemaversion="SCORM 2004",
    )
    assert fourth.edition == "2004-4th"
    assert fourth.warnings == [
        "metadata/schemaversion 'SCORM 2004' names no edition; the manifest is read as SCORM 2004 4th Edition"
    ]
    mislabelled = parse_manifest(manifest2004(item("I", "RA"), RESOURCES, schemaversion="1.2"), FILES)
    assert mislabelled.edition == "2004-3rd" and "uses SCORM 2004 namespaces" in mislabelled.warnings[0]
    assert parse_manifest(manifest(item("I", "R"), resource("R", "a.html")), FILES).edition == "1.2"


def test_items_become_the_activity_tree_with_their_sequencing_presentation_and_visibility():
    found = parse(
        item(
            "MOD",
            title="Module",
            children=item(
                "I1",
                "RA",
                "One",
                sequencing(
                    '<imsss:controlMode choiceExit="false"/><imsss:limitConditions attemptLimit="2" '
                    'attemptAbsoluteDurationLimit="PT1H30M"/>'
                    '<imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions conditionCombination="any">'
                    '<imsss:ruleCondition condition="satisfied"/><imsss:ruleCondition operator="not" condition="attempted"/>'
                    '</imsss:ruleConditions><imsss:ruleAction action="skip"/></imsss:preConditionRule>'
                    '<imsss:exitConditionRule><imsss:ruleConditions><imsss:ruleCondition condition="objectiveMeasureGreaterThan" '
                    'measureThreshold="0.5" referencedObjective="obj"/></imsss:ruleConditions><imsss:ruleAction action="exit"/>'
                    "</imsss:exitConditionRule></imsss:sequencingRules>"
                    '<imsss:randomizationControls reorderChildren="true" selectCount="1" selectionTiming="onEachNewAttempt"/>'
                    '<adlseq:rollupConsiderations requiredForSatisfied="ifAttempted" measureSatisfactionIfActive="false"/>'
                    '<adlseq:constrainedChoiceConsiderations preventActivation="true"/>'
                )
                + "<adlnav:presentation><adlnav:navigationInterface><adlnav:hideLMSUI>continue</adlnav:hideLMSUI>"
                "<adlnav:hideLMSUI>suspendAll</adlnav:hideLMSUI></adlnav:navigationInterface></adlnav:presentation>"
                + '<adlcp:data><adlcp:map targetID="notes" writeSharedData="true"/></adlcp:data>',
            ),
        )
        + item("I2", "RB", "Two").replace("<item ", '<item isvisible="false" ', 1),
        sequencing='<imsss:controlMode choice="false" flow="true"/>',
    )
    tree = found.activity_tree
    assert (tree["id"], tree["title"], tree["sequencingControls"]) == (
        "ORG",
        "Fire safety 2004",
        {"choice": False, "flow": True},
    )
    module, two = tree["children"]
    one = module["children"][0]
    assert (module["id"], one["id"], two["id"], two["isVisible"]) == ("MOD", "I1", "I2", False)
    assert one["sequencingControls"] == {
        "choiceExit": False,
        "selectionTiming": "onEachNewAttempt",
        "selectCount": 1,
        "randomizeChildren": True,
        "preventActivation": True,
    }
    assert (one["attemptLimit"], "attemptAbsoluteDurationLimit" in one) == (2, False)  # the SCO's: cmi.max_time_allowed
    assert one["sequencingRules"] == {
        "preConditionRules": [
            {
                "action": "skip",
                "conditionCombination": "any",
                "conditions": [{"condition": "satisfied"}, {"condition": "attempted", "operator": "not"}],
            }
        ],
        "exitConditionRules": [
            {
                "action": "exit",
                "conditionCombination": "all",
                "conditions": [
                    {
                        "condition": "objectiveMeasureGreaterThan",
                        "referencedObjective": "obj",
                        "parameters": {"threshold": 0.5},
                    }
                ],
            }
        ],
    }
    assert one["rollupConsiderations"] == {"requiredForSatisfied": "ifAttempted", "measureSatisfactionIfActive": False}
    assert one["hideLmsUi"] == ["continue", "suspendAll"]
    assert one["sharedDataMaps"] == [{"targetID": "notes", "writeSharedData": True}]
    assert found.scos[0].max_time_allowed == "PT1H30M"


def test_rollup_rules_objectives_and_their_maps_including_the_4th_edition_ones():
    found = parse(
        item(
            "I",
            "RA",
            extra=sequencing(
                '<imsss:rollupRules rollupObjectiveSatisfied="false" objectiveMeasureWeight="0.5">'
                '<imsss:rollupRule childActivitySet="atLeastPercent" minimumPercent="0.75"><imsss:rollupConditions>'
                '<imsss:rollupCondition condition="activityProgressKnown"/></imsss:rollupConditions>'
                '<imsss:rollupAction action="completed"/></imsss:rollupRule></imsss:rollupRules>'
                '<imsss:objectives><imsss:primaryObjective satisfiedByMeasure="true">'
                "<imsss:minNormalizedMeasure>0.6</imsss:minNormalizedMeasure></imsss:primaryObjective>"
                '<imsss:objective objectiveID="local"><imsss:mapInfo targetObjectiveID="g1" writeSatisfiedStatus="true"/>'
                "</imsss:objective></imsss:objectives>"
                '<adlseq:objectives><adlseq:objective objectiveID="local"><adlseq:mapInfo targetObjectiveID="g1" '
                'writeRawScore="true" readCompletionStatus="false"/><adlseq:mapInfo targetObjectiveID="g2" writeCompletionStatus="true"/>'
                "</adlseq:objective></adlseq:objectives>"
                '<imsss:deliveryControls tracked="true" objectiveSetByContent="true"/>'
            ),
        )
    )
    activity = found.activity_tree["children"][0]
    assert activity["rollupRules"] == {
        "rules": [
            {
                "action": "completed",
                "consideration": "atLeastPercent",
                "minimumCount": 0,
                "minimumPercent": 0.75,
                "conditionCombination": "any",
                "conditions": [{"condition": "progressKnown"}],
            }
        ]
    }
    assert activity["sequencingControls"] == {"rollupObjectiveSatisfied": False, "objectiveMeasureWeight": 0.5}
    assert activity["primaryObjective"] == {
        "objectiveID": "I.primary",
        "satisfiedByMeasure": True,
        "minNormalizedMeasure": 0.6,
    }
    assert activity["objectives"] == [
        {
            "objectiveID": "local",
            "mapInfo": [
                {
                    "targetObjectiveID": "g1",
                    "writeSatisfiedStatus": True,
                    "readCompletionStatus": False,
                    "writeRawScore": True,
                },
                {
                    "targetObjectiveID": "g2",
                    "readSatisfiedStatus": False,
                    "readNormalizedMeasure": False,
                    "writeCompletionStatus": True,
                },
            ],
        }
    ]
    assert activity["deliveryControls"] == {"tracked": True, "objectiveSetByContent": True}
    sco = found.scos[0]
    assert (
        sco.scaled_passing_score,
        sco.global_objectives,
        sco.objective_set_by_content,
        sco.completion_set_by_content,
    ) == (Decimal("0.6"), {"local": "g1"}, True, False)
    assert sco.move_on == "Completed"  # its satisfaction does not count for the course


def test_a_sequencing_collection_gives_what_the_item_does_not_declare_itself():
    collections = sequencing(
        '<imsss:controlMode choice="false" flow="true"/>'
        '<imsss:deliveryControls completionSetByContent="true"/>'
        '<imsss:limitConditions attemptLimit="1"/>',
        ID="common",
    )
    found = parse(
        item("I", "RA", extra=sequencing('<imsss:limitConditions attemptLimit="3"/>', IDRef="common")),
        collections=collections,
    )
    activity = found.activity_tree["children"][0]
    assert (activity["sequencingControls"], activity["deliveryControls"], activity["attemptLimit"]) == (
        {"choice": False, "flow": True},
        {"completionSetByContent": True},
        3,
    )
    assert found.scos[0].completion_set_by_content is True


@pytest.mark.parametrize(
    "threshold, edition, expected, cmi",
    [
        (
            "<adlcp:completionThreshold>0.75</adlcp:completionThreshold>",
            "2004 3rd Edition",
            {"completedByMeasure": True, "minProgressMeasure": 0.75},
            Decimal("0.75"),
        ),
        (
            '<adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.5" progressWeight="0.2"/>',
            "2004 4th Edition",
            {"completedByMeasure": True, "minProgressMeasure": 0.5, "progressWeight": 0.2},
            Decimal("0.5"),
        ),
        (
            '<adlcp:completionThreshold minProgressMeasure="0.5"/>',
            "2004 4th Edition",
            {"minProgressMeasure": 0.5},
            None,
        ),
        (
            "<adlcp:completionThreshold>0.9</adlcp:completionThreshold>",
            "2004 4th Edition",
            {"completedByMeasure": True, "minProgressMeasure": 0.9},
            Decimal("0.9"),
        ),
    ],
)
def test_the_completion_threshold_in_either_editions_form(threshold, edition, expected, cmi):
    found = parse(item("I", "RA", extra=threshold), schemaversion=edition)
    assert found.activity_tree["children"][0]["completionThreshold"] == expected
    assert found.scos[0].completion_threshold == cmi


@pytest.mark.parametrize(
    "sequencing_xml, root, move_on",
    [
        ("", "", "Completed"),
        (
            '<imsss:objectives><imsss:primaryObjective satisfiedByMeasure="true"/></imsss:objectives>',
            "",
            "CompletedAndPassed",
        ),
        (
            '<imsss:rollupRules rollupProgressCompletion="false"/><imsss:objectives><imsss:primaryObjective '
            'satisfiedByMeasure="true"/></imsss:objectives>',
            "",
            "Passed",
        ),
        ('<imsss:rollupRules rollupProgressCompletion="false"/>', "", "Passed"),
        ('<imsss:rollupRules rollupObjectiveSatisfied="false" rollupProgressCompletion="false"/>', "", "NotApplicable"),
        ('<imsss:deliveryControls tracked="false"/>', "", "NotApplicable"),
        ("", '<imsss:rollupRules rollupProgressCompletion="false" rollupObjectiveSatisfied="false"/>', "NotApplicable"),
    ],
)
def test_each_scos_cmi5_move_on_follows_how_it_counts_for_its_course(sequencing_xml, root, move_on):
    inner = item("I", "RA", extra=sequencing(sequencing_xml) if sequencing_xml else "")
    found = parse(item("M", title="Module", children=inner, extra=sequencing(root) if root else ""))
    assert found.scos[0].move_on == move_on
    structure = parse_course_structure(
        course_structure(
            found, PackageIris("https://lrs.example.com/scorm/packages/p"), "p", "https://content.example.com"
        ),
        "application/xml",
    )
    assert structure["aus"][0]["moveOn"] == move_on


def test_the_scaled_passing_score_is_the_cmi5_mastery_score_when_cmi5_can_hold_it():
    def mastery(measure):
        found = parse(
            item(
                "I",
                "RA",
                extra=sequencing(
                    f'<imsss:objectives><imsss:primaryObjective satisfiedByMeasure="true"><imsss:minNormalizedMeasure>{measure}'
                    "</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives>"
                ),
            )
        )
        structure = parse_course_structure(
            course_structure(found, PackageIris("https://lrs.example.com/p"), "p", "https://content.example.com"),
            "application/xml",
        )
        return structure["aus"][0]["masteryScore"]

    assert (mastery("0.8"), mastery("0.66666"), mastery("-0.5")) == (0.8, 0.6666, None)


@pytest.mark.parametrize(
    "extra, collections, message",
    [
        (sequencing("", IDRef="missing"), "", "item[1]/sequencing/@IDRef: 'missing' names no sequencing"),
        (sequencing('<imsss:controlMode flow="maybe"/>'), "", "controlMode/@flow: 'maybe' must be true or false"),
        (
            sequencing(
                "<imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions><imsss:ruleCondition "
                'condition="sunny"/></imsss:ruleConditions><imsss:ruleAction action="skip"/></imsss:preConditionRule>'
                "</imsss:sequencingRules>"
            ),
            "",
            "ruleCondition[1]/@condition: 'sunny' must be one of",
        ),
        (
            sequencing(
                "<imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions><imsss:ruleCondition "
                'condition="always"/></imsss:ruleConditions><imsss:ruleAction action="retry"/></imsss:preConditionRule>'
                "</imsss:sequencingRules>"
            ),
            "",
            "ruleAction/@action: 'retry' must be one of skip, disabled",
        ),
        (
            sequencing(
                '<imsss:sequencingRules><imsss:postConditionRule><imsss:ruleAction action="retry"/>'
                "</imsss:postConditionRule></imsss:sequencingRules>"
            ),
            "",
            "has no <ruleCondition>",
        ),
        (sequencing('<imsss:limitConditions attemptLimit="-1"/>'), "", "@attemptLimit: '-1' must be a whole number"),
        # A digit to str.isdigit, not to int(): once a 500.
        (sequencing('<imsss:limitConditions attemptLimit="\u00b2"/>'), "", "must be a whole number"),
        # Arabic-Indic digits are digits to \\d and int(), not to a SCO reading cmi.max_time_allowed.
        (
            sequencing('<imsss:limitConditions attemptAbsoluteDurationLimit="PT\u0663S"/>'),
            "",
            "must be an ISO 8601 duration",
        ),
        # The SCO is given it as cmi.max_time_allowed, a timeinterval of at most 9,999,999,999.99 s.
        (
            sequencing('<imsss:limitConditions attemptAbsoluteDurationLimit="PT99999999999S"/>'),
            "",
            "must be an ISO 8601 duration",
        ),
        (
            sequencing('<imsss:limitConditions attemptAbsoluteDurationLimit="90 minutes"/>'),
            "",
            "must be an ISO 8601 duration",
        ),
        (
            sequencing(
                "<imsss:objectives><imsss:primaryObjective><imsss:minNormalizedMeasure>2</imsss:minNormalizedMeasure>"
                "</imsss:primaryObjective></imsss:objectives>"
            ),
            "",
            "'2' must be a number from -1 to 1",
        ),
        (
            sequencing("<imsss:objectives><imsss:objective/></imsss:objectives>"),
            "",
            "attribute objectiveID is required",
        ),
        (
            sequencing('<adlseq:objectives><adlseq:objective objectiveID="x"/></adlseq:objectives>'),
            "",
            "objectiveID 'x' names no objective of <imsss:objectives>",
        ),
        ("<adlcp:completionThreshold>1.5</adlcp:completionThreshold>", "", "'1.5' must be a number from 0 to 1"),
        (
            "<adlnav:presentation><adlnav:navigationInterface><adlnav:hideLMSUI>menu</adlnav:hideLMSUI>"
            "</adlnav:navigationInterface></adlnav:presentation>",
            "",
            "hideLMSUI[1]: 'menu' must be one of",
        ),
        ("<adlcp:timeLimitAction>stop</adlcp:timeLimitAction>", "", "adlcp:timeLimitAction: 'stop' must be one of"),
        ("", sequencing(""), "sequencingCollection/sequencing[1]: attribute ID is required"),
    ],
)
def test_broken_sequencing_is_refused_naming_the_element(extra, collections, message):
    with pytest.raises(InvalidPackage) as raised:
        parse(item("I", "RA", extra=extra), collections=collections)
    assert message in raised.value.detail


def test_sloppy_spelling_is_read_as_meant():
    found = parse(
        item(
            "I",
            "RA",
            extra=sequencing(
                '<imsss:controlMode Flow="True" choice="0"/><imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions>'
                '<imsss:ruleCondition condition="Satisfied" operator="NOT"/></imsss:ruleConditions>'
                '<imsss:ruleAction action="Skip"/></imsss:preConditionRule></imsss:sequencingRules>'
            )
            + "<adlcp:datafromlms>x=1</adlcp:datafromlms>",
        ),
        resources=RESOURCES.replace('adlcp:scormType="sco"', 'adlcp:scormtype="SCO"', 1),
    )
    activity = found.activity_tree["children"][0]
    assert activity["sequencingControls"] == {"choice": False, "flow": True}
    assert activity["sequencingRules"]["preConditionRules"][0]["conditions"] == [
        {"condition": "satisfied", "operator": "not"}
    ]
    assert activity["sequencingRules"]["preConditionRules"][0]["action"] == "skip"
    assert (found.scos[0].scorm_type, found.scos[0].data_from_lms, found.warnings) == ("sco", "x=1", [])


def test_a_scorm_2004_manifest_gets_the_same_xml_safety_as_scorm_1_2():
    data = manifest2004(item("I", "RA"), RESOURCES).replace(
        b"<manifest ", b'<!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<manifest ', 1
    )
    with pytest.raises(InvalidPackage, match="entity declarations and external references are not allowed"):
        parse_manifest(data, FILES)
    with pytest.raises(InvalidPackage, match="must be a relative path inside the package"):
        parse(item("I", "RA"), resources=resource2004("RA", "../a.html"))
