"""validate_statement: every Data 2.2/2.4 rule, each with an accepted and a rejected case."""

from __future__ import annotations

import copy

import pytest

from lrs.errors import InvalidStatement
from lrs.statements.validate import validate_statement
from tests.lrs.statements.samples import (
    ACCOUNT_AGENT,
    ACTIVITY,
    AGENT,
    ANONYMOUS_GROUP,
    ATTACHMENT,
    IDENTIFIED_GROUP,
    OTHER_AGENT,
    STATEMENT_REF,
    VERB,
    assert_accepted,
    assert_rejected,
    full_statement,
    rejection,
    statement,
    sub_statement,
)

# ------------------------------------------------------------------ the statement itself


def test_minimal_statement_is_returned_unchanged():
    raw = statement()
    before = copy.deepcopy(raw)
    assert validate_statement(raw) is raw
    assert raw == before


def test_statement_using_every_property_is_accepted():
    assert_accepted(full_statement())


@pytest.mark.parametrize("missing", ["actor", "verb", "object"])
def test_statement_without_required_property_is_rejected(missing):
    raw = statement()
    del raw[missing]
    assert_rejected(raw, missing, "is required")


@pytest.mark.parametrize("raw", [None, "statement", 42, True, ["not", "an", "object"]])
def test_statement_that_is_not_an_object_is_rejected(raw):
    assert_rejected(raw, "", "a statement must be a JSON object")


@pytest.mark.parametrize("key", ["objectType", "Version", "iD", "timeStamp", "attachmentS", "comment"])
def test_unknown_or_miscased_top_level_property_is_rejected(key):
    assert_rejected(statement(**{key: "x"}), key, "unknown property")


def test_miscased_required_key_is_reported_as_missing():
    raw = statement()
    raw["Actor"] = raw.pop("actor")
    assert_rejected(raw, "actor", "is required")


@pytest.mark.parametrize(
    "path, raw",
    [
        ("actor.name", statement(actor={**AGENT, "name": None})),
        ("verb.display.en-US", statement(verb={**VERB, "display": {"en-US": None}})),
        ("context.registration", statement(context={"registration": None})),
        ("object.definition.moreInfo", statement(object={**ACTIVITY, "definition": {"moreInfo": None}})),
        ("result.success", statement(result={"success": None})),
        ("id", statement(id=None)),
    ],
)
def test_null_value_outside_extensions_is_rejected(path, raw):
    assert_rejected(raw, path, "must not be null")


@pytest.mark.parametrize("value", [None, "", {}, [], 0, False, {"nested": None}])
def test_any_extension_value_is_accepted_including_null_and_empty(value):
    key = "http://example.com/ext"
    assert_accepted(statement(result={"extensions": {key: value}}))
    assert_accepted(statement(context={"extensions": {key: value}}))
    assert_accepted(statement(object={**ACTIVITY, "definition": {"extensions": {key: value}}}))


def test_empty_extensions_and_empty_definition_are_accepted():
    assert_accepted(statement(object={**ACTIVITY, "definition": {}}))
    assert_accepted(statement(result={"extensions": {}}, context={"extensions": {}}))


# ------------------------------------------------------------------ id, stored, version


@pytest.mark.parametrize(
    "value",
    [
        "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
        "AA97B177-9383-4934-8543-0F91A7A02836",  # uppercase is the same UUID
        "12345678-1234-5678-1234-567812345678",  # any version/variant in standard form (the spec's own example)
    ],
)
def test_statement_id_in_uuid_standard_form_is_accepted(value):
    assert_accepted(statement(id=value))


@pytest.mark.parametrize(
    "value",
    [
        "AA97B177-9383-4934-8543-0F91A7A028368",  # one digit too many
        "MA97B177-9383-4934-8543-0F91A7A02836",  # not hexadecimal
        "fd41c918b88b4b20a0a5a4c32391aaa0",  # no hyphens
        "{fd41c918-b88b-4b20-a0a5-a4c32391aaa0}",
        "fd41c918-b88b-4b20-a0a5-a4c32391aaa0\n",
        "",
        12345,
        {"key": "should fail"},
    ],
)
def test_statement_id_not_a_uuid_is_rejected(value):
    assert_rejected(statement(id=value), "id", "must be a UUID")


def test_stored_is_accepted_and_must_be_a_timestamp():
    assert_accepted(statement(stored="2011-07-15T00:00:00.000Z"))
    assert_rejected(statement(stored="July 15, 2011"), "stored", "ISO 8601")


@pytest.mark.parametrize("version", ["1.0", "1.0.0", "1.0.3", "1.0.9", "1.0.10", "1.0.0-rc1"])
def test_version_1_0_x_is_accepted(version):
    assert_accepted(statement(version=version))


@pytest.mark.parametrize("version", ["1.1.0", "0.9.9", "0.95", "2.0.0", "1", "1.0.", "1.0.x", "should fail", "", 1.0])
def test_version_other_than_1_0_x_is_rejected(version):
    assert_rejected(statement(version=version), "version", "must be 1.0 or 1.0.x")


# ------------------------------------------------------------------ actor: Agent


@pytest.mark.parametrize(
    "agent",
    [
        {"objectType": "Agent", "mbox": "mailto:ada@example.com"},
        {"mbox": "mailto:ada@example.com"},  # objectType is optional for an actor
        {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
        {"mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"},
        {"openid": "http://openid.example.org/12345"},
        {"name": "Ada", "account": {"homePage": "http://www.example.com", "name": "1625378"}},
        {"mbox": "mailto:ada.lovelace+xapi@sub.example.co.uk"},
        {"mbox": "mailto:josé@exämple.com"},
    ],
)
def test_agent_with_one_identifier_is_accepted(agent):
    assert_accepted(statement(actor=agent))


def test_agent_without_identifier_is_rejected():
    assert_rejected(
        statement(actor={"objectType": "Agent", "name": "Ada"}),
        "actor",
        "exactly one inverse functional identifier is required",
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"openid": "http://openid.example.org/12345"},
        {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
        {"account": {"homePage": "http://www.example.com", "name": "x"}},
    ],
)
def test_agent_with_two_identifiers_is_rejected(extra):
    error = rejection(statement(actor={**AGENT, **extra}))
    assert error.path == "actor"
    assert "exactly one inverse functional identifier is allowed" in error.rule
    assert "mbox and" in error.rule


