"""Course structure import (cmi5 13-14): what the schema and the spec accept, and what they refuse."""

from __future__ import annotations

import pytest

from cmi5.course import InvalidCourseStructure, parse_course_structure
from tests.cmi5.conftest import NS, au, au_ids, block, course_xml, text

A = "https://example.com/aus/a"
B = "https://example.com/aus/b"


def parse(data: bytes, files: set[str] | None = None) -> dict:
    return parse_course_structure(data, frozenset(files) if files is not None else None)


def refused(data: bytes, files: set[str] | None = None) -> InvalidCourseStructure:
    with pytest.raises(InvalidCourseStructure) as caught:
        parse(data, files)
    return caught.value


def test_nested_course_is_read_in_order_with_defaults():
    course = parse(
        course_xml(
            au(
                A,
                moveOn="Passed",
                masteryScore="0.85",
                launchMethod="OwnWindow",
                activityType="http://adlnet.gov/expapi/activities/media",
                inner="<launchParameters>Start=1</launchParameters><entitlementKey>xyz</entitlementKey>",
            ),
            block(
                "https://example.com/blocks/1",
                au(B),
                block("https://example.com/blocks/2", au("https://example.com/aus/c")),
            ),
        )
    )
    assert course["id"] == "https://example.com/courses/geology"
    assert course["title"] == {"en-US": "Geology"}
    assert [a["id"] for a in course["aus"]] == [A, B, "https://example.com/aus/c"]
    first = course["aus"][0]
    assert (first["moveOn"], first["masteryScore"], first["launchMethod"]) == ("Passed", 0.85, "OwnWindow")
    assert (first["launchParameters"], first["entitlementKey"]) == ("Start=1", "xyz")
    assert course["aus"][1]["moveOn"] == "NotApplicable"
    assert course["aus"][1]["launchMethod"] == "AnyWindow"
    assert course["children"] == [{"au": 0}, {"block": 0}]
    assert course["blocks"][0]["children"] == [{"au": 1}, {"block": 1}]
    assert course["blocks"][1]["parent"] == 0 and course["aus"][2]["parent"] == 1


def test_whitespace_is_trimmed_everywhere():
    data = course_xml(
        au(
            f"  {A}\n",
            url="\n  https://content.example.com/a.html  ",
            moveOn=" Completed ",
            title="  Spaced  ",
            inner="<launchParameters>\n x=1 \n</launchParameters>",
        ),
        course_id=" https://example.com/c ",
    )
    course = parse(data)
    first = course["aus"][0]
    assert course["id"] == "https://example.com/c"
    assert (first["id"], first["url"], first["moveOn"]) == (A, "https://content.example.com/a.html", "Completed")
    assert first["title"] == {"en-US": "Spaced"} and first["launchParameters"] == "x=1"


def test_foreign_namespace_extensions_are_allowed_where_the_schema_allows_them():
    ext = '<kw:keyword xmlns:kw="https://example.com/kw" idref="x"/>'
    data = course_xml(au(A, inner=ext), after=ext).replace(
        b"<courseStructure ", b'<courseStructure xmlns:kw="https://example.com/kw" kw:v="1" '
    )
    assert parse(data)["aus"][0]["id"] == A


def test_objectives_are_read_and_references_must_resolve():
    objectives = (
        f'<objectives><objective id="https://example.com/obj/1">{text("title", "O")}'
        f"{text('description', 'D')}</objective></objectives>"
    )
    ref = '<objectives><objective idref="https://example.com/obj/1"/></objectives>'
    course = parse(course_xml(au(A, extra=ref), before=objectives))
    assert course["objectives"][0]["id"] == "https://example.com/obj/1"
    assert course["aus"][0]["objectives"] == ["https://example.com/obj/1"]
    error = refused(course_xml(au(A, extra=ref.replace("obj/1", "obj/9")), before=objectives))
    assert "names no objective" in error.detail


def test_more_than_1000_aus_are_read():
    ids = au_ids(1500)
    course = parse(course_xml(*(au(i) for i in ids[:700]), block("https://example.com/b", *(au(i) for i in ids[700:]))))
    assert len(course["aus"]) == 1500
    assert len(course["blocks"][0]["children"]) == 800


