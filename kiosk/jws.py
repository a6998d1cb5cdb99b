"""Compact JWS (RFC 7515) pieces shared by registrant passes, the national trust statement
and activity codes.

Everything here treats its input as hostile: base64url is decoded strictly and JSON goes
through `kiosk.untrusted_json` (length and nesting limits, no huge numbers, no repeated
members). Failures raise `JwsError` (a ValueError); callers map it to their own stable reason
codes. No network, no Textual.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk import untrusted_json

MAX_DEPTH = 16
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class JwsError(ValueError):
    """A token, segment or JSON text that cannot be used; the message says why."""


@dataclass(frozen=True)
class CompactJws:
    """A decoded (not yet verified) compact JWS."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    def verifies_with(self, key: Ed25519PublicKey) -> bool:
        from cryptography.exceptions import InvalidSignature

        try:
            key.verify(self.signature, self.signing_input)
        except InvalidSignature:
            return False
        return True


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str) -> bytes:
    """Canonical unpadded base64url only: no padding, whitespace, standard alphabet, or unused
    trailing bits set (so a token has exactly one spelling)."""
    if _B64URL.fullmatch(segment) is None or len(segment) % 4 == 1:
        raise JwsError("not base64url")
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    tail = len(raw) % 3 or 3  # the last quantum: where unused bits could hide
    if raw and not segment.endswith(b64url_encode(raw[-tail:])):
        raise JwsError("not canonical base64url")
    return raw


def loads_limited(data: bytes, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """`untrusted_json.loads` with its failures as `JwsError`."""
    try:
        return untrusted_json.loads(data, max_bytes=max_bytes, max_depth=max_depth)
    except untrusted_json.UntrustedJsonError as exc:
        raise JwsError(str(exc)) from None


def decode_compact(token: str, *, max_length: int, max_depth: int = MAX_DEPTH) -> CompactJws:
    """Split and decode a compact JWS whose header and payload are JSON objects."""
    if len(token) > max_length:
        raise JwsError(f"token longer than {max_length} characters")
    if not token.isascii():
        raise JwsError("token is not ASCII")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise JwsError("not a compact JWS (three non-empty segments)")
    header = loads_limited(b64url_decode(parts[0]), max_bytes=4096, max_depth=4)
    payload = loads_limited(b64url_decode(parts[1]), max_bytes=max_length, max_depth=max_depth)
    signature = b64url_decode(parts[2])
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise JwsError("header and payload must be JSON objects")
    return CompactJws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def sign_compact(
    header: Mapping[str, Any], payload: Mapping[str, Any], key: Ed25519PrivateKey
) -> str:
    """EdDSA compact JWS over compact JSON (used by tests and by activity codes)."""
    signing_input = (
        b64url_encode(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url_encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    )
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode("ascii")))


def okp_public_key(jwk: object) -> Ed25519PublicKey:
    """The Ed25519 public key of an OKP JWK (RFC 8037); JwsError for anything else."""
    if not isinstance(jwk, Mapping) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise JwsError("not an OKP/Ed25519 JWK")
    x = jwk.get("x")
    if not isinstance(x, str):
        raise JwsError("JWK without 'x'")
    raw = b64url_decode(x)
    if len(raw) != 32:
        raise JwsError("Ed25519 public key must be 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The OKP JWK of a public key, with `kid` set to its RFC 7638 thumbprint."""
    x = b64url_encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": x}
    return {**jwk, "kid": jwk_thumbprint(jwk)}


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint (base64url) of an OKP JWK: over {"crv","kty","x"} only."""
    required = {"crv": jwk.get("crv"), "kty": jwk.get("kty"), "x": jwk.get("x")}
    if not all(isinstance(v, str) for v in required.values()):
        raise JwsError("JWK needs string crv, kty and x for a thumbprint")
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return b64url_encode(hashlib.sha256(canonical).digest())


def key_thumbprint(key: Ed25519PublicKey) -> str:
    return public_jwk(key)["kid"]