@pytest.mark.parametrize("object_type", ["agent", "group", "AGENT", "Person", 123, {"key": "value"}])
def test_actor_object_type_other_than_agent_or_group_is_rejected(object_type):
    assert_rejected(
        statement(actor={**AGENT, "objectType": object_type}), "actor.objectType", 'must be one of "Agent", "Group"'
    )


@pytest.mark.parametrize("name", [123, {"key": "value"}, ["Ada"]])
def test_agent_name_not_a_string_is_rejected(name):
    assert_rejected(statement(actor={**AGENT, "name": name}), "actor.name", "must be a string")


@pytest.mark.parametrize(
    "mbox",
    [
        "http://should.fail.com",  # not mailto
        "mailto:should.fail.com",  # no address
        "ada@example.com",  # scheme missing
        "MAILTO:ada@example.com",
        "mailto:",
        "mailto:ada@",
        "mailto:@example.com",
        "mailto:ada@example.com,grace@example.com",
        "mailto:ada lovelace@example.com",
        "mailto:ada@example.com?subject=hi",
        "mailto:ada\x00@example.com",  # controls are in no IRI (RFC 3987), a NUL least of all
        "mailto:ada@example.com\x00",
        "mailto:ada@exa\x1fmple.com",
        "",
        {"key": "value"},
    ],
)
def test_mbox_without_a_mailto_email_address_is_rejected(mbox):
    assert_rejected(statement(actor={"mbox": mbox}), "actor.mbox", "must be a mailto IRI")


@pytest.mark.parametrize(
    "value",
    ["cd9b00a5611f94eaa7b1661edab976068e36497", "zz9b00a5611f94eaa7b1661edab976068e364975", "", {"key": "value"}],
)
def test_mbox_sha1sum_not_40_hex_digits_is_rejected(value):
    assert_rejected(statement(actor={"mbox_sha1sum": value}), "actor.mbox_sha1sum", "40 hex digits")


@pytest.mark.parametrize("openid", ["ab=c://should.fail.com", "open.id.com/testUser", "", 42])
def test_openid_not_an_absolute_uri_is_rejected(openid):
    assert_rejected(statement(actor={"openid": openid}), "actor.openid", "must be an absolute IRI")


@pytest.mark.parametrize("missing", ["homePage", "name"])
def test_account_without_home_page_or_name_is_rejected(missing):
    account = {"homePage": "http://www.example.com", "name": "1625378"}
    del account[missing]
    assert_rejected(statement(actor={"account": account}), f"actor.account.{missing}", "is required")


@pytest.mark.parametrize("home_page", ["homePage.com/testUser", "ab=c://should.fail.com", "", "http://exa mple.com"])
def test_account_home_page_not_an_irl_is_rejected(home_page):
    raw = statement(actor={"account": {"homePage": home_page, "name": "x"}})
    assert_rejected(raw, "actor.account.homePage", "must be an absolute IRI")


def test_account_name_not_a_string_and_unknown_account_keys_are_rejected():
    assert_rejected(
        statement(actor={"account": {"homePage": "http://x.org", "name": {"key": "value"}}}),
        "actor.account.name",
        "must be a string",
    )
    raw = statement(actor={"account": {"homePage": "http://x.org", "name": "x", "id": 1}})
    assert_rejected(raw, "actor.account.id", "unknown property")


def test_agent_with_member_property_is_told_to_be_a_group():
    raw = statement(actor={"name": "team", "member": [OTHER_AGENT]})
    assert_rejected(raw, "actor.objectType", 'must be "Group"')


# ------------------------------------------------------------------ actor: Group


@pytest.mark.parametrize(
    "group",
    [
        IDENTIFIED_GROUP,
        {**IDENTIFIED_GROUP, "member": [AGENT]},
        {**IDENTIFIED_GROUP, "member": []},
        {"objectType": "Group", "mbox": "mailto:team@example.com"},
        {"objectType": "Group", "mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
        {"objectType": "Group", "account": {"homePage": "http://www.example.com", "name": "team"}},
        ANONYMOUS_GROUP,
        {
            "objectType": "Group",
            "name": "Ad hoc",
            "member": [{"objectType": "Agent", "openid": "http://id.example.com/1"}],
        },
    ],
)
def test_identified_or_anonymous_group_is_accepted(group):
    assert_accepted(statement(actor=group))
    assert_accepted(statement(object=group))


def test_anonymous_group_without_member_is_rejected():
    assert_rejected(
        statement(actor={"objectType": "Group", "name": "Nobody"}), "actor.member", "is required for an anonymous Group"
    )


def test_anonymous_group_with_no_members_is_rejected():
    assert_rejected(statement(actor={"objectType": "Group", "member": []}), "actor.member", "at least one member")


def test_group_with_two_identifiers_is_rejected():
    raw = statement(actor={**IDENTIFIED_GROUP, "mbox": "mailto:team@example.com"})
    assert_rejected(raw, "actor", "exactly one inverse functional identifier is allowed")


def test_group_member_not_an_array_is_rejected():
    assert_rejected(statement(actor={**IDENTIFIED_GROUP, "member": AGENT}), "actor.member", "must be an array")


def test_group_member_that_is_a_group_is_rejected():
    raw = statement(actor={"objectType": "Group", "member": [AGENT, IDENTIFIED_GROUP]})
    assert_rejected(raw, "actor.member[1].objectType", "group members must be Agents")


def test_group_member_without_identifier_is_rejected():
    raw = statement(actor={"objectType": "Group", "member": [AGENT, {"name": "anonymous"}]})
    assert_rejected(raw, "actor.member[1]", "exactly one inverse functional identifier is required")


def test_group_member_with_unknown_property_is_rejected():
    raw = statement(actor={"objectType": "Group", "member": [{**AGENT, "role": "lead"}]})
    assert_rejected(raw, "actor.member[0].role", "unknown property")


# ------------------------------------------------------------------ verb


def test_verb_without_display_is_accepted():
    assert_accepted(statement(verb={"id": "http://example.com/verbs/defenestrated"}))


def test_verb_without_id_is_rejected():
    assert_rejected(statement(verb={"display": {"en-US": "attended"}}), "verb.id", "is required")


@pytest.mark.parametrize("verb_id", ["adlnet.gov/expapi/verbs/attended", "ab=c://should.fail.com", "", "attended", 7])
def test_verb_id_not_an_iri_is_rejected(verb_id):
    assert_rejected(statement(verb={"id": verb_id}), "verb.id", "must be an absolute IRI")


def test_verb_id_with_non_ascii_characters_is_accepted():
    assert_accepted(statement(verb={"id": "http://example.com/فعل/خواندن"}))


@pytest.mark.parametrize("display", [12345, "a12345 attended", ["en-US"]])
def test_verb_display_not_a_language_map_is_rejected(display):
    assert_rejected(statement(verb={**VERB, "display": display}), "verb.display", "must be an object")


def test_verb_display_with_invalid_language_tag_is_rejected():
    raw = statement(verb={**VERB, "display": {"en-US": "attended", "something": "besucht"}})
    assert_rejected(raw, "verb.display.something", "is not an RFC 5646 language tag")


def test_verb_with_unknown_property_is_rejected():
    assert_rejected(statement(verb={**VERB, "name": "attended"}), "verb.name", "unknown property")


def test_voiding_statement_must_target_a_statement_ref():
    voided = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}
    assert_accepted(statement(verb=voided, object=STATEMENT_REF))
    assert_rejected(statement(verb=voided), "object.objectType", 'must be "StatementRef" when the verb is voided')
    assert_rejected(statement(verb=voided, object=sub_statement()), "object.objectType", 'must be "StatementRef"')


