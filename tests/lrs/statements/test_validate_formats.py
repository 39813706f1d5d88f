"""Special data types (Data 4.0): timestamps, durations, language tags, IRIs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from lrs.errors import InvalidStatement
from lrs.statements.validate import parse_timestamp
from tests.lrs.statements.samples import ACTIVITY, assert_accepted, assert_rejected, rejection, statement

UTC = UTC

# ------------------------------------------------------------------ timestamps


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2013-05-18T05:32:34.804Z", datetime(2013, 5, 18, 5, 32, 34, 804000, UTC)),
        ("2013-05-18T05:32:34.804+00:00", datetime(2013, 5, 18, 5, 32, 34, 804000, UTC)),
        ("2013-05-18T07:32:34.804+02:00", datetime(2013, 5, 18, 5, 32, 34, 804000, UTC)),
        ("2013-05-18T00:32:34-0500", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("2013-05-18T10:32:34+05", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("2013-05-18T11:02:34+05:30", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("2013-05-18T05:32:34Z", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("2013-05-18T05:32Z", datetime(2013, 5, 18, 5, 32, tzinfo=UTC)),
        ("2013-05-18t05:32:34.5z", datetime(2013, 5, 18, 5, 32, 34, 500000, UTC)),
        ("2013-05-18T05:32:34,25Z", datetime(2013, 5, 18, 5, 32, 34, 250000, UTC)),
        ("20130518T053234.804Z", datetime(2013, 5, 18, 5, 32, 34, 804000, UTC)),
        ("20130518T073234+0200", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        (
            "2013-05-18T05:32:34.123456789Z",
            datetime(2013, 5, 18, 5, 32, 34, 123456, UTC),
        ),  # beyond microseconds: truncated
        ("2013-05-18T05:32:34.804", datetime(2013, 5, 18, 5, 32, 34, 804000, UTC)),  # no offset: read as UTC
        ("2012-02-29T23:59:59.999Z", datetime(2012, 2, 29, 23, 59, 59, 999000, UTC)),
        ("2013-12-31T23:30:00-01:00", datetime(2014, 1, 1, 0, 30, tzinfo=UTC)),
    ],
)
def test_iso_8601_timestamp_is_parsed_to_utc(text, expected):
    parsed = parse_timestamp(text, "timestamp")
    assert parsed == expected
    assert parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "text",
    [
        "2008-09-15T15:53:00.601-00:00",
        "2008-09-15T15:53:00.601-0000",
        "2008-09-15T15:53:00.601-00",
        "2008-09-15T15:53:00-00:00",
    ],
)
def test_timestamp_with_negative_zero_offset_is_rejected(text):
    with pytest.raises(InvalidStatement) as info:
        parse_timestamp(text, "timestamp")
    assert info.value.path == "timestamp"
    assert "negative zero offset" in info.value.rule


@pytest.mark.parametrize(
    "text",
    [
        "should fail",
        "01/011/2015",
        "",
        "2013-05-18",  # a date, not a date and time
        "2013-05-18 05:32:34Z",  # space instead of T
        "2013-05-18T05:32:34.Z",  # empty fraction
        "2013-05-18T05Z",  # hour only
        "2013-5-18T05:32:34Z",
        "13-05-18T05:32:34Z",
        "2013-05-18T05:32:34+5:00",
        "2013-05-18T05:32:34 +05:00",
        "2013-05-18T05:32:34Z\n",
        "Sat, 18 May 2013 05:32:34 GMT",
        "2013-W20-6T05:32:34Z",  # week dates are not supported
        "２０１３-05-18T05:32:34Z",  # non-ASCII digits
    ],
)
def test_text_that_is_not_an_iso_8601_date_and_time_is_rejected(text):
    with pytest.raises(InvalidStatement) as info:
        parse_timestamp(text, "object.timestamp")
    assert info.value.path == "object.timestamp"
    assert "must be an ISO 8601 date and time" in info.value.rule


@pytest.mark.parametrize(
    "text",
    [
        "2013-13-01T00:00:00Z",
        "2013-02-29T00:00:00Z",
        "2013-05-32T00:00:00Z",
        "2013-05-18T24:00:00Z",
        "2013-05-18T05:60:00Z",
        "2013-05-18T05:32:60Z",
    ],
)
def test_timestamp_with_out_of_range_fields_is_rejected(text):
    with pytest.raises(InvalidStatement) as info:
        parse_timestamp(text, "timestamp")
    assert "not a real date and time" in info.value.rule


@pytest.mark.parametrize("text", ["2013-05-18T05:32:34+24:00", "2013-05-18T05:32:34+05:60"])
def test_timestamp_with_impossible_offset_is_rejected(text):
    with pytest.raises(InvalidStatement) as info:
        parse_timestamp(text, "timestamp")
    assert "invalid UTC offset" in info.value.rule


def test_parse_timestamp_rejects_non_strings():
    with pytest.raises(InvalidStatement) as info:
        parse_timestamp(1368855154, "since")
    assert info.value.path == "since"


def test_statement_and_sub_statement_timestamps_use_the_same_rules():
    assert_accepted(statement(timestamp="2013-05-18T05:32:34.804+02:00"))
    assert_rejected(statement(timestamp="2013-05-18T05:32:34.804-00:00"), "timestamp", "negative zero offset")
    assert_rejected(statement(stored="2013-02-30T00:00:00Z"), "stored", "not a real date and time")


# ------------------------------------------------------------------ durations


@pytest.mark.parametrize(
    "duration",
    [
        "PT1H0M0S",
        "PT1H0M0.1S",
        "PT4H35M59.14S",
        "PT16559.14S",
        "P3Y1M29DT4H35M59.14S",
        "P3Y",
        "P4W",
        "P1D",
        "PT4.5S",
        "PT0S",
        "P0D",
        "PT1,5S",  # ISO 8601 allows a comma
        "P1.5Y",  # fraction on the smallest (only) component
        "P2DT12H",
        "PT36H",  # values need not be carried over
        "PT0.001S",  # more precision than 0.01 s must not be rejected
    ],
)
def test_iso_8601_duration_is_accepted(duration):
    assert_accepted(statement(result={"duration": duration}))


@pytest.mark.parametrize(
    "duration, rule",
    [
        ("PA1H0M0S", "ISO 8601 duration"),
        ("P4W1D", "ISO 8601 duration"),  # weeks cannot be combined
        ("should fail", "ISO 8601 duration"),
        ("", "ISO 8601 duration"),
        ("P", "at least one component"),
        ("PT", "at least one component"),
        ("P1DT", "after T"),
        ("PT1.5H30M", "only the smallest component"),
        ("P1.5DT2H", "only the smallest component"),
        ("pt1h", "ISO 8601 duration"),
        ("-PT1H", "ISO 8601 duration"),
        ("P0003-06-04T12:30:05", "ISO 8601 duration"),  # the alternative format is forbidden (Data 4.6.s1.b1)
        ("P1M2Y", "ISO 8601 duration"),  # components out of order
        ("P16559.14S", "ISO 8601 duration"),  # seconds need the T designator
        ("PT1H\n", "ISO 8601 duration"),
        ("PT1H ", "ISO 8601 duration"),
    ],
)
def test_text_that_is_not_an_iso_8601_duration_is_rejected(duration, rule):
    assert_rejected(statement(result={"duration": duration}), "result.duration", rule)


# ------------------------------------------------------------------ language tags


@pytest.mark.parametrize(
    "tag",
    [
        "en",
        "de",
        "en-US",
        "EN-us",  # tags are case-insensitive
        "de-DE",
        "es-419",  # UN M.49 region
        "zh-Hant",
        "zh-Hans-CN",
        "sr-Latn-RS",
        "sr-Cyrl",
        "tlh",
        "cmn",
        "ase",
        "zh-yue",  # extended language subtag
        "de-CH-1901",  # variant
        "sl-rozaj-biske",  # two different variants
        "en-a-bbb-b-ccc",  # different extension singletons
        "en-US-x-twain",  # private use
        "x-whatever",
        "qaa",
        "i-klingon",  # grandfathered
        "art-lojban",
    ],
)
def test_rfc_5646_language_tag_is_accepted(tag):
    assert_accepted(statement(verb={"id": "http://example.com/verbs/x", "display": {tag: "x"}}))


@pytest.mark.parametrize(
    "tag",
    [
        "something",  # primary language longer than 8
        "a12345",
        "a12345678",
        "en-something-AU",  # subtag longer than 8
        "zh-something-ccc",
        "s-something",  # one-letter primary language
        "zh-z-aaa-z-bbb-c-ccc",  # the same extension singleton twice
        "de-1901-1901",  # the same variant twice
        "",
        "en-",
        "-en",
        "en--US",
        "en_US",
        "e",
        "en-US-",
        "x",
        "en-x",
        "en-a",  # singleton without extension subtags
        "ja-JP-ü",
    ],
)
def test_text_that_is_not_an_rfc_5646_tag_is_rejected_as_language_map_key(tag):
    raw = statement(verb={"id": "http://example.com/verbs/x", "display": {"en-US": "x", tag: "y"}})
    error = rejection(raw)
    # Plain keys are dotted, others quoted: verb.display.something, verb.display["-en"]
    assert error.path in (f"verb.display.{tag}", f"verb.display[{json.dumps(tag, ensure_ascii=False)}]")
    assert error.rule == "is not an RFC 5646 language tag"


def test_language_map_key_that_is_not_a_plain_name_is_quoted_in_the_path():
    raw = statement(verb={"id": "http://example.com/verbs/x", "display": {"ja-JP-ü": "x"}})
    assert_rejected(raw, 'verb.display["ja-JP-ü"]', "RFC 5646")


# ------------------------------------------------------------------ IRIs


@pytest.mark.parametrize(
    "iri",
    [
        "http://example.com/activities/1",
        "https://example.com/a/b?c=d&e=f#g",
        "urn:uuid:fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
        "tag:example.com,2024:activity:1",
        "http://例え.jp/パス/テスト",  # non-ASCII characters are what makes an IRI an IRI
        "http://example.com/%E2%82%AC",
        "http://example.com:8080/a",
        "mailto:ada@example.com",
        "http://example.com/~user/(1)",
        "http://[::1]:8080/activities/1",  # an IP literal host is the place for brackets (RFC 3986 3.2.2)
        "http://user@[2001:db8::7]/a",
        # Not RFC 3987 (brackets belong in the host only), but JavaScript's encodeURI leaves them in
        # queries, so clients send them: tolerated outside the authority.
        "http://example.com/a?items[0]=1",
    ],
)
def test_absolute_iri_is_accepted_as_activity_id(iri):
    assert_accepted(statement(object={"id": iri}))


@pytest.mark.parametrize(
    "iri",
    [
        "",
        "example.com/activities/1",  # no scheme
        "/activities/1",
        "#fragment",  # fragments are not IRIs (Data 2.4.4.1.s2 note)
        "ab=c://should.fail.com",  # '=' cannot appear in a scheme
        "1http://example.com",  # a scheme starts with a letter
        "http:",
        "http://exa mple.com",
        "http://example.com/\t",
        "http://example.com/<x>",
        'http://example.com/"x"',
        "http://example.com/{x}",
        "http://example.com/a|b",
        "http://example.com/100%",
        "http://example.com/%zz",
        "http://example.com/\n",
        "http://example.com/\u0085",
        "http://[::1",  # an IP literal that is never closed
        "http://::1]/a",
        "http://host[::1]/a",
        "http://[::1]x/a",
        "http://[]/a",
    ],
)
def test_text_that_is_not_an_absolute_iri_is_rejected_as_activity_id(iri):
    assert_rejected(statement(object={"id": iri}), "object.id", "must be an absolute IRI")


def test_activity_ids_are_case_sensitive_data_not_normalised():
    raw = statement(object={**ACTIVITY, "id": "HTTP://EXAMPLE.COM/Activity"})
    assert_accepted(raw)
    assert raw["object"]["id"] == "HTTP://EXAMPLE.COM/Activity"
