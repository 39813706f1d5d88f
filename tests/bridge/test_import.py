"""POST /scorm/packages over HTTP with real zips: valid, multi-SCO and broken packages."""

from __future__ import annotations

import os

import pytest
from aiohttp import web

from lrs.keys import credential_store_key
from tests.bridge.conftest import SCO_PAGE, item, make_zip, manifest, multi_sco, resource, single_sco
from tests.conftest import basic


async def test_single_sco_package_becomes_a_cmi5_course(scorm, content_origin):
    package = await scorm.import_package(single_sco(extra="<adlcp:datafromlms>chapter=2</adlcp:datafromlms>"))
    assert package["title"] == "Safety at work"
    [sco] = package["scos"]
    assert (sco["id"], sco["title"], sco["launch"], sco["masteryScore"], sco["masteryscore"], sco["dataFromLMS"]) == (
        "ITEM-1",
        "Lesson one",
        "sco/index.html",
        0.8,
        "80",
        "chapter=2",
    )
    course = await (await scorm.xapi.get(f"/cmi5/courses/{package['course']}")).json()
    [au] = course["aus"]
    assert au["id"] == sco["au"] and au["activityId"] == sco["activityId"]
    assert (au["moveOn"], au["masteryScore"]) == ("CompletedOrPassed", 0.8)
    assert au["url"] == f"{content_origin}/scorm/player/{package['id']}/0"
    listed = await (await scorm.xapi.get("/scorm/packages")).json()
    assert [p["id"] for p in listed["packages"]] == [package["id"]]
    again = await (await scorm.xapi.get(f"/scorm/packages/{package['id']}")).json()
    assert again == package


async def test_the_course_of_a_package_is_not_deleted_without_its_package(scorm):
    package = await scorm.import_package(single_sco())
    response = await scorm.xapi.delete(f"/cmi5/courses/{package['course']}")
    assert response.status == 409
    assert f"/scorm/packages/{package['id']}" in (await response.json())["detail"]
    assert (await scorm.xapi.get(f"/cmi5/courses/{package['course']}")).status == 200


async def test_multi_sco_package_keeps_item_order_nesting_and_assets(scorm):
    package = await scorm.import_package(multi_sco())
    assert [(s["id"], s["scormType"], s["launch"]) for s in package["scos"]] == [
        ("ITEM-1", "sco", "one/index.html"),
        ("ITEM-2", "sco", "two/index.html?lang=en&page=2"),
        ("ITEM-3", "asset", "handout.html"),
    ]
    assert [(s["masteryScore"], s["masteryscore"]) for s in package["scos"]] == [
        (0.7, "70"),
        (None, None),
        (None, None),
    ]
    course = await (await scorm.xapi.get(f"/cmi5/courses/{package['course']}")).json()
    assert [b["id"].rsplit("/", 1)[-1] for b in course["blocks"]] == ["MOD-1"]
    assert [a["moveOn"] for a in course["aus"]] == ["CompletedOrPassed", "CompletedOrPassed", "NotApplicable"]
    assert [a["block"] is not None for a in course["aus"]] == [True, True, False]
    registration = await scorm.register(package["course"])
    status = await scorm.status(registration)
    assert [a["satisfied"] for a in status["aus"]] == [False, False, True]


async def test_package_files_are_served_on_the_content_origin_with_their_types(scorm, content_origin):
    package = await scorm.import_package(multi_sco())
    host = content_origin.split("//", 1)[1]
    response = await scorm.client.get(f"/scorm/content/{package['id']}/one/index.html", headers={"Host": host})
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Security-Policy" not in response.headers  # a sandbox breaks frameset SCOs
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert await response.read() == SCO_PAGE
    missing = await scorm.client.get(f"/scorm/content/{package['id']}/nope.html", headers={"Host": host})
    assert missing.status == 404


async def test_content_asked_for_on_the_lrs_origin_is_sent_to_the_content_origin(scorm, content_origin):
    package = await scorm.import_package(single_sco())
    path = f"/scorm/content/{package['id']}/sco/index.html"
    response = await scorm.client.get(path, allow_redirects=False)
    assert response.status == 307
    assert response.headers["Location"] == content_origin + path
    player = await scorm.client.get(f"/scorm/player/{package['id']}/0?x=1", allow_redirects=False)
    assert player.headers["Location"] == f"{content_origin}/scorm/player/{package['id']}/0?x=1"