# ------------------------------------------------------------------ object: Activity


def test_activity_without_object_type_is_accepted():
    assert_accepted(statement(object={"id": "http://example.com/activities/1"}))


@pytest.mark.parametrize("object_type", ["activity", "agent", "group", "statementref", "substatement", "Statement", 1])
def test_object_type_outside_the_vocabulary_is_rejected(object_type):
    raw = statement(object={**ACTIVITY, "objectType": object_type})
    assert_rejected(
        raw, "object.objectType", 'must be one of "Activity", "Agent", "Group", "StatementRef", "SubStatement"'
    )


def test_activity_without_id_is_rejected():
    assert_rejected(statement(object={"objectType": "Activity", "definition": {}}), "object.id", "is required")


@pytest.mark.parametrize("activity_id", ["www.example.com/meetings/34534", "ab=c://should.fail.com", "", "#fragment"])
def test_activity_id_not_an_iri_is_rejected(activity_id):
    assert_rejected(statement(object={"id": activity_id}), "object.id", "must be an absolute IRI")


def test_activity_with_unknown_property_is_rejected():
    assert_rejected(statement(object={**ACTIVITY, "name": {"en": "x"}}), "object.name", "unknown property")


@pytest.mark.parametrize("target", [{"mbox": "mailto:ada@example.com"}, {"name": "Team", "member": [AGENT]}])
def test_agent_or_group_as_object_without_object_type_is_rejected(target):
    assert_rejected(statement(object=target), "object.objectType", "is required")


def test_agent_as_object_is_accepted_and_checked():
    assert_accepted(statement(object=AGENT))
    assert_rejected(
        statement(object={"objectType": "Agent", "name": "x"}), "object", "exactly one inverse functional identifier"
    )


@pytest.mark.parametrize("definition", ["should fail", 3, ["name"]])
def test_activity_definition_not_an_object_is_rejected(definition):
    assert_rejected(statement(object={**ACTIVITY, "definition": definition}), "object.definition", "must be an object")


@pytest.mark.parametrize("key", ["name", "description"])
@pytest.mark.parametrize("value", [1234, "not a language map"])
def test_activity_name_or_description_not_a_language_map_is_rejected(key, value):
    raw = statement(object={**ACTIVITY, "definition": {key: value}})
    assert_rejected(raw, f"object.definition.{key}", "must be an object")


@pytest.mark.parametrize("key", ["name", "description"])
def test_activity_name_or_description_with_invalid_language_tag_is_rejected(key):
    raw = statement(object={**ACTIVITY, "definition": {key: {"en-GB": "meeting", "something": "x"}}})
    assert_rejected(raw, f"object.definition.{key}.something", "is not an RFC 5646 language tag")


def test_activity_type_not_an_iri_is_rejected():
    raw = statement(object={**ACTIVITY, "definition": {"type": "should error"}})
    assert_rejected(raw, "object.definition.type", "must be an absolute IRI")


def test_activity_more_info_not_an_irl_is_rejected():
    raw = statement(object={**ACTIVITY, "definition": {"moreInfo": "virtualmeeting.example.com/345256"}})
    assert_rejected(raw, "object.definition.moreInfo", "must be an absolute IRI")


def test_activity_definition_with_unknown_property_is_rejected():
    raw = statement(object={**ACTIVITY, "definition": {"Name": {"en": "x"}}})
    assert_rejected(raw, "object.definition.Name", "unknown property")


@pytest.mark.parametrize("extensions", ["should error", 12, ["http://example.com/x"]])
def test_extensions_not_an_object_is_rejected(extensions):
    assert_rejected(
        statement(object={**ACTIVITY, "definition": {"extensions": extensions}}),
        "object.definition.extensions",
        "must be an object",
    )
    assert_rejected(statement(result={"extensions": extensions}), "result.extensions", "must be an object")
    assert_rejected(statement(context={"extensions": extensions}), "context.extensions", "must be an object")


