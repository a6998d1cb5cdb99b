"""Compact JWS helpers for the trust statement, anchor announcements and activity codes.

Passes keep their own fixed-header signer (`sync.server.passes`). Decoding here treats the
input as hostile: length and nesting depth are bounded, and any failure is `None`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sync.server.codes import b64url_decode, b64url_encode

MAX_DEPTH = 8
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def sign_compact(header: dict[str, Any], payload: dict[str, Any], key: Ed25519PrivateKey) -> str:
    signing_input = (
        b64url_encode(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url_encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    )
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode("ascii")))


@dataclass(frozen=True)
class Decoded:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    def verifies_with(self, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(self.signature, self.signing_input)
        except InvalidSignature:
            return False
        return True


def _too_deep(text: str) -> bool:
    depth = 0
    for char in _JSON_STRING.sub("", text):
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _object(segment: str) -> dict[str, Any] | None:
    try:
        text = b64url_decode(segment).decode("utf-8")
        if _too_deep(text):
            return None
        value = json.loads(text)
    except (ValueError, RecursionError):  # bad base64url, UTF-8, JSON or too many digits
        return None
    return value if isinstance(value, dict) else None


def decode_compact(token: str, max_length: int) -> Decoded | None:
    """Header, payload and signature of a compact JWS, or None when it is not one."""
    if len(token) > max_length or not token.isascii():
        return None
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header, payload = _object(parts[0]), _object(parts[1])
    try:
        signature = b64url_decode(parts[2])
    except ValueError:
        return None
    if header is None or payload is None:
        return None
    return Decoded(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 JWK thumbprint (base64url) of an OKP key: over crv, kty and x."""
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":")
    )
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """OKP JWK of a public key with `kid` = its RFC 7638 thumbprint."""
    jwk = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)),
    }
    return {**jwk, "kid": thumbprint(jwk)}
