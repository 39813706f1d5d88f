"""Signed statements: the JWS in a signature attachment must sign the statement received."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from lrs.errors import InvalidStatement
from lrs.statements.signature import (
    SIGNATURE_USAGE,
    check_signature_attachment,
    logically_equivalent,
    verify_signature,
)

PATH = "attachments[0]"


# --- keys and certificates ---------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key, issuer: str, issuer_key, *, expired: bool = False) -> x509.Certificate:
    now = datetime.now(UTC)
    # An expired certificate must still do: signed statements are meant to outlive their certificates.
    not_after = now - timedelta(days=1) if expired else now + timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - timedelta(days=30))
        .not_valid_after(not_after)
        .sign(issuer_key, hashes.SHA256())
    )


def _x5c(*certs: x509.Certificate) -> list[str]:
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in certs]


@pytest.fixture(scope="module")
def signer_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ca_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def self_signed(signer_key):
    return _certificate("signer", signer_key, "signer", signer_key)


# --- statements ----------------------------------------------------------------------------


@pytest.fixture
def statement() -> dict:
    return {
        "id": "6a4c9a4e-4b52-4b8e-8a4a-2f2d6b0e7c11",
        "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-US": "attended"}},
        "object": {"objectType": "Activity", "id": "http://example.com/meetings/1"},
        "timestamp": "2024-05-01T10:00:00.000Z",
    }


def _sign(payload: dict | str, key, *, alg: str = "RS256", x5c: list[str] | None = None) -> bytes:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    headers = {"x5c": x5c} if x5c is not None else None
    return jwt.PyJWS().encode(body.encode(), key, algorithm=alg, headers=headers).encode()


def _received(statement: dict, jws: bytes) -> dict:
    """The statement as the LRS receives it: the signed one plus its signature attachment."""
    received = copy.deepcopy(statement)
    received["attachments"] = [
        {
            "usageType": SIGNATURE_USAGE,
            "display": {"en-US": "signature"},
            "contentType": "application/octet-stream",
            "length": len(jws),
            "sha2": hashlib.sha256(jws).hexdigest(),
        }
    ]
    return received


def _rejects(statement: dict, jws: bytes, match: str) -> None:
    with pytest.raises(InvalidStatement, match=match) as caught:
        verify_signature(statement, jws, PATH)
    assert caught.value.path == PATH


# --- accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_accepts_every_rsa_algorithm_without_x5c(statement, signer_key, alg):
    jws = _sign(statement, signer_key, alg=alg)
    verify_signature(_received(statement, jws), jws, PATH)


def test_accepts_signature_verified_by_self_signed_x5c(statement, signer_key, self_signed):
    jws = _sign(statement, signer_key, x5c=_x5c(self_signed))
    verify_signature(_received(statement, jws), jws, PATH)


def test_accepts_chain_without_trusted_root_even_when_expired(statement, signer_key, ca_key):
    leaf = _certificate("signer", signer_key, "ca", ca_key, expired=True)
    ca = _certificate("ca", ca_key, "ca", ca_key)
    jws = _sign(statement, signer_key, x5c=_x5c(leaf, ca))
    verify_signature(_received(statement, jws), jws, PATH)


def test_accepts_surrounding_whitespace_and_str(statement, signer_key):
    jws = _sign(statement, signer_key)
    verify_signature(statement, b"\r\n" + jws + b"\r\n", PATH)
    verify_signature(statement, jws.decode(), PATH)


def test_accepts_payload_without_lrs_assigned_properties(statement, signer_key):
    signed = {k: v for k, v in statement.items() if k not in ("id", "timestamp")}
    jws = _sign(signed, signer_key)
    stored = {
        **statement,
        "stored": "2024-05-01T10:00:01.000Z",
        "version": "1.0.0",
        "authority": {"objectType": "Agent", "mbox": "mailto:lrs@example.com"},
    }
    verify_signature(stored, jws, PATH)


def test_accepts_differences_the_spec_tells_to_ignore(statement, signer_key):
    signed = {
        **statement,
        "actor": {
            "objectType": "Group",
            "member": [{"mbox": "mailto:a@EXAMPLE.com"}, {"mbox": "mailto:b@example.com"}],
        },
        "context": {
            "registration": "EC531277-B57B-4C15-8D91-D292C5B2B8F7",
            "contextActivities": {"parent": {"id": "http://example.com/course"}},
        },
        "timestamp": "2024-05-01T12:00:00+02:00",
    }
    received = {
        **statement,
        # Group members in another order, the domain in another case, default objectTypes.
        "actor": {
            "objectType": "Group",
            "member": [
                {"objectType": "Agent", "mbox": "mailto:b@example.com"},
                {"objectType": "Agent", "mbox": "mailto:a@example.com"},
            ],
        },
        "verb": {"id": statement["verb"]["id"], "display": {"fr-FR": "a assisté"}},
        "object": {"id": statement["object"]["id"], "definition": {"name": {"en-US": "Meeting"}}},
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "contextActivities": {"parent": [{"objectType": "Activity", "id": "http://example.com/course"}]},
        },
        # The same instant, serialized in UTC.
        "timestamp": "2024-05-01T10:00:00Z",
    }
    jws = _sign(signed, signer_key)
    verify_signature(received, jws, PATH)


# --- rejected -------------------------------------------------------------------------------


def test_rejects_tampered_payload_when_x5c_present(statement, signer_key, self_signed):
    header, payload, signature = _sign(statement, signer_key, x5c=_x5c(self_signed)).split(b".")
    tampered = {**statement, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    forged_payload = base64.urlsafe_b64encode(json.dumps(tampered).encode()).rstrip(b"=")
    _rejects(tampered, b".".join([header, forged_payload, signature]), "does not verify")


def test_rejects_signature_from_another_key_than_x5c(statement, self_signed):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jws = _sign(statement, other_key, x5c=_x5c(self_signed))
    _rejects(statement, jws, "does not verify")


def test_rejects_broken_chain(statement, signer_key, ca_key):
    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = _certificate("signer", signer_key, "ca", stranger_key)
    ca = _certificate("ca", ca_key, "ca", ca_key)
    jws = _sign(statement, signer_key, x5c=_x5c(leaf, ca))
    _rejects(statement, jws, "not signed by certificate 1")


@pytest.mark.parametrize("x5c", [[], "MIIB", ["not base64!"], [base64.b64encode(b"not a certificate").decode()]])
def test_rejects_unreadable_x5c(statement, signer_key, x5c):
    _rejects(statement, _sign(statement, signer_key, x5c=x5c), "x5c")


def test_rejects_x5c_certificate_without_rsa_key(statement, signer_key):
    ec_key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate("signer", ec_key, "signer", ec_key)
    _rejects(statement, _sign(statement, signer_key, x5c=_x5c(cert)), "RSA key")


def test_rejects_hs256(statement):
    body = json.dumps(statement).encode()
    jws = jwt.PyJWS().encode(body, b"s" * 64, algorithm="HS256").encode()
    _rejects(statement, jws, "algorithm")


def test_rejects_alg_none(statement):
    jws = jwt.PyJWS().encode(json.dumps(statement).encode(), None, algorithm="none").encode()
    _rejects(statement, jws, "algorithm")


def test_rejects_rs256_header_with_empty_signature(statement, signer_key):
    header, payload, _ = _sign(statement, signer_key).split(b".")
    _rejects(statement, header + b"." + payload + b".", "no signature")


def test_rejects_payload_that_is_not_json(statement, signer_key):
    # A single quote where a double quote belongs.
    broken = json.dumps(statement).replace('"', "'", 1)
    _rejects(statement, _sign(broken, signer_key), "not a JSON serialization")


def test_rejects_payload_that_is_json_but_not_an_object(statement, signer_key):
    _rejects(statement, _sign("[1, 2]", signer_key), "not a JSON serialization")


@pytest.mark.parametrize(
    "change",
    [
        {"verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}},
        {"actor": {"mbox": "mailto:Ann@example.com"}},
        {"id": "00000000-0000-4000-8000-000000000000"},
        {"timestamp": "2024-05-01T10:00:01Z"},
        {"result": {"duration": "PT1M"}},
    ],
)
def test_rejects_payload_differing_from_statement(statement, signer_key, change):
    jws = _sign(statement, signer_key)
    _rejects({**statement, **change}, jws, "differs")


@pytest.mark.parametrize("key", ["id", "timestamp"])
def test_rejects_statement_missing_a_property_the_payload_fixes(statement, signer_key, key):
    # The LRS would fill it in with a value other than the signed one.
    jws = _sign(statement, signer_key)
    _rejects({k: v for k, v in statement.items() if k != key}, jws, "differs")


@pytest.mark.parametrize(
    "jws",
    [
        b"",
        b"not a jws",
        b"a.b",
        b"a.b.c.d",
        b"!!!.???.***",
        b'{"payload": "e30", "signatures": []}',
        b"\xff\xfe.\x00.\x01",
    ],
)
def test_rejects_strings_that_are_not_compact_jws(statement, jws):
    _rejects(statement, jws, "JWS")


def test_rejects_detached_payload(statement, signer_key):
    body = json.dumps(statement).encode()
    jws = jwt.PyJWS().encode(body, signer_key, algorithm="RS256", headers={"b64": False}, is_payload_detached=True)
    _rejects(statement, jws.encode(), "attached")


# --- the attachment ---------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/octet-stream", "Application/Octet-Stream; foo=bar"])
def test_accepts_octet_stream_signature_attachment(content_type):
    check_signature_attachment({"usageType": SIGNATURE_USAGE, "contentType": content_type}, PATH)


@pytest.mark.parametrize("content_type", ["text/plain; charset=ascii", "application/jose", None])
def test_rejects_other_content_types(content_type):
    with pytest.raises(InvalidStatement) as caught:
        check_signature_attachment({"usageType": SIGNATURE_USAGE, "contentType": content_type}, PATH)
    assert caught.value.path == f"{PATH}.contentType"


# --- comparison -------------------------------------------------------------------------------


def test_comparison_keeps_duration_as_written(statement):
    # Data 2.3.1 treats result.duration as a string: PT60S is not PT1M for comparison.
    assert not logically_equivalent(
        {**statement, "result": {"duration": "PT60S"}}, {**statement, "result": {"duration": "PT1M"}}
    )


def test_comparison_ignores_precision_below_milliseconds(statement):
    assert logically_equivalent(
        {**statement, "timestamp": "2024-05-01T10:00:00.1234Z"},
        {**statement, "timestamp": "2024-05-01T10:00:00.123Z"},
    )


def test_comparison_checks_substatements(statement):
    sub = {"objectType": "SubStatement", **{k: statement[k] for k in ("actor", "verb", "object")}}
    other = {**sub, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    assert logically_equivalent({**statement, "object": sub}, {**statement, "object": copy.deepcopy(sub)})
    assert not logically_equivalent({**statement, "object": sub}, {**statement, "object": other})


def test_comparison_ignores_duration_precision_beyond_hundredths(statement):
    # 9274.1.1 4.2.7 (a SHOULD* in 1.0.3 Data 4.6): beyond 0.01 s a duration does not count.
    short = {**statement, "result": {"duration": "P1DT12H36M0.12S"}}
    assert logically_equivalent(short, {**statement, "result": {"duration": "P1DT12H36M0.1237S"}})
    assert logically_equivalent(short, {**statement, "result": {"duration": "P1DT12H36M0.120S"}})
    assert not logically_equivalent(short, {**statement, "result": {"duration": "P1DT12H36M0.13S"}})
    assert not logically_equivalent(short, {**statement, "result": {"duration": "P1DT12H37M0.12S"}})


def test_signed_duration_may_be_sent_more_precise_than_it_was_signed(statement, signer_key):
    signed = {**statement, "result": {"duration": "PT0.12S"}}
    jws = _sign(signed, signer_key)
    verify_signature(_received({**statement, "result": {"duration": "PT0.1237S"}}, jws), jws, PATH)


def test_comparison_ignores_case_of_context_agent_mailboxes_and_group_member_order(statement):
    ann, bob = {"mbox": "mailto:ann@example.com"}, {"mbox": "mailto:bob@example.com"}
    context = {
        "contextAgents": [{"objectType": "contextAgent", "agent": ann}],
        "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "member": [ann, bob]}}],
    }
    swapped = {
        "contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:ann@EXAMPLE.com"}}],
        "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "member": [bob, ann]}}],
    }
    assert logically_equivalent({**statement, "context": context}, {**statement, "context": swapped})
    other = {**context, "contextAgents": [{"objectType": "contextAgent", "agent": bob}]}
    assert not logically_equivalent({**statement, "context": context}, {**statement, "context": other})
