"""Test-only national trust anchor: real Ed25519 anchors, statements and announcements.

The reference server issues statements in the e2e tests; unit tests and forgeries use this kit
so every check runs against genuine (or deliberately wrong) signatures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.jws import public_jwk, sign_compact
from kiosk.trust import ANNOUNCEMENT_TYPE, ISSUER, STATEMENT_TYPE
from kiosk.trust_anchor import AnchorPin, TrustState
from tests.passkit import PassKit

NOW = 1_795_000_000


@dataclass
class Anchor:
    private: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def jwk(self) -> dict[str, str]:
        return public_jwk(self.private.public_key())

    @property
    def kid(self) -> str:
        return self.jwk["kid"]

    def pin(self) -> AnchorPin:
        return AnchorPin.from_key(self.private.public_key())

    def state(self, sequence: int = 0) -> TrustState:
        return TrustState((self.pin(),), sequence)

    def announce(self, successor: Anchor, **overrides: Any) -> str:
        claims = {"iss": ISSUER, "v": 1, "iat": NOW, "anchor": successor.jwk, **overrides}
        jwk = self.jwk
        header = {
            "alg": "EdDSA",
            "typ": ANNOUNCEMENT_TYPE,
            "kid": self.kid,
            "jwk": {k: jwk[k] for k in ("kty", "crv", "x")},
        }
        return sign_compact(header, claims, self.private)

    def payload(self, kit: PassKit, seq: int = 1, **overrides: Any) -> dict[str, Any]:
        return {
            "iss": ISSUER,
            "v": 1,
            "seq": seq,
            "iat": NOW - 60,
            "exp": NOW + 7 * 86400,
            "jwks": kit.jwks(),
            "revocations": {"jti": ["lost-1"], "sub": [], "through": "1"},
            **overrides,
        }

    def sign(self, payload: dict[str, Any], **header: Any) -> str:
        jwk = self.jwk
        full = {
            "alg": "EdDSA",
            "typ": STATEMENT_TYPE,
            "kid": self.kid,
            "jwk": {k: jwk[k] for k in ("kty", "crv", "x")},
            **header,
        }
        return sign_compact(full, payload, self.private)

    def statement(self, kit: PassKit, seq: int = 1, **overrides: Any) -> str:
        return self.sign(self.payload(kit, seq, **overrides))