@pytest.mark.parametrize(
    "key, shown_as",
    [
        ("not.valid.com/extension", '["not.valid.com/extension"]'),
        ("valid", ".valid"),
        ("", '[""]'),
        ("ab=c://x", '["ab=c://x"]'),
        ("http://example.com/a b", '["http://example.com/a b"]'),
    ],
)
def test_extension_key_not_an_iri_is_rejected(key, shown_as):
    rule = "extension keys must be absolute IRIs"
    assert_rejected(statement(result={"extensions": {key: 1}}), "result.extensions" + shown_as, rule)
    assert_rejected(statement(context={"extensions": {key: 1}}), "context.extensions" + shown_as, rule)
    raw = statement(object={**ACTIVITY, "definition": {"extensions": {key: 1}}})
    assert_rejected(raw, "object.definition.extensions" + shown_as, rule)


# ------------------------------------------------------------------ interactions

INTERACTIONS = {
    "true-false": {"correctResponsesPattern": ["true"]},
    "choice": {
        "correctResponsesPattern": ["golf[,]tetris"],
        "choices": [{"id": "golf"}, {"id": "tetris"}, {"id": "chess"}],
    },
    "fill-in": {"correctResponsesPattern": ["Bob's your uncle"]},
    "long-fill-in": {"correctResponsesPattern": ["{case_matters=false}{lang=en}To store learning records."]},
    "matching": {
        "correctResponsesPattern": ["ben[.]3[,]chris[.]2"],
        "source": [{"id": "ben"}, {"id": "chris"}],
        "target": [{"id": "2"}, {"id": "3"}],
    },
    "performance": {"correctResponsesPattern": ["pong[.]1:[,]dg[.]:10"], "steps": [{"id": "pong"}, {"id": "dg"}]},
    "sequencing": {"correctResponsesPattern": ["tim[,]mike"], "choices": [{"id": "tim"}, {"id": "mike"}]},
    "likert": {"correctResponsesPattern": ["likert_3"], "scale": [{"id": "likert_0"}, {"id": "likert_3"}]},
    "numeric": {"correctResponsesPattern": ["4[:]"]},
    "other": {"correctResponsesPattern": ["(35.937432,-86.868896)"]},
}


def interaction(interaction_type: str | None, **changes) -> dict:
    definition = {
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        **copy.deepcopy(INTERACTIONS.get(interaction_type, {})),
    }
    if interaction_type is not None:
        definition["interactionType"] = interaction_type
    definition.update(changes)
    return statement(object={"id": "http://example.com/quiz/q1", "definition": definition})


@pytest.mark.parametrize("interaction_type", sorted(INTERACTIONS))
def test_each_interaction_type_with_its_component_lists_is_accepted(interaction_type):
    assert_accepted(interaction(interaction_type))
    assert_accepted(statement(object=sub_statement(object=interaction(interaction_type)["object"])))


def test_interaction_type_without_correct_responses_is_accepted():
    assert_accepted(interaction("fill-in", correctResponsesPattern=[]))
    raw = interaction("fill-in")
    del raw["object"]["definition"]["correctResponsesPattern"]
    assert_accepted(raw)


@pytest.mark.parametrize(
    "value", ["true-faLse", "choiCe", "Other", "should error", "ab=c://should.fail.com", 12345, {"test": "value"}]
)
def test_interaction_type_outside_the_vocabulary_is_rejected(value):
    raw = interaction("fill-in", interactionType=value)
    assert_rejected(raw, "object.definition.interactionType", 'must be one of "true-false", "choice"')


@pytest.mark.parametrize("interaction_type", sorted(INTERACTIONS))
def test_interaction_properties_without_interaction_type_are_rejected(interaction_type):
    raw = interaction(interaction_type)
    del raw["object"]["definition"]["interactionType"]
    assert_rejected(
        raw,
        "object.definition.interactionType",
        "is required when correctResponsesPattern or interaction components are used",
    )


@pytest.mark.parametrize(
    "interaction_type, component_list",
    [
        ("true-false", "choices"),
        ("fill-in", "scale"),
        ("numeric", "steps"),
        ("other", "source"),
        ("likert", "choices"),
        ("choice", "scale"),
        ("sequencing", "steps"),
        ("matching", "choices"),
        ("performance", "target"),
    ],
)
def test_component_list_not_supported_by_the_interaction_type_is_rejected(interaction_type, component_list):
    raw = interaction(interaction_type, **{component_list: [{"id": "a"}]})
    assert_rejected(
        raw, f"object.definition.{component_list}", f'is not a component list of interactionType "{interaction_type}"'
    )


@pytest.mark.parametrize("dropped", ["source", "target"])
def test_matching_with_only_source_or_only_target_is_accepted(dropped):
    raw = interaction("matching")
    del raw["object"]["definition"][dropped]
    assert_accepted(raw)


def test_duplicate_interaction_component_id_is_rejected():
    raw = interaction("choice", choices=[{"id": "golf"}, {"id": "tetris"}, {"id": "golf"}])
    assert_rejected(raw, "object.definition.choices[2].id", "must be distinct")


def test_same_component_id_in_source_and_target_is_accepted():
    assert_accepted(interaction("matching", source=[{"id": "1"}], target=[{"id": "1"}]))


@pytest.mark.parametrize(
    "component, path, rule",
    [
        ({"description": {"en-US": "no id"}}, "object.definition.choices[1].id", "is required"),
        ({"id": 7}, "object.definition.choices[1].id", "must be a string"),
        ({"id": "x", "name": "x"}, "object.definition.choices[1].name", "unknown property"),
        ({"id": "x", "description": "x"}, "object.definition.choices[1].description", "must be an object"),
        (
            {"id": "x", "description": {"en-US": "ok", "something": "x"}},
            "object.definition.choices[1].description.something",
            "RFC 5646",
        ),
        ("golf", "object.definition.choices[1]", "must be an object"),
    ],
)
def test_malformed_interaction_component_is_rejected(component, path, rule):
    assert_rejected(interaction("choice", choices=[{"id": "golf"}, component]), path, rule)


