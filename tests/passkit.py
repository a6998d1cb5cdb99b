"""Test-only pass issuer: real Ed25519 keys and real JWS compact passes (§3).

The national system issues passes in production; tests and the corpus generator use this
kit so that every verification in the suite runs against genuine signatures.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def registrant_id(rng: Any = None) -> str:
    pick = (rng or secrets.SystemRandom()).choice
    return "FR" + "".join(pick(CROCKFORD) for _ in range(10))


@dataclass
class SigningKey:
    kid: str
    private: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    def jwk(self) -> dict[str, str]:
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "kid": self.kid, "x": b64url(raw), "use": "sig"}


@dataclass
class PassKit:
    """A signing key set plus helpers to mint passes with any claims or defects."""

    keys: list[SigningKey] = field(default_factory=lambda: [SigningKey("test-2026-a")])

    @property
    def key(self) -> SigningKey:
        return self.keys[0]

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [k.jwk() for k in self.keys]}

    def write_jwks(self, path: Path) -> Path:
        path.write_text(json.dumps(self.jwks()), encoding="utf-8")
        return path

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": "furusato-national",
            "sub": registrant_id(),
            "tier": "premium",
            "mun": ["131016"],
            "iat": now - 60,
            "exp": now + 365 * 86400,
            "jti": secrets.token_hex(8),
            "v": 1,
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(
        self,
        claims: dict[str, Any] | None = None,
        *,
        header: dict[str, Any] | None = None,
        key: SigningKey | None = None,
        **overrides: Any,
    ) -> str:
        key = key or self.key
        body = claims if claims is not None else self.claims(**overrides)
        head = {"alg": "EdDSA", "kid": key.kid, "typ": "furusato-pass+jwt"}
        if header is not None:
            head = header
        signing_input = (
            b64url(json.dumps(head, separators=(",", ":")).encode())
            + "."
            + b64url(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
        )
        signature = key.private.sign(signing_input.encode("ascii"))
        return signing_input + "." + b64url(signature)
