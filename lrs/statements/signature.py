"""Signed statements (xAPI Data 2.6): checking the JWS carried in a signature attachment.

A client signs a statement by putting a JWS of it in an attachment whose usageType is
`SIGNATURE_USAGE`; the JWS itself arrives as a raw part of the multipart/mixed request.
The LRS only has to catch malformed or mistaken signatures (400), not decide whether
the signer is trusted, so:

* the JWS must be in compact serialization and use one of `ALLOWED_ALGORITHMS`;
* its payload must be a JSON statement logically equivalent to the received one;
* when the header carries an `x5c` chain, the signature must verify with the first
  certificate's key and every certificate must be signed by the next one. Without
  `x5c` there is no key to check against, so only the structure above is checked.

Everything here is pure: no I/O, no database, no clock.
"""

from __future__ import annotations

import base64
import binascii
import json
import warnings
from itertools import pairwise
from typing import Any

import jwt
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from lrs.errors import InvalidStatement
from lrs.statements.compare import logically_equivalent

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_CONTENT_TYPE = "application/octet-stream"
ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512")

# A PyJWS that knows only the RSA algorithms, so nothing else can ever be used to verify.
_JWS = jwt.PyJWS(algorithms=list(ALLOWED_ALGORITHMS))


# --- the signature attachment ------------------------------------------------------------


def check_signature_attachment(attachment: dict[str, Any], path: str) -> None:
    """Reject signature attachment metadata that cannot carry a JWS as Data 2.6 requires.

    `path` names the attachment, e.g. `attachments[0]`.
    """
    content_type = attachment.get("contentType")
    # Media types are case-insensitive and may carry parameters; only the type itself matters.
    media_type = content_type.split(";", 1)[0].strip().lower() if isinstance(content_type, str) else None
    if media_type != SIGNATURE_CONTENT_TYPE:
        raise InvalidStatement(
            f"{path}.contentType", f"a signature attachment must have contentType {SIGNATURE_CONTENT_TYPE}"
        )


# --- the JWS ----------------------------------------------------------------------------


def verify_signature(statement: dict[str, Any], jws: bytes, path: str) -> None:
    """Raise `InvalidStatement(path, ...)` unless `jws` is a well-formed signature of `statement`.

    `statement` is the statement as received; it may already carry what the LRS fills
    in (`stored`, `authority`, an assigned `id`...), which the comparison allows for.
    `jws` is the raw body of the signature attachment's part.
    """
    token = _compact_token(jws, path)
    header = _header(token, path)
    key = _signing_key(header, path)
    payload = _payload(token, header["alg"], key, path)
    signed = _signed_statement(payload, path)
    if not logically_equivalent(signed, statement):
        raise InvalidStatement(path, "the signed statement in the JWS payload differs from the statement received")


def _compact_token(jws: bytes | str, path: str) -> bytes:
    if isinstance(jws, str):
        jws = jws.encode("utf-8")
    # Multipart parsers differ on whether the line break before the boundary is kept;
    # a compact JWS never contains whitespace, so trimming it loses nothing.
    token = jws.strip()
    # Compact form is exactly header.payload.signature. The JSON serialization is not
    # supported on purpose: Data 2.6 discourages it and announces it will be forbidden.
    if token.count(b".") != 2:
        raise InvalidStatement(path, "the signature is not a JWS in compact serialization")
    return token


def _header(token: bytes, path: str) -> dict[str, Any]:
    try:
        header = _JWS.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidStatement(path, f"the JWS cannot be decoded: {exc}") from None
    if header.get("alg") not in ALLOWED_ALGORITHMS:
        raise InvalidStatement(path, f"the JWS algorithm must be one of {', '.join(ALLOWED_ALGORITHMS)}")
    # An unencoded or detached payload (RFC 7797) would leave nothing to compare.
    if header.get("b64", True) is not True:
        raise InvalidStatement(path, "the JWS payload must be base64url-encoded and attached")
    return header


def _signing_key(header: dict[str, Any], path: str) -> rsa.RSAPublicKey | None:
    """The key of the first `x5c` certificate, after checking the chain; None without `x5c`."""
    if "x5c" not in header:
        return None
    chain = _certificate_chain(header["x5c"], path)
    for position, (cert, issuer) in enumerate(pairwise(chain)):
        if not _issued_by(cert, issuer):
            raise InvalidStatement(path, f"x5c certificate {position} is not signed by certificate {position + 1}")
    key = chain[0].public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidStatement(path, "the x5c signing certificate must hold an RSA key for an RS* algorithm")
    return key


def _certificate_chain(x5c: object, path: str) -> list[x509.Certificate]:
    # RFC 7515 4.1.6: a non-empty array of base64 (not base64url) DER certificates.
    if not isinstance(x5c, list) or not x5c or not all(isinstance(c, str) for c in x5c):
        raise InvalidStatement(path, "the JWS x5c header must be a non-empty array of certificates")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c]
    except (binascii.Error, ValueError):
        raise InvalidStatement(path, "the JWS x5c header holds a certificate that cannot be read") from None


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether `issuer` signed `cert`.

    Only the links of the chain are checked: there is no trust anchor (trust is left to
    the LRS operator by xAPI) and no validity period, because a signed statement is
    meant to stay checkable long after its certificate expires.
    """
    if cert.issuer != issuer.subject:
        return False
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            # Done by hand because `verify_directly_issued_by` refuses SHA-1, which older
            # certificates (including the spec's own example chain) are signed with.
            scheme, digest = cert.signature_algorithm_parameters, cert.signature_hash_algorithm
            if not isinstance(scheme, (padding.PKCS1v15, padding.PSS)) or digest is None:
                return False  # not an RSA signature: this issuer did not make it
            key.verify(cert.signature, cert.tbs_certificate_bytes, scheme, digest)
        else:
            cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _payload(token: bytes, alg: str, key: rsa.RSAPublicKey | None, path: str) -> bytes:
    if key is None:
        decoded = _decode(token, path, options={"verify_signature": False})
        # Nothing to verify against, but an RSA signature is never empty.
        if not decoded["signature"]:
            raise InvalidStatement(path, "the JWS has no signature")
        payload: bytes = decoded["payload"]
        return payload
    verified: bytes = _decode(token, path, key=key, algorithms=[alg])["payload"]
    return verified


def _decode(token: bytes, path: str, **kwargs: Any) -> dict[str, Any]:
    try:
        with warnings.catch_warnings():
            # xAPI sets no minimum RSA key size (the spec's example key is 1024 bits),
            # and these checks catch mistakes rather than provide security.
            warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
            return _JWS.decode_complete(token, **kwargs)
    except jwt.InvalidSignatureError:
        raise InvalidStatement(path, "the JWS signature does not verify with the x5c certificate") from None
    except jwt.PyJWTError as exc:
        raise InvalidStatement(path, f"the JWS cannot be decoded: {exc}") from None


def _signed_statement(payload: bytes, path: str) -> dict[str, Any]:
    try:
        signed = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        raise InvalidStatement(path, "the JWS payload is not a JSON serialization of a statement") from None
    if not isinstance(signed, dict):
        raise InvalidStatement(path, "the JWS payload is not a JSON serialization of a statement")
    return signed