def test_interaction_component_language_map_with_valid_tags_is_accepted():
    assert_accepted(
        interaction("likert", scale=[{"id": "l0", "description": {"en-US": "OK", "sr-Latn-RS": "U redu je"}}])
    )


def test_correct_responses_pattern_must_be_an_array_of_strings():
    assert_rejected(
        interaction("numeric", correctResponsesPattern="4[:]"),
        "object.definition.correctResponsesPattern",
        "must be an array",
    )
    assert_rejected(
        interaction("numeric", correctResponsesPattern=[4]),
        "object.definition.correctResponsesPattern[0]",
        "must be a string",
    )


# ------------------------------------------------------------------ object: StatementRef


def test_statement_ref_is_accepted():
    assert_accepted(statement(object=STATEMENT_REF))


def test_statement_ref_without_id_is_rejected():
    assert_rejected(statement(object={"objectType": "StatementRef"}), "object.id", "is required")


@pytest.mark.parametrize("value", ["should fail", "AA97B177-9383-4934-8543-0F91A7A028368", 12345, {"key": "x"}])
def test_statement_ref_id_not_a_uuid_is_rejected(value):
    assert_rejected(statement(object={**STATEMENT_REF, "id": value}), "object.id", "must be a UUID")


def test_statement_ref_with_other_properties_is_rejected():
    assert_rejected(statement(object={**STATEMENT_REF, "definition": {}}), "object.definition", "unknown property")


# ------------------------------------------------------------------ object: SubStatement


def test_sub_statement_with_result_context_and_future_timestamp_is_accepted():
    inner = sub_statement(
        result={"completion": True, "duration": "P1D"},
        context={"registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7", "revision": "2", "platform": "LMS"},
        timestamp="2199-01-01T00:00:00Z",
        attachments=[ATTACHMENT],
    )
    assert_accepted(statement(object=inner))


@pytest.mark.parametrize(
    "target",
    [STATEMENT_REF, AGENT, IDENTIFIED_GROUP, ANONYMOUS_GROUP, {"id": "http://example.com/no-object-type"}],
)
def test_sub_statement_object_may_be_anything_but_a_sub_statement(target):
    assert_accepted(statement(object=sub_statement(object=target)))


