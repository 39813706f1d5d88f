"""The manifest reader and the cmi5 course built from it, without a database."""

from __future__ import annotations

import pytest

from bridge.course import PackageIris, cmi5_mastery_score, course_structure
from bridge.errors import InvalidPackage
from bridge.manifest import launch_url, parse_manifest
from cmi5.course import parse_course_structure
from tests.bridge.conftest import item, manifest, resource

FILES = frozenset({"a.html", "b/index.html", "c.html"})


def parse(items: str, resources: str, files=FILES, **kwargs):
    return parse_manifest(manifest(items, resources, **kwargs), files)


def test_default_organization_items_in_order_with_adlcp_values():
    found = parse(
        item(
            "M",
            title="Module",
            children=item(
                "I1",
                "R1",
                "One",
                "<adlcp:masteryscore>85.5</adlcp:masteryscore>"
                "<adlcp:datafromlms>start=3</adlcp:datafromlms>"
                "<adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>"
                "<adlcp:timelimitaction>exit,message</adlcp:timelimitaction>"
                '<adlcp:prerequisites type="aicc_script">I0</adlcp:prerequisites>',
            ),
        )
        + item("I2", "R2", "Two", parameters="?x=1"),
        resource("R1", "a.html") + resource("R2", "index.html?lang=de", base="b/"),
    )
    assert found.title == "Safety at work"
    assert [s.identifier for s in found.scos] == ["I1", "I2"]
    one, two = found.scos
    assert (
        str(one.mastery_score),
        one.data_from_lms,
        one.max_time_allowed,
        one.time_limit_action,
        one.prerequisites,
    ) == ("85.5", "start=3", "00:30:00", "exit,message", "I0")
    assert two.launch == "b/index.html?lang=de&x=1" and two.file == "b/index.html"
    assert found.items[0].children[0].sco is one


def test_parameters_join_the_href_as_ims_cp_says():
    assert launch_url("a.html", "?x=1") == "a.html?x=1"
    assert launch_url("a.html?y=2", "?x=1") == "a.html?y=2&x=1"
    assert launch_url("a.html", "x=1") == "a.html?x=1"
    assert launch_url("a.html", "#top") == "a.html#top"


@pytest.mark.parametrize(
    "items, resources, files, kwargs, message",
    [
        ("", "", FILES, {"organizations": "<organizations/>"}, "no <organization>"),
        (item("I", "MISSING"), resource("R", "a.html"), FILES, {}, "identifierref 'MISSING' names no resource"),
        (item("I", "R"), resource("R", "gone.html"), FILES, {}, "launch file 'gone.html' of resource 'R' is missing"),
        (item("I", "R"), resource("R", "http://cdn.example.com/a.html"), FILES, {}, "must be a relative path"),
        (item("I", "R"), resource("R", "../a.html"), FILES, {}, "must be a relative path"),
        (
            item("I", "R", extra="<adlcp:masteryscore>120</adlcp:masteryscore>"),
            resource("R", "a.html"),
            FILES,
            {},
            "adlcp:masteryscore: '120' must be a number from 0 to 100",
        ),
        (
            item("I", "R", extra="<adlcp:timelimitaction>stop</adlcp:timelimitaction>"),
            resource("R", "a.html"),
            FILES,
            {},
            "adlcp:timelimitaction",
        ),
        (item("I", "R"), resource("R", "a.html", scormtype="lesson"), FILES, {}, "must be sco or asset"),
        (item("I"), resource("R", "a.html"), FILES, {}, "no item launches a resource"),
        (item("I", "R") + item("I", "R"), resource("R", "a.html"), FILES, {}, "used by another item"),
    ],
)
def test_broken_manifests_are_refused_naming_the_problem(items, resources, files, kwargs, message):
    with pytest.raises(InvalidPackage) as raised:
        parse(items, resources, files, **kwargs)
    assert message in raised.value.detail