@pytest.mark.parametrize(
    "data, element, problem",
    [
        (course_xml(au(A, moveOn="Sometimes")), "courseStructure/au[1]", "moveOn 'Sometimes'"),
        (course_xml(au(A, masteryScore="1.5")), "courseStructure/au[1]", "masteryScore"),
        (course_xml(au(A, masteryScore="0.12345")), "courseStructure/au[1]", "at most 4 decimal places"),
        (course_xml(au(A, masteryScore="8e-1")), "courseStructure/au[1]", "masteryScore"),
        (course_xml(au(A, launchMethod="NewTab")), "courseStructure/au[1]", "launchMethod"),
        (course_xml(au("aus/relative-id")), "courseStructure/au[1]", "must be an absolute IRI"),
        (course_xml(au(A), course_id="not an iri"), "courseStructure/course", "absolute IRI"),
        # Values the LRS refuses in statements: the LMS's own statements would carry them.
        (course_xml(au("https://example.com/aus/100%")), "courseStructure/au[1]", "must be an absolute IRI"),
        (course_xml(block("https://example.com/b%zz", au(A))), "courseStructure/block[1]", "must be an absolute IRI"),
        (course_xml(au(A, activityType="https://example.com/types/50%")), "courseStructure/au[1]", "activityType"),
        (course_xml(au(A), au(A)), "courseStructure/au[2]", "already used by courseStructure/au[1]"),
        (course_xml(block(A, au(B))).replace(B.encode(), A.encode()), "courseStructure/block[1]/au[1]", "already used"),
        (course_xml(au(A, url="https://c.example.com/a.html?x=1&amp;fetch=2")), "courseStructure/au[1]/url", "'fetch'"),
        (
            course_xml(au(A, url="https://c.example.com/a.html?registration=2")),
            "courseStructure/au[1]/url",
            "'registration'",
        ),
        (course_xml(au(A, url="start.html")), "courseStructure/au[1]/url", "only allowed inside a zip"),
        (course_xml(au(A, url="")), "courseStructure/au[1]/url", "must not be empty"),
        (course_xml(au(A, url="https://c.example.com/a b.html")), "courseStructure/au[1]/url", "whitespace"),
        (course_xml(au(A, extra="<url>https://x.example.com</url>")), "courseStructure/au[1]", "unexpected <url>"),
        (course_xml(au(A, foo="bar")), "courseStructure/au[1]", "attribute 'foo'"),
        (course_xml(au(A, inner='<other xmlns="">x</other>')), "courseStructure/au[1]", "no namespace"),
        (course_xml(au(A, inner="<other>x</other>")), "courseStructure/au[1]", "unexpected <other>"),
        (
            course_xml(au(A, inner=f'<cmi5:launchParameters xmlns:cmi5="{NS}">a</cmi5:launchParameters>' * 2)),
            "courseStructure/au[1]",
            "unexpected <launchParameters>",
        ),
        (course_xml(), "courseStructure", "at least one <au> or <block>"),
        (course_xml(block("https://example.com/b")), "courseStructure/block[1]", "at least one <au> or <block>"),
        (
            course_xml(au(A)).replace(b'<langstring lang="en-US">Geology</langstring>', b""),
            "courseStructure/course/title",
            "at least one <langstring>",
        ),
        (
            course_xml(au(A)).replace(b'lang="en-US">Geology', b'lang="en US">Geology'),
            "courseStructure/course/title/langstring[1]",
            "language tag",
        ),
        (
            course_xml(au(A, title="x")).replace(b'lang="en-US">x<', b'lang="a">x<'),
            "courseStructure/au[1]/title/langstring[1]",
            "language tag",
        ),
        (course_xml(au(A)).replace(NS.encode(), b"https://example.com/other"), "", "root element"),
        (b"<courseStructure", "cmi5.xml", "not well-formed"),
    ],
)
def test_bad_structure_is_refused_naming_the_element(data, element, problem):
    error = refused(data)
    assert error.element == element
    assert problem in error.problem
    assert error.status == 400


def test_dtd_and_entities_are_refused():
    data = b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + course_xml(au(A)).split(
        b"?>", 1
    )[1].replace(b"Geology", b"&x;")
    assert "DTDs and entities" in refused(data).problem
    bomb = b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>' + course_xml(au(A)).split(
        b"?>", 1
    )[1].replace(b"Geology", b"&b;")
    assert "DTDs and entities" in refused(bomb).problem


def test_relative_urls_must_name_a_file_of_the_package():
    files = {"cmi5.xml", "au/index.html", "au/app.js", "my page.html"}
    course = parse(course_xml(au(A, url="au/index.html?mode=x#top"), au(B, url="my%20page.html")), files)
    assert [(a["url"], a["packaged"]) for a in course["aus"]] == [
        ("au/index.html?mode=x#top", True),
        ("my%20page.html", True),
    ]
    assert "au/missing.html is missing" in refused(course_xml(au(A, url="au/missing.html")), files).problem
    assert "outside the package" in refused(course_xml(au(A, url="../secret.html")), files).problem
    assert "relative to the package root" in refused(course_xml(au(A, url="/au/index.html")), files).problem
    absolute = parse(course_xml(au(A, url="https://cdn.example.com/a.html")), files)
    assert absolute["aus"][0]["packaged"] is False


def test_deeply_nested_blocks_are_refused_not_crashed():
    inner = au(A)
    for depth in range(150):
        inner = block(f"https://example.com/b/{depth}", inner)
    assert "nested more than" in refused(course_xml(inner)).problem
