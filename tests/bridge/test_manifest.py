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
        item("M", title="Module", children=item("I1", "R1", "One", "<adlcp:masteryscore>85.5</adlcp:masteryscore>"
                                                 "<adlcp:datafromlms>start=3</adlcp:datafromlms>"
                                                 "<adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>"
                                                 "<adlcp:timelimitaction>exit,message</adlcp:timelimitaction>"
                                                 "<adlcp:prerequisites type=\"aicc_script\">I0</adlcp:prerequisites>"))
        + item("I2", "R2", "Two", parameters="?x=1"),
        resource("R1", "a.html") + resource("R2", "index.html?lang=de", base="b/"),
    )
    assert found.title == "Safety at work"
    assert [s.identifier for s in found.scos] == ["I1", "I2"]
    one, two = found.scos
    assert (str(one.mastery_score), one.data_from_lms, one.max_time_allowed, one.time_limit_action, one.prerequisites) == (
        "85.5", "start=3", "00:30:00", "exit,message", "I0")
    assert two.launch == "b/index.html?lang=de&x=1" and two.file == "b/index.html"
    assert found.items[0].children[0].sco is one


def test_parameters_join_the_href_as_ims_cp_says():
    assert launch_url("a.html", "?x=1") == "a.html?x=1"
    assert launch_url("a.html?y=2", "?x=1") == "a.html?y=2&x=1"
    assert launch_url("a.html", "x=1") == "a.html?x=1"
    assert launch_url("a.html", "#top") == "a.html#top"


@pytest.mark.parametrize("items, resources, files, kwargs, message", [
    ("", "", FILES, {"organizations": "<organizations/>"}, "no <organization>"),
    (item("I", "R"), resource("R", "a.html"), FILES, {"default": "NOPE"}, "default organization 'NOPE'"),
    (item("I", "MISSING"), resource("R", "a.html"), FILES, {}, "identifierref 'MISSING' names no resource"),
    (item("I", "R"), resource("R", "gone.html"), FILES, {}, "launch file 'gone.html' of resource 'R' is missing"),
    (item("I", "R"), resource("R", "http://cdn.example.com/a.html"), FILES, {}, "must be a relative path"),
    (item("I", "R"), resource("R", "../a.html"), FILES, {}, "must be a relative path"),
    (item("I", "R", extra="<adlcp:masteryscore>120</adlcp:masteryscore>"), resource("R", "a.html"), FILES, {},
     "adlcp:masteryscore: '120' must be a number from 0 to 100"),
    (item("I", "R", extra="<adlcp:timelimitaction>stop</adlcp:timelimitaction>"), resource("R", "a.html"), FILES, {},
     "adlcp:timelimitaction"),
    (item("I", "R"), resource("R", "a.html", scormtype="lesson"), FILES, {}, "must be sco or asset"),
    (item("I"), resource("R", "a.html"), FILES, {}, "no item launches a resource"),
    (item("I", "R") + item("I", "R"), resource("R", "a.html"), FILES, {}, "used by another item"),
    (item("I", "R"), resource("R", "a.html"), FILES, {"schemaversion": "2004 4th Edition"}, "SCORM 2004 is not supported yet"),
])
def test_broken_manifests_are_refused_naming_the_problem(items, resources, files, kwargs, message):
    with pytest.raises(InvalidPackage) as raised:
        parse(items, resources, files, **kwargs)
    assert message in raised.value.detail


def test_scorm_2004_is_recognised_by_its_namespaces_too():
    data = manifest(item("I", "R"), resource("R", "a.html")).replace(
        b'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"', b'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"')
    with pytest.raises(InvalidPackage, match="SCORM 2004 is not supported yet"):
        parse_manifest(data.replace(b"<schemaversion>1.2</schemaversion>", b""), FILES)


@pytest.mark.parametrize("data, message", [
    (b"<manifest><organizations>", "not well-formed XML"),
    (b'<!DOCTYPE m [<!ENTITY x "y">]><manifest/>', "entities and external references are not allowed"),
    (b'<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><manifest>&x;</manifest>', "entities and external"),
    (b"<package/>", "the root element must be <manifest>"),
])
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
        "CompletedOrPassed", 0.8555, "http://adlnet.gov/expapi/activities/lesson")
    assert (asset["moveOn"], asset["masteryScore"]) == ("NotApplicable", None)
    assert course["blocks"][0]["id"] == f"{iris.package}/items/M"
    assert sco["id"] == f"{iris.package}/scos/I1"
    assert str(cmi5_mastery_score(found.scos[0].mastery_score)) == "0.8555"