def test_scorm_2004_is_recognised_by_its_namespaces_too():
    data = manifest(item("I", "R"), resource("R", "a.html")).replace(
        b'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"', b'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"'
    )
    found = parse_manifest(data.replace(b"<schemaversion>1.2</schemaversion>", b""), FILES)
    assert found.edition == "2004-3rd" and found.activity_tree is not None
    assert found.warnings == ["metadata/schemaversion is missing; the manifest is read as SCORM 2004 3rd Edition"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<manifest><organizations>", "not well-formed XML"),
        (b'<!DOCTYPE m [<!ENTITY x "y">]><manifest/>', "entity declarations and external references are not allowed"),
        (b'<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><manifest>&x;</manifest>', "entity declarations"),
        (b'<!DOCTYPE m [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]><manifest/>', "entity declarations"),
        (b'<!DOCTYPE manifest SYSTEM "imscp_rootv1p1.dtd"><manifest>&nbsp;</manifest>', "undefined entity"),
        (b"<package/>", "the root element must be <manifest>"),
    ],
)
def test_malformed_or_dangerous_xml_is_refused(data, message):
    with pytest.raises(InvalidPackage, match=message):
        parse_manifest(data, FILES)


def test_the_course_is_a_valid_cmi5_structure_with_player_urls_and_mastery_cut_to_four_places():
    found = parse(
        item("M", title="Module", children=item("I1", "R1", "One", "<adlcp:masteryscore>85.55555</adlcp:masteryscore>"))
        + item("I2", "R2", "Handout"),
        resource("R1", "a.html") + resource("R2", "c.html", scormtype="asset"),
    )
    iris = PackageIris("https://lrs.example.com/scorm/packages/p1")
    course = parse_course_structure(course_structure(found, iris, "p1", "https://content.example.com"))
    assert course["id"] == iris.package and course["title"] == {"und": "Safety at work"}
    sco, asset = course["aus"]
    assert sco["url"] == "https://content.example.com/scorm/player/p1/0"
    assert (sco["moveOn"], sco["masteryScore"], sco["activityType"]) == (
        "CompletedOrPassed",
        0.8555,
        "http://adlnet.gov/expapi/activities/lesson",
    )
    assert (asset["moveOn"], asset["masteryScore"]) == ("NotApplicable", None)
    assert course["blocks"][0]["id"] == f"{iris.package}/items/M"
    assert sco["id"] == f"{iris.package}/scos/I1"
    assert str(cmi5_mastery_score(found.scos[0].mastery_score)) == "0.8555"


# --- real-world sloppiness: read as meant where the intent is clear ---------------------------


def organizations(*identifiers: str, default: str | None = None) -> str:
    attrs = f' default="{default}"' if default is not None else ""
    return (
        f"<organizations{attrs}>"
        + "".join(
            f'<organization identifier="{o}"><title>{o} title</title>{item("I-" + o, "R")}</organization>'
            for o in identifiers
        )
        + "</organizations>"
    )


@pytest.mark.parametrize(
    "default, played, warned",
    [
        ("ORG-NONE", "A", "default 'ORG-NONE' names no organization; the first one, 'A', is played"),
        ("b", "B", "default 'b' names organization 'B' in another case"),
        (None, "A", None),
        ("B", "B", None),
    ],
)
def test_the_default_organization_falls_back_to_the_first(default, played, warned):
    found = parse("", resource("R", "a.html"), organizations=organizations("A", "B", default=default))
    assert (found.organization, found.title, found.scos[0].identifier) == (played, f"{played} title", f"I-{played}")
    assert found.warnings == ([f"organizations: {warned}"] if warned else [])


def test_identifierref_and_launch_file_in_another_case_are_found_and_the_launch_names_the_real_file():
    found = parse(item("I", "res-one"), resource("RES-One", "B/Index.HTML?start=1#top"))
    [sco] = found.scos
    assert (sco.resource, sco.file, sco.launch) == ("RES-One", "b/index.html", "b/index.html?start=1#top")
    assert found.warnings == [
        "organizations/organization[1]/item[1]: identifierref 'res-one' names resource 'RES-One' in another case",
        "organizations/organization[1]/item[1]: launch file 'B/Index.HTML' is 'b/index.html' in the zip",
    ]


def test_a_file_name_that_matches_two_files_but_for_case_is_not_guessed():
    with pytest.raises(InvalidPackage, match="the launch file 'A.html' of resource 'R' is missing"):
        parse(item("I", "R"), resource("R", "A.html"), files=FILES | {"a.HTML"})


