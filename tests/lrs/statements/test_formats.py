"""The ids and canonical views of statements returned by GET /statements."""

from __future__ import annotations

import copy

import pytest

from lrs.statements.formats import pick_language, to_canonical_format, to_ids_format

ANN = {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"}
BOB = {"name": "Bob", "account": {"homePage": "http://example.com", "name": "bob"}}
TEAM = {"objectType": "Group", "name": "Team", "openid": "http://example.com/team", "member": [ANN]}
CREW = {"objectType": "Group", "name": "Crew", "member": [ANN, BOB]}
VERB = {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-US": "attended", "fr-FR": "a assisté"}}
MEETING = {
    "objectType": "Activity",
    "id": "http://example.com/meetings/1",
    "definition": {
        "name": {"en-US": "Meeting", "en-GB": "Meeting", "fr-FR": "Réunion"},
        "description": {"en-US": "A meeting", "fr-FR": "Une réunion"},
        "type": "http://adlnet.gov/expapi/activities/meeting",
        "extensions": {"http://example.com/ext": {"en-US": "left alone"}},
    },
}
COURSE = {"id": "http://example.com/course", "definition": {"name": {"en-US": "Course", "de-DE": "Kurs"}}}


@pytest.fixture
def statement() -> dict:
    return {
        "id": "6a4c9a4e-4b52-4b8e-8a4a-2f2d6b0e7c11",
        "actor": copy.deepcopy(ANN),
        "verb": copy.deepcopy(VERB),
        "object": copy.deepcopy(MEETING),
        "result": {"success": True},
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "instructor": copy.deepcopy(BOB),
            "team": copy.deepcopy(CREW),
            "contextActivities": {"parent": [copy.deepcopy(COURSE)], "category": copy.deepcopy(COURSE)},
            "statement": {"objectType": "StatementRef", "id": "a1b2c3d4-0000-4000-8000-000000000000"},
        },
        "timestamp": "2024-05-01T10:00:00.000Z",
        "stored": "2024-05-01T10:00:01.000Z",
        "authority": {"objectType": "Group", "member": [copy.deepcopy(ANN), copy.deepcopy(BOB)]},
        "version": "1.0.0",
    }


@pytest.fixture
def substatement_statement(statement) -> dict:
    sub = {
        "objectType": "SubStatement",
        "actor": copy.deepcopy(TEAM),
        "verb": copy.deepcopy(VERB),
        "object": copy.deepcopy(MEETING),
        "context": {"contextActivities": {"grouping": [copy.deepcopy(COURSE)]}},
    }
    return {**statement, "object": sub}


# --- ids ------------------------------------------------------------------------------------


def test_ids_reduces_agents_to_identifier(statement):
    ids = to_ids_format(statement)
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
    # objectType is written out even when the statement left it implicit.
    assert ids["context"]["instructor"] == {"objectType": "Agent", "account": BOB["account"]}


def test_ids_keeps_anonymous_group_members_reduced(statement):
    ids = to_ids_format(statement)
    assert ids["context"]["team"] == {
        "objectType": "Group",
        "member": [
            {"objectType": "Agent", "mbox": "mailto:ann@example.com"},
            {"objectType": "Agent", "account": BOB["account"]},
        ],
    }
    assert ids["authority"]["member"][1] == {"objectType": "Agent", "account": BOB["account"]}


def test_ids_reduces_identified_group_to_identifier_only(statement):
    ids = to_ids_format({**statement, "actor": TEAM})
    assert ids["actor"] == {"objectType": "Group", "openid": "http://example.com/team"}


def test_ids_reduces_verb_and_activities_to_id(statement):
    ids = to_ids_format(statement)
    assert ids["verb"] == {"id": VERB["id"]}
    # A single property, as the ADL conformance suite checks for the statement's object.
    assert ids["object"] == {"id": MEETING["id"]}
    assert ids["context"]["contextActivities"] == {"parent": [{"id": COURSE["id"]}], "category": {"id": COURSE["id"]}}


def test_ids_keeps_everything_else(statement):
    ids = to_ids_format(statement)
    for key in ("id", "result", "timestamp", "stored", "version"):
        assert ids[key] == statement[key]
    assert ids["context"]["registration"] == statement["context"]["registration"]
    assert ids["context"]["statement"] == statement["context"]["statement"]


def test_ids_applies_inside_substatements(substatement_statement):
    sub = to_ids_format(substatement_statement)["object"]
    assert sub["objectType"] == "SubStatement"
    assert sub["actor"] == {"objectType": "Group", "openid": "http://example.com/team"}
    assert sub["verb"] == {"id": VERB["id"]}
    assert sub["object"] == {"id": MEETING["id"]}
    assert sub["context"]["contextActivities"]["grouping"] == [{"id": COURSE["id"]}]


def test_ids_keeps_agent_object_type_when_agent_is_the_object(statement):
    ids = to_ids_format({**statement, "object": {"objectType": "Agent", "name": "Bob", "mbox": "mailto:b@example.com"}})
    assert ids["object"] == {"objectType": "Agent", "mbox": "mailto:b@example.com"}


def test_ids_does_not_mutate(substatement_statement):
    before = copy.deepcopy(substatement_statement)
    to_ids_format(substatement_statement)
    assert substatement_statement == before


# --- canonical ---------------------------------------------------------------------------------


def test_canonical_keeps_one_language_per_map(statement):
    canonical = to_canonical_format(statement, "fr-FR")
    assert canonical["verb"] == {"id": VERB["id"], "display": {"fr-FR": "a assisté"}}
    definition = canonical["object"]["definition"]
    assert definition["name"] == {"fr-FR": "Réunion"}
    assert definition["description"] == {"fr-FR": "Une réunion"}
    # Only the maps the spec names are reduced; extensions are the profile's business.
    assert definition["extensions"] == MEETING["definition"]["extensions"]
    assert definition["type"] == MEETING["definition"]["type"]


def test_canonical_picks_each_map_independently(statement):
    # de-DE exists only in the course's name; the other maps fall back on their own.
    canonical = to_canonical_format(statement, "de-DE, en-GB;q=0.5")
    assert canonical["context"]["contextActivities"]["parent"][0]["definition"]["name"] == {"de-DE": "Kurs"}
    assert canonical["object"]["definition"]["name"] == {"en-GB": "Meeting"}
    assert canonical["verb"]["display"] == {"en-US": "attended"}


def test_canonical_uses_canonical_definitions_when_known(statement):
    lrs_definition = {"name": {"en-US": "Weekly meeting", "es-ES": "Reunión semanal"}, "type": "http://example.com/t"}
    canonical = to_canonical_format(statement, "es", {MEETING["id"]: lrs_definition})
    assert canonical["object"] == {
        "objectType": "Activity",
        "id": MEETING["id"],
        "definition": {"name": {"es-ES": "Reunión semanal"}, "type": "http://example.com/t"},
    }
    # Activities the LRS has no canonical definition for keep their own.
    assert canonical["context"]["contextActivities"]["category"]["definition"] == {"name": {"en-US": "Course"}}
    assert lrs_definition["name"] == {"en-US": "Weekly meeting", "es-ES": "Reunión semanal"}


def test_canonical_adds_definition_the_statement_lacked(statement):
    bare = {**statement, "object": {"id": MEETING["id"]}}
    canonical = to_canonical_format(bare, "en-US", {MEETING["id"]: {"name": {"en-US": "Meeting"}}})
    assert canonical["object"] == {"id": MEETING["id"], "definition": {"name": {"en-US": "Meeting"}}}


def test_canonical_reduces_interaction_components(statement):
    choice = {
        **MEETING,
        "definition": {
            "interactionType": "choice",
            "correctResponsesPattern": ["a"],
            "choices": [
                {"id": "a", "description": {"en-US": "Yes", "fr-FR": "Oui"}},
                {"id": "b", "description": {"en-US": "No", "fr-FR": "Non"}},
            ],
        },
    }
    canonical = to_canonical_format({**statement, "object": choice}, "fr")
    assert canonical["object"]["definition"]["choices"] == [
        {"id": "a", "description": {"fr-FR": "Oui"}},
        {"id": "b", "description": {"fr-FR": "Non"}},
    ]


@pytest.mark.parametrize("component", ["scale", "source", "target", "steps"])
def test_canonical_reduces_every_component_list(statement, component):
    activity = {**MEETING, "definition": {component: [{"id": "x", "description": {"en-US": "X", "de-DE": "Ix"}}]}}
    canonical = to_canonical_format({**statement, "object": activity}, "de")
    assert canonical["object"]["definition"][component] == [{"id": "x", "description": {"de-DE": "Ix"}}]


def test_canonical_leaves_agents_and_groups_alone(statement):
    canonical = to_canonical_format(statement, "fr-FR")
    assert canonical["actor"] == statement["actor"]
    assert canonical["context"]["team"] == statement["context"]["team"]
    assert canonical["authority"] == statement["authority"]


def test_canonical_applies_inside_substatements(substatement_statement):
    sub = to_canonical_format(substatement_statement, "en-GB")["object"]
    assert sub["actor"] == TEAM
    assert sub["verb"]["display"] == {"en-US": "attended"}
    assert sub["object"]["definition"]["name"] == {"en-GB": "Meeting"}
    assert sub["context"]["contextActivities"]["grouping"][0]["definition"]["name"] == {"en-US": "Course"}


def test_canonical_does_not_mutate(substatement_statement):
    before = copy.deepcopy(substatement_statement)
    to_canonical_format(substatement_statement, "fr-FR", {MEETING["id"]: copy.deepcopy(MEETING["definition"])})
    assert substatement_statement == before


# --- Accept-Language ---------------------------------------------------------------------------

MAP = {"en-US": "color", "en-GB": "colour", "fr": "couleur", "fr-CA": "couleur (CA)"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-GB", "en-GB"),
        ("EN-gb", "en-GB"),  # tags are case-insensitive
        ("en", "en-US"),  # a range matches longer tags; ties go to the map's order
        ("fr-CA", "fr-CA"),
        ("fr", "fr"),
        ("de, fr;q=0.5, en;q=0.8", "en-US"),  # highest q wins, de absent
        ("fr;q=0.5, en-GB;q=0.5", "fr"),  # equal q: the range listed first
        ("en, en-US;q=0", "en-GB"),  # the longest matching range decides a tag's quality
        ("*", "en-US"),
        ("fr;q=0.2, *;q=0.5", "en-US"),  # * only covers tags no other range matches
        ("fr, *;q=0", "fr"),
        ("en-US;q=1.0, fr;q=0.999", "en-US"),
    ],
)
def test_pick_language_follows_rfc_2616(header, expected):
    assert pick_language(MAP, header) == {expected: MAP[expected]}