async def test_import_needs_scope_all(scorm, app):
    response = await scorm.client.post(
        "/scorm/packages", data=single_sco(), headers={"Content-Type": "application/zip"}
    )
    assert response.status == 401
    response = await scorm.client.post(
        "/scorm/packages",
        data=single_sco(),
        headers={"Content-Type": "application/zip", "Authorization": basic("nobody", "x")},
    )
    assert response.status == 401
    writer = await app[credential_store_key].insert_credential("writer", ["statements/write", "state"])
    headers = {"Authorization": basic(writer.key, writer.secret)}
    response = await scorm.client.post(
        "/scorm/packages", data=single_sco(), headers={"Content-Type": "application/zip", **headers}
    )
    assert response.status == 403
    for path in ("/scorm/packages", "/scorm/packages/any"):
        assert (await scorm.client.get(path, headers=headers)).status == 403


def zip_with(manifest_bytes: bytes | None, **files: bytes) -> bytes:
    members = dict(files)
    if manifest_bytes is not None:
        members["imsmanifest.xml"] = manifest_bytes
    return make_zip(members)


ONE = item("ITEM-1", "RES-1", "Lesson one")
RES = resource("RES-1", "sco/index.html")


@pytest.mark.parametrize(
    "body, content_type, message",
    [
        (b"not a zip at all", "application/zip", "not a readable zip file"),
        (single_sco(), "application/json", "is sent as application/zip"),
        (zip_with(None, **{"sco/index.html": SCO_PAGE}), "application/zip", "imsmanifest.xml is missing"),
        (
            zip_with(b"<manifest><organizations>", **{"sco/index.html": SCO_PAGE}),
            "application/zip",
            "not well-formed XML",
        ),
        (
            zip_with(manifest(ONE, RES, organizations="<organizations/>"), **{"sco/index.html": SCO_PAGE}),
            "application/zip",
            "no <organization>",
        ),
        (
            zip_with(manifest(item("ITEM-1", "RES-9"), RES), **{"sco/index.html": SCO_PAGE}),
            "application/zip",
            "identifierref 'RES-9' names no resource",
        ),
        (
            zip_with(manifest(ONE, RES)),
            "application/zip",
            "the launch file 'sco/index.html' of resource 'RES-1' is missing",
        ),
        (
            zip_with(
                manifest(
                    item(
                        "ITEM-1",
                        "RES-1",
                        extra='<imsss:sequencing xmlns:imsss="http://www.imsglobal.org/xsd/imsss" IDRef="nowhere"/>',
                    ),
                    RES,
                    schemaversion="2004 3rd Edition",
                ),
                **{"sco/index.html": SCO_PAGE},
            ),
            "application/zip",
            "organizations/organization[1]/item[1]/sequencing/@IDRef: 'nowhere' names no sequencing",
        ),
        (zip_with(manifest(ONE, RES), **{"sco/index.html": SCO_PAGE, "../evil.html": b"x"}), "application/zip", "'..'"),
        (
            zip_with(manifest(ONE, RES), **{"sco/index.html": SCO_PAGE, "/etc/evil.html": b"x"}),
            "application/zip",
            "absolute path",
        ),
    ],
)
async def test_broken_packages_get_400_naming_the_problem(scorm, body, content_type, message):
    answer = await scorm.import_package(body, content_type, expect=400)
    assert answer["error"] == "invalid SCORM package"
    assert message in answer["detail"]
    assert (await (await scorm.xapi.get("/scorm/packages")).json())["packages"] == []