@pytest.mark.parametrize("attribute", ['adlcp:scormType="sco"', 'adlcp:SCORMTYPE="SCO"', 'scormtype="Sco"'])
def test_scormtype_is_read_in_any_case_and_scormType_alone_is_not_scorm_2004(attribute):
    resources = f'<resource identifier="R" type="webcontent" {attribute} href="a.html"/>'
    found = parse(item("I", "R"), resources)
    assert found.scos[0].scorm_type == "sco" and found.warnings == []


def test_a_resource_without_scormtype_is_an_asset_and_the_import_says_so():
    found = parse(item("I", "R"), '<resource identifier="R" type="webcontent" href="a.html"/>')
    assert found.scos[0].scorm_type == "asset"
    assert found.warnings == [
        "organizations/organization[1]/item[1]: resource 'R' has no adlcp:scormtype; it is played "
        "as an asset (its AU is satisfied without a status)"
    ]


def test_xml_base_without_its_slash_and_on_the_manifest_names_a_folder():
    found = parse(
        item("I1", "R1") + item("I2", "R2"),
        resource("R1", "index.html", base="b") + resource("R2", "a.html", base="./"),
    )
    assert [s.file for s in found.scos] == ["b/index.html", "a.html"]
    data = manifest(item("I", "R"), resource("R", "index.html")).replace(
        b"<manifest identifier=", b'<manifest xml:base="b" identifier='
    )
    assert parse_manifest(data, FILES).scos[0].file == "b/index.html"


def test_byte_order_mark_blank_lines_utf16_no_namespaces_and_no_metadata_are_fine():
    plain = (
        b'<?xml version="1.0" encoding="UTF-8"?><manifest identifier="m"><organizations default="O">'
        b'<organization identifier="O"><title>Plain</title><item identifier="I" identifierref="R"><title>I</title>'
        b'</item></organization></organizations><resources><resource identifier="R" type="webcontent" '
        b'scormtype="sco" href="a.html"/></resources></manifest>'
    )
    for data in (
        plain,
        b"\xef\xbb\xbf" + plain,
        b"\xef\xbb\xbf\r\n\r\n  " + plain,
        plain.replace(b"UTF-8", b"UTF-16").decode().encode("utf-16"),
    ):
        found = parse_manifest(data, FILES)
        assert (found.title, found.scos[0].file, found.warnings) == ("Plain", "a.html", [])


def test_windows_1252_text_in_a_manifest_that_claims_utf_8_is_read_as_windows_1252():
    data = manifest(item("I", "R", "Sécurité – niveau 1"), resource("R", "a.html"), title="Prévention").decode()
    found = parse_manifest(data.encode("windows-1252"), FILES)
    assert (found.title, found.scos[0].title) == ("Prévention", "Sécurité – niveau 1")
    assert found.warnings == ["imsmanifest.xml is not UTF-8 as it says: it was read as Windows-1252"]
    with pytest.raises(InvalidPackage, match="not well-formed XML"):  # declared otherwise: not guessed
        parse_manifest(data.replace("UTF-8", "ISO-8859-7").encode("windows-1252") + b"<", FILES)


def test_a_doctype_naming_an_external_dtd_is_allowed_and_the_dtd_never_read():
    data = manifest(item("I", "R"), resource("R", "a.html")).replace(
        b"?>\n", b'?>\n<!DOCTYPE manifest SYSTEM "file:///nonexistent/imscp_rootv1p1.dtd">\n', 1
    )
    assert parse_manifest(data, FILES).scos[0].file == "a.html"


def test_a_one_digit_hour_in_maxtimeallowed_is_read():
    found = parse(item("I", "R", extra="<adlcp:maxtimeallowed>0:30:00</adlcp:maxtimeallowed>"), resource("R", "a.html"))
    assert found.scos[0].max_time_allowed == "0:30:00"


@pytest.mark.parametrize(
    "href",
    [
        "%2e%2e/a.html",
        "b/../../a.html",
        "/a.html",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "//evil.example.com/a.html",
        "b\\..\\..\\a.html",
    ],
)
def test_launch_urls_that_could_leave_the_package_stay_refused(href):
    with pytest.raises(InvalidPackage, match="must be a relative path inside the package"):
        parse(item("I", "R"), resource("R", href))
