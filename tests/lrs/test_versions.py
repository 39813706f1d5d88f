"""The version table: which rules a version header selects."""

import pytest

from lrs.versions import NEWEST, SUPPORTED, XAPI_1_0_3, XAPI_2_0_0, version_for_header


@pytest.mark.parametrize("header", ["1.0", "1.0.0", "1.0.1", "1.0.3", "1.0.9", " 1.0.3 ", "1.0.0-rc1"])
def test_1_0_x_headers_get_the_1_0_3_rules(header):
    assert version_for_header(header) is XAPI_1_0_3


@pytest.mark.parametrize("header", ["2.0", "2.0.0", "2.0.1", "2.0.12"])
def test_2_0_x_headers_get_the_2_0_0_rules(header):
    # 9274.1.1 4.1.7: 2.0 is read as 2.0.0; 2.0.x patch versions share the rules.
    assert version_for_header(header) is XAPI_2_0_0


@pytest.mark.parametrize(
    "header", ["", "0.9", "0.95", "1", "1.1.0", "1.0.x", "2", "2.1.0", "3.0.0", "2.0.0.1", "latest"]
)
def test_other_headers_are_served_by_no_version(header):
    assert version_for_header(header) is None


def test_about_lists_the_newest_last_and_answers_default_to_it():
    assert [version.name for version in SUPPORTED] == ["1.0.3", "2.0.0"]
    assert NEWEST is XAPI_2_0_0


@pytest.mark.parametrize(
    "value, accepted_by_1_0_3, accepted_by_2_0",
    [
        ("1.0", True, True),
        ("1.0.9", True, True),
        ("2.0.0", False, True),
        ("2.0", False, True),
        ("1.1.0", False, False),
        ("0.9.9", False, False),
        (1.0, False, False),
    ],
)
def test_statement_versions_each_version_accepts(value, accepted_by_1_0_3, accepted_by_2_0):
    assert XAPI_1_0_3.accepts_statement_version(value) is accepted_by_1_0_3
    assert XAPI_2_0_0.accepts_statement_version(value) is accepted_by_2_0