@pytest.mark.parametrize(
    "key, value",
    [
        ("id", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"),
        ("stored", "2013-05-18T05:32:34.804Z"),
        ("version", "1.0.0"),
        ("authority", AGENT),
    ],
)
def test_sub_statement_with_lrs_assigned_property_is_rejected(key, value):
    raw = statement(object=sub_statement(**{key: value}))
    assert_rejected(raw, f"object.{key}", "must not be used in a SubStatement")


def test_nested_sub_statement_is_rejected():
    raw = statement(object=sub_statement(object=sub_statement()))
    assert_rejected(raw, "object.object.objectType", "a SubStatement must not contain a SubStatement")


@pytest.mark.parametrize("missing", ["actor", "verb", "object"])
def test_sub_statement_without_required_property_is_rejected(missing):
    inner = sub_statement()
    del inner[missing]
    assert_rejected(statement(object=inner), f"object.{missing}", "is required")


def test_sub_statement_object_type_is_case_sensitive():
    assert_rejected(statement(object=sub_statement(objectType="substatement")), "object.objectType", "must be one of")


@pytest.mark.parametrize(
    "inner, path, rule",
    [
        (sub_statement(actor={"mbox": "http://should.fail.com"}), "object.actor.mbox", "mailto"),
        (sub_statement(actor={"name": "nobody"}), "object.actor", "exactly one inverse functional identifier"),
        (sub_statement(verb={"id": "ab=c://should.fail.com"}), "object.verb.id", "absolute IRI"),
        (sub_statement(verb={**VERB, "display": {"s-something": "x"}}), "object.verb.display.s-something", "RFC 5646"),
        (sub_statement(object={"objectType": "Activity"}), "object.object.id", "is required"),
        (sub_statement(object={"mbox": "mailto:ada@example.com"}), "object.object.objectType", "is required"),
        (sub_statement(result={"score": {"scaled": -1.00001}}), "object.result.score.scaled", "between -1 and 1"),
        (sub_statement(timestamp="should fail"), "object.timestamp", "ISO 8601"),
        (sub_statement(context={"language": "something"}), "object.context.language", "RFC 5646"),
    ],
)
def test_sub_statement_is_validated_as_a_statement(inner, path, rule):
    assert_rejected(statement(object=inner), path, rule)


def test_voided_verb_inside_a_sub_statement_is_not_a_voiding_statement():
    voided = {"id": "http://adlnet.gov/expapi/verbs/voided"}
    assert_accepted(statement(object=sub_statement(verb=voided)))


# ------------------------------------------------------------------ result


@pytest.mark.parametrize("key", ["success", "completion"])
@pytest.mark.parametrize("value", ["true", "false", "We regret to inform you", 1])
def test_result_success_or_completion_not_a_boolean_is_rejected(key, value):
    assert_rejected(statement(result={key: value}), f"result.{key}", "must be a boolean")


@pytest.mark.parametrize("value", [12345, {"key": "invalid"}, ["a"]])
def test_result_response_not_a_string_is_rejected(value):
    assert_rejected(statement(result={"response": value}), "result.response", "must be a string")


def test_result_with_unknown_property_is_rejected():
    assert_rejected(statement(result={"score": {"raw": 1}, "passed": True}), "result.passed", "unknown property")


@pytest.mark.parametrize("score", [12345, "should fail", [1]])
def test_score_not_an_object_is_rejected(score):
    assert_rejected(statement(result={"score": score}), "result.score", "must be an object")


@pytest.mark.parametrize("scaled", [1, 1.0, -1, -1.0, 0, 0.6767676, 1e-9])
def test_scaled_score_between_minus_one_and_one_is_accepted(scaled):
    assert_accepted(statement(result={"score": {"scaled": scaled}}))


@pytest.mark.parametrize("scaled", [1.01, -1.00001, 95, "0.5", True])
def test_scaled_score_outside_minus_one_to_one_is_rejected(scaled):
    assert_rejected(
        statement(result={"score": {"scaled": scaled}}), "result.score.scaled", "must be a number between -1 and 1"
    )


@pytest.mark.parametrize("key", ["raw", "min", "max"])
@pytest.mark.parametrize("value", ["100", "one hundred", True, None])
def test_score_raw_min_max_not_numbers_are_rejected(key, value):
    rule = "must not be null" if value is None else "must be a number"
    assert_rejected(statement(result={"score": {key: value}}), f"result.score.{key}", rule)


@pytest.mark.parametrize(
    "score",
    [
        {"raw": 95, "min": 0, "max": 100},
        {"raw": 0, "min": 0, "max": 100},
        {"raw": 100, "min": 0, "max": 100},
        {"raw": -5.5},
        {"min": 0.6767676},
        {"max": 100.6767676},
        {"raw": 1e30, "min": -1e30},
        {"scaled": 0.12123434, "raw": 12.125, "min": 0.12123434, "max": 45.45},
    ],
)
def test_score_raw_between_min_and_max_is_accepted(score):
    assert_accepted(statement(result={"score": score}))


@pytest.mark.parametrize(
    "score, path, rule",
    [
        ({"raw": 0.6767676, "max": 0.6567676}, "result.score.raw", "must not be greater than max"),
        ({"raw": 0.6767676, "min": 1.4067676}, "result.score.raw", "must not be less than min"),
        ({"raw": 95, "min": 0.6767676, "max": 0.6767355}, "result.score.min", "must be less than max"),
        ({"min": 10, "max": 10}, "result.score.min", "must be less than max"),
        ({"raw": 101.6767676, "min": 104.6767676, "max": 100.6767676}, "result.score.min", "must be less than max"),
    ],
)
def test_score_out_of_order_is_rejected(score, path, rule):
    assert_rejected(statement(result={"score": score}), path, rule)


@pytest.mark.parametrize(
    "key, value",
    [(key, float("nan")) for key in ("scaled", "raw", "min", "max")]
    + [(key, value) for key in ("raw", "min", "max") for value in (float("inf"), float("-inf"))],
)
def test_score_that_is_not_finite_is_rejected(key, value):
    # NaN passes every comparison, so it needs its own rule; infinite scaled is out of range anyway.
    assert_rejected(statement(result={"score": {key: value}}), f"result.score.{key}", "must be a finite number")


def test_score_with_unknown_property_is_rejected():
    assert_rejected(statement(result={"score": {"percent": 50}}), "result.score.percent", "unknown property")


def test_result_duration_is_checked():
    assert_accepted(statement(result={"duration": "PT4H35M59.14S"}))
    assert_rejected(statement(result={"duration": "PA1H0M0S"}), "result.duration", "ISO 8601 duration")
    assert_rejected(statement(result={"duration": 12345}), "result.duration", "must be a string")


# ------------------------------------------------------------------ context


def test_context_registration_not_a_uuid_is_rejected():
    assert_rejected(statement(context={"registration": "should fail"}), "context.registration", "must be a UUID")
    assert_rejected(statement(context={"registration": {"key": "x"}}), "context.registration", "must be a UUID")


@pytest.mark.parametrize("instructor", [AGENT, ACCOUNT_AGENT, IDENTIFIED_GROUP, ANONYMOUS_GROUP])
def test_context_instructor_agent_or_group_is_accepted(instructor):
    assert_accepted(statement(context={"instructor": instructor}))


@pytest.mark.parametrize(
    "instructor, path, rule",
    [
        ({"objectType": "Agent", "key": "should fail"}, "context.instructor.key", "unknown property"),
        ("should fail", "context.instructor", "must be an object"),
        ({"objectType": "Agent"}, "context.instructor", "exactly one inverse functional identifier is required"),
        ({"objectType": "agent", "mbox": "mailto:a@example.com"}, "context.instructor.objectType", "must be one of"),
        ({"mbox": "mailto:should.fail.com"}, "context.instructor.mbox", "mailto"),
        ({"objectType": "Group"}, "context.instructor.member", "anonymous Group"),
    ],
)
def test_context_instructor_that_is_not_an_agent_or_group_is_rejected(instructor, path, rule):
    assert_rejected(statement(context={"instructor": instructor}), path, rule)


@pytest.mark.parametrize("team", [IDENTIFIED_GROUP, ANONYMOUS_GROUP])
def test_context_team_group_is_accepted(team):
    assert_accepted(statement(context={"team": team}))


@pytest.mark.parametrize(
    "team, path, rule",
    [
        (AGENT, "context.team.objectType", 'must be "Group"'),
        ({"mbox": "mailto:team@example.com"}, "context.team.objectType", "is required"),
        ({"objectType": "Group", "key": "should fail"}, "context.team.key", "unknown property"),
        ("should fail", "context.team", "must be an object"),
        ({"objectType": "Group", "name": "nobody"}, "context.team.member", "anonymous Group"),
    ],
)
def test_context_team_that_is_not_a_group_is_rejected(team, path, rule):
    assert_rejected(statement(context={"team": team}), path, rule)


@pytest.mark.parametrize("kind", ["parent", "grouping", "category", "other"])
def test_context_activities_single_or_array_is_accepted(kind):
    activity = {
        "objectType": "Activity",
        "id": "http://example.com/activities/course-1",
        "definition": {"name": {"en-GB": "course"}},
    }
    assert_accepted(statement(context={"contextActivities": {kind: activity}}))
    assert_accepted(statement(context={"contextActivities": {kind: [activity, {"id": "http://example.com/2"}]}}))


def test_context_activities_with_unknown_context_type_is_rejected():
    raw = statement(context={"contextActivities": {"consequences": [ACTIVITY]}})
    assert_rejected(raw, "context.contextActivities.consequences", "is not a context type")


@pytest.mark.parametrize("value", ["should fail", 1, None])
def test_context_activities_not_an_object_is_rejected(value):
    rule = "must not be null" if value is None else "must be an object"
    assert_rejected(statement(context={"contextActivities": value}), "context.contextActivities", rule)


@pytest.mark.parametrize("value", ["should fail", 1])
def test_context_activity_value_not_an_activity_is_rejected(value):
    raw = statement(context={"contextActivities": {"parent": value}})
    assert_rejected(raw, "context.contextActivities.parent", "must be an Activity or an array of Activities")


@pytest.mark.parametrize(
    "activities, path, rule",
    [
        ([ACTIVITY, {"key": "should fail"}], "context.contextActivities.other[1].id", "is required"),
        ([{"key": "should fail"}, ACTIVITY], "context.contextActivities.other[0].id", "is required"),
        (
            [ACTIVITY, {**AGENT, "id": "http://x.org/a"}],
            "context.contextActivities.other[1].objectType",
            'must be "Activity"',
        ),
        ([ACTIVITY, "http://x.org/a"], "context.contextActivities.other[1]", "must be an object"),
    ],
)
def test_context_activity_array_with_a_non_activity_is_rejected(activities, path, rule):
    assert_rejected(statement(context={"contextActivities": {"other": activities}}), path, rule)


def test_context_activity_definitions_are_checked():
    raw = statement(
        context={"contextActivities": {"category": [{"id": "http://x.org/c", "definition": {"name": {"a12345": "x"}}}]}}
    )
    assert_rejected(raw, "context.contextActivities.category[0].definition.name.a12345", "RFC 5646")


@pytest.mark.parametrize("key", ["revision", "platform"])
@pytest.mark.parametrize("target", [ACTIVITY, {"id": "http://example.com/no-object-type"}])
def test_context_revision_and_platform_with_an_activity_object_are_accepted(key, target):
    assert_accepted(statement(object=target, context={key: "r1"}))
    assert_accepted(statement(object=sub_statement(object=target, context={key: "r1"})))


@pytest.mark.parametrize("key", ["revision", "platform"])
@pytest.mark.parametrize("target", [AGENT, IDENTIFIED_GROUP, STATEMENT_REF, sub_statement()])
def test_context_revision_and_platform_without_an_activity_object_are_rejected(key, target):
    rule = "may only be used when the statement's object is an Activity"
    assert_rejected(statement(object=target, context={key: "r1"}), f"context.{key}", rule)
    if target.get("objectType") != "SubStatement":
        inner = sub_statement(object=target, context={key: "r1"})
        assert_rejected(statement(object=inner), f"object.context.{key}", rule)


@pytest.mark.parametrize("key", ["revision", "platform"])
@pytest.mark.parametrize("value", [12345, {"key": "should fail"}])
def test_context_revision_and_platform_not_strings_are_rejected(key, value):
    assert_rejected(statement(context={key: value}), f"context.{key}", "must be a string")


@pytest.mark.parametrize("language", ["en", "en-US", "fr-CA", "tlh", "cmn", "zh-Hant"])
def test_context_language_tag_is_accepted(language):
    assert_accepted(statement(context={"language": language}))


@pytest.mark.parametrize(
    "language, rule",
    [("something", "RFC 5646"), ("", "RFC 5646"), (12345, "must be a string"), ({"a12345": "x"}, "must be a string")],
)
def test_context_language_not_a_language_tag_is_rejected(language, rule):
    assert_rejected(statement(context={"language": language}), "context.language", rule)


@pytest.mark.parametrize(
    "reference, path, rule",
    [
        ({**STATEMENT_REF, "objectType": "statementref"}, "context.statement.objectType", 'must be "StatementRef"'),
        ({"id": STATEMENT_REF["id"]}, "context.statement.objectType", "is required"),
        ({**STATEMENT_REF, "id": "should fail"}, "context.statement.id", "must be a UUID"),
        (sub_statement(), "context.statement.objectType", 'must be "StatementRef"'),
    ],
)
def test_context_statement_that_is_not_a_statement_ref_is_rejected(reference, path, rule):
    assert_rejected(statement(context={"statement": reference}), path, rule)


def test_context_with_unknown_property_is_rejected():
    assert_rejected(
        statement(context={"Registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7"}),
        "context.Registration",
        "unknown property",
    )


# ------------------------------------------------------------------ timestamp


def test_timestamp_in_the_future_is_accepted():
    assert_accepted(statement(timestamp="2199-12-31T23:59:59.999Z"))


@pytest.mark.parametrize(
    "value",
    [
        "should fail",
        "01/011/2015",
        "2008-09-15T15:53:00.601-00:00",
        "2008-09-15T15:53:00.601-0000",
        "2008-09-15T15:53:00.601-00",
    ],
)
def test_invalid_timestamp_is_rejected(value):
    error = rejection(statement(timestamp=value))
    assert error.path == "timestamp"
    assert "ISO 8601" in error.rule or "negative zero offset" in error.rule


def test_timestamp_not_a_string_is_rejected():
    assert_rejected(statement(timestamp=1368855154), "timestamp", "must be a string")


# ------------------------------------------------------------------ authority


@pytest.mark.parametrize(
    "authority",
    [
        AGENT,
        ACCOUNT_AGENT,
        {
            "objectType": "Group",
            "member": [
                {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "oauth_consumer_x75db"}},
                {"mbox": "mailto:bob@example.com"},
            ],
        },
    ],
)
def test_authority_agent_or_oauth_group_of_two_is_accepted(authority):
    assert_accepted(statement(authority=authority))