async def test_a_package_too_large_to_keep_is_refused_before_anything_is_stored(scorm):
    # Random letters of four (about 4:1 deflated): a run of one letter would be refused sooner, as a zip bomb.
    text = os.urandom(15 * 1024 * 1024).translate(bytes(b"ACGT"[n % 4] for n in range(256))).decode()
    prerequisites = "<adlcp:prerequisites>" + text + "</adlcp:prerequisites>"
    data = zip_with(manifest(item("ITEM-1", "RES-1", extra=prerequisites), RES), **{"sco/index.html": SCO_PAGE})
    answer = await scorm.import_package(data, expect=400)
    assert answer["detail"].startswith("imsmanifest.xml: makes a package record of ")
    assert answer["detail"].endswith("at most 14680064 are accepted")
    assert (await (await scorm.xapi.get("/scorm/packages")).json())["packages"] == []
    assert (await (await scorm.xapi.get("/cmi5/courses")).json())["courses"] == []


async def test_a_zip_bomb_is_refused_before_it_is_inflated(scorm, database):
    # 32 MiB of zeros deflate to about 32 KB: well under the size cap, but no real content does that.
    bomb = zip_with(manifest(ONE, RES), **{"sco/index.html": SCO_PAGE, "media/zeros.bin": bytes(32 << 20)})
    assert len(bomb) < 100_000
    answer = await scorm.import_package(bomb, expect=400)
    assert answer["detail"].startswith("package: member 'media/zeros.bin' inflates from ")
    assert answer["detail"].endswith("more than 200 times its compressed size is refused as a zip bomb")
    assert (await (await scorm.xapi.get("/scorm/packages")).json())["packages"] == []
    assert await database["scorm_content.files"].count_documents({}) == 0


async def test_a_package_zipped_with_its_folder_plays_from_that_folder(scorm, content_origin):
    data = make_zip(
        {
            "Safety Course/imsmanifest.xml": manifest(ONE, RES),
            "Safety Course/sco/index.html": SCO_PAGE,
            "__MACOSX/Safety Course/._imsmanifest.xml": b"\x00\x05\x16\x07",
        }
    )
    package = await scorm.import_package(data)
    assert package["scos"][0]["launch"] == "sco/index.html"
    assert package["warnings"] == ["the package was zipped with its folder 'Safety Course/'; that folder is its root"]
    host = content_origin.split("//", 1)[1]
    response = await scorm.client.get(f"/scorm/content/{package['id']}/sco/index.html", headers={"Host": host})
    assert response.status == 200 and await response.read() == SCO_PAGE


async def test_a_manifest_named_in_another_case_is_read(scorm):
    package = await scorm.import_package(make_zip({"IMSManifest.xml": manifest(ONE, RES), "sco/index.html": SCO_PAGE}))
    assert package["warnings"] == ["the manifest is named 'IMSManifest.xml'; it is read as imsmanifest.xml"]


async def test_a_folder_with_other_files_beside_it_is_not_taken_for_the_root(scorm):
    data = make_zip(
        {"course/imsmanifest.xml": manifest(ONE, RES), "course/sco/index.html": SCO_PAGE, "readme.txt": b"other"}
    )
    answer = await scorm.import_package(data, expect=400)
    assert answer["detail"] == "package: imsmanifest.xml is missing at the root of the zip"


async def test_a_manifest_naming_a_dtd_on_the_network_imports_and_the_dtd_is_never_fetched(scorm, aiohttp_server):
    asked = []

    async def dtd(request):
        asked.append(request.path)
        return web.Response(text='<!ENTITY title "from the network">', content_type="application/xml-dtd")

    server_app = web.Application()
    server_app.router.add_get("/{name}", dtd)
    server = await aiohttp_server(server_app)
    doctype = f'<!DOCTYPE manifest SYSTEM "http://127.0.0.1:{server.port}/imscp_rootv1p1.dtd">\n'.encode()
    data = manifest(ONE, RES).replace(b"?>\n", b"?>\n" + doctype, 1)
    package = await scorm.import_package(zip_with(data, **{"sco/index.html": SCO_PAGE}))
    assert package["scoCount"] == 1 and package["warnings"] == []
    with_entity = data.replace(b"<title>Lesson one</title>", b"<title>&title;</title>")
    answer = await scorm.import_package(zip_with(with_entity, **{"sco/index.html": SCO_PAGE}), expect=400)
    assert "undefined entity &title;" in answer["detail"]
    assert asked == []
