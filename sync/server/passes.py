"""Registrant passes (§3): JWS compact, EdDSA/Ed25519, signed and verified here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sync.server.codes import b64url_decode, b64url_encode, is_lg_code, is_registrant_id

ISSUER = "furusato-national"
PASS_TYPE = "furusato-pass+jwt"
TIERS = ("basic", "premium")
CLOCK_SKEW_S = 300


def sign_pass(claims: dict[str, Any], kid: str, key: Ed25519PrivateKey) -> str:
    header = {"alg": "EdDSA", "kid": kid, "typ": PASS_TYPE}
    signing_input = (
        b64url_encode(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url_encode(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    )
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode("ascii")))


@dataclass(frozen=True)
class PassCheck:
    """Outcome of verifying a pass: the claims when valid, else a stable reason code."""

    claims: dict[str, Any] | None
    reason: str | None


def _fail(reason: str) -> PassCheck:
    return PassCheck(None, reason)


def _claims_ok(c: dict[str, Any]) -> bool:
    ints = all(type(c.get(k)) is int for k in ("iat", "exp"))
    mun = c.get("mun")
    stay = c.get("stay", [])
    return (
        ints
        and c.get("v") == 1
        and is_registrant_id(c.get("sub"))
        and c.get("tier") in TIERS
        and isinstance(c.get("jti"), str)
        and 0 < len(c["jti"]) <= 128
        and isinstance(mun, list)
        and all(is_lg_code(m) for m in mun)
        and isinstance(stay, list)
        and all(is_lg_code(m) for m in stay)
    )


def _decode(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting raises the last
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return header, claims, signature, (parts[0] + "." + parts[1]).encode("ascii")


def verify_pass(
    token: str,
    keys: dict[str, Ed25519PublicKey],
    at: datetime,
    *,
    expiry_at: datetime | None = None,
) -> PassCheck:
    """Verify signature, header, issuer, claims and validity at the time ``at`` (aware);
    expiry at ``expiry_at`` when given (the server's bound, sync/server/rules.py)."""
    decoded = _decode(token.strip())
    if decoded is None:
        return _fail("bad_encoding")
    header, claims, signature, signing_input = decoded
    if header.get("typ") != PASS_TYPE:
        return _fail("wrong_type")
    if header.get("alg") != "EdDSA":
        return _fail("unsupported_alg")
    kid = header.get("kid")
    key = keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        return _fail("unknown_key")
    try:
        key.verify(signature, signing_input)
    except InvalidSignature:
        return _fail("bad_signature")
    if claims.get("iss") != ISSUER:
        return _fail("wrong_issuer")
    if not _claims_ok(claims):
        return _fail("malformed")
    now = int(at.timestamp())
    if int((expiry_at or at).timestamp()) >= claims["exp"]:
        return _fail("expired")
    if claims["iat"] > now + CLOCK_SKEW_S:
        return _fail("not_yet_valid")
    return PassCheck(claims, None)
