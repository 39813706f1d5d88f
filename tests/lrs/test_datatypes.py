"""lrs.datatypes: the xAPI value formats as plain yes/no checks, outside any statement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lrs.datatypes import duration_problem, is_iri, is_language_tag, is_uuid, parse_timestamp, utc_timestamp


@pytest.mark.parametrize("value", ["http://example.com/verbs/passed", "urn:uuid:1", "http://例え.jp/%E2%9C%93"])
def test_absolute_iris_are_iris(value):
    assert is_iri(value)


@pytest.mark.parametrize("value", ["not an iri", "example.com/x", "http://x.com/a b", "http://x.com/%zz", "", None, 3])
def test_relative_iris_spaces_bad_escapes_and_non_strings_are_not_iris(value):
    assert not is_iri(value)


def test_uuids_in_either_case_are_uuids_and_other_strings_are_not():
    assert is_uuid("fd41c918-b88b-4b20-a0a5-a4c32391aaa0")
    assert is_uuid("FD41C918-B88B-4B20-A0A5-A4C32391AAA0")
    assert not is_uuid("not-a-uuid")
    assert not is_uuid("fd41c918b88b4b20a0a5a4c32391aaa0")
    assert not is_uuid(None)


@pytest.mark.parametrize("value", ["PT1H30M", "P3Y1M29DT4H35M59.14S", "P4W", "PT0S"])
def test_iso_8601_durations_have_no_problem(value):
    assert duration_problem(value) is None


@pytest.mark.parametrize(
    "value, problem",
    [
        ("1 hour", "must be an ISO 8601 duration"),
        ("P", "at least one component"),
        ("P1DT", "after T"),
        ("PT1.5H30M", "only the smallest component"),
    ],
)
def test_duration_problem_names_the_rule_broken(value, problem):
    assert problem in duration_problem(value)


def test_language_tags_are_well_formed_rfc_5646_tags():
    assert all(is_language_tag(tag) for tag in ("en-US", "zh-Hant-TW", "x-private", "i-klingon"))
    assert not any(is_language_tag(tag) for tag in ("en_US", "english!", "de-1996-1996"))


def test_parse_timestamp_returns_utc_and_raises_value_error_with_the_reason():
    assert parse_timestamp("2013-05-18T05:32:34.804+02:00") == datetime(2013, 5, 18, 3, 32, 34, 804000, UTC)
    with pytest.raises(ValueError, match="negative zero offset"):
        parse_timestamp("2013-05-18T05:32:34-00:00")
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_timestamp("yesterday")


@pytest.mark.parametrize("text", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_timestamp_outside_years_1_to_9999_in_utc_is_a_value_error(text):
    # It was an OverflowError: a 500 for a statement's timestamp or a since/until parameter.
    with pytest.raises(ValueError, match="before year 1 or after year 9999 in UTC"):
        parse_timestamp(text)


@pytest.mark.parametrize(
    "text, utc",
    [
        ("2023-05-04T12:00:00-05:00", "2023-05-04T17:00:00.000Z"),
        ("2008-09-15T15:53:00.601+02:00", "2008-09-15T13:53:00.601Z"),
        ("2008-09-15T15:53:00.601234567+0200", "2008-09-15T13:53:00.601234Z"),
        ("20080915T155300Z", "2008-09-15T15:53:00.000Z"),
        ("2008-09-15T15:53", "2008-09-15T15:53:00.000Z"),
    ],
)
def test_utc_timestamp_converts_other_forms_to_rfc_3339_utc(text, utc):
    assert utc_timestamp(text) == utc
    assert parse_timestamp(utc) == parse_timestamp(text).replace(microsecond=parse_timestamp(utc).microsecond)


@pytest.mark.parametrize(
    "text", ["2023-05-04T17:00:00Z", "2023-05-04T17:00:00.12345Z", "2008-09-15T15:53:00.601+00:00"]
)
def test_utc_timestamp_keeps_rfc_3339_utc_as_written(text):
    assert utc_timestamp(text) == text


@pytest.mark.parametrize(
    "value, seconds",
    [
        ("PT1H30M", 5400.0),
        ("PT2.5S", 2.5),
        ("PT0,5S", 0.5),
        ("P1DT1S", 86401.0),
        ("P2W", 1209600.0),
        ("PT0S", 0.0),
    ],
)
def test_duration_seconds(value, seconds):
    from lrs.datatypes import duration_seconds

    assert duration_seconds(value) == seconds


@pytest.mark.parametrize("value", ["1H", "PT", "P1.5DT1H", None])
def test_duration_seconds_of_a_non_duration_is_none(value):
    from lrs.datatypes import duration_seconds

    assert duration_seconds(value) is None