@pytest.mark.parametrize(
    "identifier",
    [
        {"mbox": "mailto:team@example.com"},
        {"openid": "http://openid.example.org/1"},
        {"account": {"homePage": "http://x.org", "name": "t"}},
        {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
    ],
)
def test_authority_identified_group_is_rejected(identifier):
    raw = statement(authority={**ANONYMOUS_GROUP, **identifier})
    assert_rejected(raw, "authority", "a Group authority must be an anonymous Group of two Agents")


@pytest.mark.parametrize("members", [[AGENT], [AGENT, OTHER_AGENT, ACCOUNT_AGENT], [], None])
def test_authority_group_without_exactly_two_agents_is_rejected(members):
    group = {"objectType": "Group"} if members is None else {"objectType": "Group", "member": members}
    assert_rejected(statement(authority=group), "authority.member", "exactly two Agents")


def test_authority_group_member_must_be_an_identified_agent():
    raw = statement(authority={"objectType": "Group", "member": [AGENT, {"name": "app"}]})
    assert_rejected(raw, "authority.member[1]", "exactly one inverse functional identifier is required")


@pytest.mark.parametrize(
    "authority, path, rule",
    [
        ({"objectType": "agent", "mbox": "mailto:a@example.com"}, "authority.objectType", "must be one of"),
        ({"objectType": "Agent"}, "authority", "exactly one inverse functional identifier is required"),
        ({"account": {"homePage": "http://x.org"}}, "authority.account.name", "is required"),
        ("admin", "authority", "must be an object"),
    ],
)
def test_malformed_authority_agent_is_rejected(authority, path, rule):
    assert_rejected(statement(authority=authority), path, rule)


# ------------------------------------------------------------------ attachments


def test_attachments_empty_or_with_and_without_file_url_are_accepted():
    assert_accepted(statement(attachments=[]))
    without_url = {key: value for key, value in ATTACHMENT.items() if key not in ("fileUrl", "description")}
    assert_accepted(statement(attachments=[ATTACHMENT, without_url]))


def test_attachment_length_may_be_a_whole_float():
    assert_accepted(statement(attachments=[{**ATTACHMENT, "length": 27.0}]))


def test_attachments_not_an_array_is_rejected():
    assert_rejected(statement(attachments=ATTACHMENT), "attachments", "must be an array")


@pytest.mark.parametrize("item", [12345, "should fail", None])
def test_attachment_that_is_not_an_object_is_rejected(item):
    rule = "must not be null" if item is None else "must be an object"
    assert_rejected(statement(attachments=[ATTACHMENT, item]), "attachments[1]", rule)


@pytest.mark.parametrize("missing", ["usageType", "display", "contentType", "length", "sha2"])
def test_attachment_without_required_property_is_rejected(missing):
    attachment = {key: value for key, value in ATTACHMENT.items() if key != missing}
    assert_rejected(statement(attachments=[attachment]), f"attachments[0].{missing}", "is required")


@pytest.mark.parametrize(
    "change, path, rule",
    [
        ({"usageType": "should fail"}, "attachments[0].usageType", "must be an absolute IRI"),
        ({"usageType": "example.com/attachment-usage/test"}, "attachments[0].usageType", "must be an absolute IRI"),
        ({"fileUrl": "should fail"}, "attachments[0].fileUrl", "must be an absolute IRI"),
        ({"fileUrl": "over.there.com/file.txt"}, "attachments[0].fileUrl", "must be an absolute IRI"),
        ({"contentType": 999}, "attachments[0].contentType", "Internet media type"),
        ({"contentType": "text"}, "attachments[0].contentType", "Internet media type"),
        ({"length": "should fail"}, "attachments[0].length", "non-negative integer"),
        ({"length": 2.5}, "attachments[0].length", "non-negative integer"),
        ({"length": -1}, "attachments[0].length", "non-negative integer"),
        ({"sha2": 12345}, "attachments[0].sha2", "SHA-2"),
        ({"sha2": "not-a-hash"}, "attachments[0].sha2", "SHA-2"),
        ({"sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848"}, "attachments[0].sha2", "SHA-2"),
        ({"display": 12345}, "attachments[0].display", "must be an object"),
        ({"display": "should fail"}, "attachments[0].display", "must be an object"),
        ({"display": {"en-US": "ok", "something": "x"}}, "attachments[0].display.something", "RFC 5646"),
        ({"description": 12345}, "attachments[0].description", "must be an object"),
        ({"description": {"a12345678": "x"}}, "attachments[0].description.a12345678", "RFC 5646"),
        ({"signature": "x"}, "attachments[0].signature", "unknown property"),
    ],
)
def test_malformed_attachment_is_rejected(change, path, rule):
    assert_rejected(statement(attachments=[{**ATTACHMENT, **change}]), path, rule)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain; charset=ascii",
        "application/octet-stream",
        "image/svg+xml",
        "multipart/mixed;boundary=abc",
        "application/vnd.ms-excel",
    ],
)
def test_attachment_content_type_media_types_are_accepted(content_type):
    assert_accepted(statement(attachments=[{**ATTACHMENT, "contentType": content_type}]))