def test_pick_language_prefers_exact_tag_over_longer_match():
    assert pick_language({"fr-CA": "couleur (CA)", "fr": "couleur"}, "fr") == {"fr": "couleur"}


def test_pick_language_falls_back_from_specific_range_to_its_prefix():
    # en-AU matches nothing by RFC 2616 rules, but plain English is closer than German.
    assert pick_language({"de": "Farbe", "en": "colour"}, "en-AU") == {"en": "colour"}


@pytest.mark.parametrize("header", [None, "", "ja", "   ", "x-y-z-toolongsubtag, ;q=1"])
def test_pick_language_prefers_und_when_nothing_matches(header):
    assert pick_language({"fr": "couleur", "und": "colour"}, header) == {"und": "colour"}


def test_pick_language_falls_back_to_first_entry():
    assert pick_language({"fr": "couleur", "de": "Farbe"}, "ja") == {"fr": "couleur"}


def test_pick_language_avoids_refused_languages_in_fallback():
    assert pick_language({"fr": "couleur", "de": "Farbe"}, "ja, fr;q=0") == {"de": "Farbe"}
    # Everything refused: still one language rather than none.
    assert pick_language({"fr": "couleur"}, "fr;q=0") == {"fr": "couleur"}


@pytest.mark.parametrize("header", ["fr;q=2", "fr;q=abc", "fr;q=0.1234", "fr;q=-1"])
def test_pick_language_ignores_ranges_with_malformed_quality(header):
    assert pick_language({"de": "Farbe", "fr": "couleur"}, header) == {"de": "Farbe"}


def test_pick_language_of_empty_map():
    assert pick_language({}, "en") == {}