@pytest.mark.parametrize("length", [56, 64, 96, 128])
def test_attachment_sha2_of_any_sha2_size_is_accepted(length):
    assert_accepted(statement(attachments=[{**ATTACHMENT, "sha2": "A" * length}]))


def test_agent_in_context_activities_is_not_told_to_add_an_object_type():
    raw = statement(context={"contextActivities": {"parent": [{"mbox": "mailto:ada@example.com"}]}})
    assert_rejected(raw, "context.contextActivities.parent[0].id", "is required")


def test_score_integer_beyond_64_bits_is_rejected_not_a_server_error():
    statement = {
        "actor": {"mbox": "mailto:a@example.com"},
        "verb": {"id": "http://example.com/v"},
        "object": {"id": "http://example.com/a"},
        "result": {"score": {"raw": 2**64}},
    }
    with pytest.raises(InvalidStatement) as caught:
        validate_statement(statement)
    assert caught.value.path == "result.score.raw"


def test_remembered_iri_matches_do_not_let_a_bad_iri_through():
    good = {
        "actor": {"mbox": "mailto:a@example.com"},
        "verb": {"id": "http://example.com/v"},
        "object": {"id": "http://example.com/a"},
    }
    for _ in range(3):
        validate_statement(dict(good))
        with pytest.raises(InvalidStatement) as caught:
            validate_statement({**good, "verb": {"id": "not an iri"}})
        assert caught.value.path == "verb.id"
