"""Offline verification of registrant passes (architecture §3).

A pass is a JWS compact serialization signed with Ed25519. Verification never raises on
bad input: every failure maps to a stable `Reason` the gate can show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from config.localgov import is_valid_code
from kiosk import untrusted_json
from kiosk.jws import b64url_decode
from kiosk.models import PassClaims, Reason, Verification
from kiosk.text import sanitize

PASS_TYPE = "furusato-pass+jwt"
ISSUER = "furusato-national"
MAX_PASS_LENGTH = 4096  # a real pass is ~350 characters; anything far larger is refused unread
_REGISTRANT = re.compile(r"^FR[0-9A-HJKMNP-TV-Z]{10}$")
_JTI = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class TrustListError(ValueError):
    """A JWKS file or document that cannot be used as a trust list."""


def parse_jwks(document: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """Ed25519 keys by kid from a JWKS document; other key types are ignored."""
    keys = document.get("keys")
    if not isinstance(keys, list):
        raise TrustListError("JWKS has no 'keys' list")
    trusted: dict[str, Ed25519PublicKey] = {}
    for jwk in keys:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        kid, x = jwk.get("kid"), jwk.get("x")
        if not isinstance(kid, str) or not isinstance(x, str):
            raise TrustListError("JWKS key without 'kid' or 'x'")
        try:
            trusted[kid] = Ed25519PublicKey.from_public_bytes(b64url_decode(x))
        except ValueError as exc:
            raise TrustListError(f"JWKS key {kid!r} is not a valid Ed25519 key") from exc
    return trusted


def load_jwks_file(path: Path) -> dict[str, Ed25519PublicKey]:
    try:
        document = untrusted_json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrustListError(f"cannot read trust list {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise TrustListError(f"trust list {path} is not a JWKS object")
    return parse_jwks(document)


@dataclass
class Revocations:
    """Revoked pass ids (`jti`) and registrants (`sub`)."""

    jti: set[str] = field(default_factory=set)
    sub: set[str] = field(default_factory=set)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Revocations:
        jti, sub = document.get("jti", []), document.get("sub", [])
        if not isinstance(jti, list) or not isinstance(sub, list):
            raise TrustListError("revocations need 'jti' and 'sub' lists")
        return cls({str(j) for j in jti}, {str(s) for s in sub})

    @classmethod
    def load(cls, path: Path) -> Revocations:
        try:
            document = untrusted_json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TrustListError(f"cannot read revocations {path}: {exc}") from exc
        if not isinstance(document, dict):
            raise TrustListError(f"revocations {path} is not an object")
        return cls.from_document(document)


def _reject(reason: Reason, detail: str = "") -> Verification:
    return Verification(None, reason, sanitize(detail))


class PassVerifier:
    """Verifies pass strings against a trust list, a revocation list and the current time.

    `kiosk.trust_keeper.TrustKeeper` replaces the keys and revocations with those of each
    accepted trust statement (`replace_keys`, `replace_revocations`); the sync worker adds
    revocations pulled unsigned on a device without an anchor pin (`revoke`). Each swaps in a
    new object, so reads see either the old or the new one.
    """

    def __init__(
        self,
        keys: Mapping[str, Ed25519PublicKey],
        revocations: Revocations | None = None,
        *,
        clock_skew_s: int = 300,
    ) -> None:
        self._keys = dict(keys)
        self._revocations = revocations or Revocations()
        self.clock_skew_s = clock_skew_s

    def replace_keys(self, keys: Mapping[str, Ed25519PublicKey]) -> None:
        self._keys = dict(keys)

    def replace_revocations(self, revocations: Revocations) -> None:
        self._revocations = revocations

    def revoke(self, jti: Iterable[str] = (), sub: Iterable[str] = ()) -> None:
        """Add revoked pass ids and registrants (pulled from the API) to those in force."""
        current = self._revocations
        self._revocations = Revocations(current.jti | set(jti), current.sub | set(sub))

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    @property
    def keys(self) -> Mapping[str, Ed25519PublicKey]:
        """The pass keys in force now (a copy)."""
        return dict(self._keys)

    def verify(self, token: str | bytes, now: float) -> Verification:
        """Check encoding, header, signature, issuer, validity window, revocation, claims."""
        if isinstance(token, bytes):
            try:
                token = token.decode("ascii")
            except UnicodeDecodeError:
                return _reject(Reason.BAD_ENCODING, "not ASCII")
        token = token.strip()
        # Not shaped like a pass at all (random QR codes, URLs, typing): malformed. A token
        # shaped like one whose segments do not decode: bad_encoding.
        if len(token) > MAX_PASS_LENGTH:
            return _reject(Reason.MALFORMED, f"{len(token)} characters")
        parts = token.split(".")
        if len(parts) != 3 or not all(parts):
            return _reject(Reason.MALFORMED, "not a JWS compact serialization")
        try:
            header = untrusted_json.loads(b64url_decode(parts[0]))
            payload_bytes = b64url_decode(parts[1])
            signature = b64url_decode(parts[2])
        except ValueError:  # JwsError and UntrustedJsonError are ValueErrors
            return _reject(Reason.BAD_ENCODING, "bad base64url or JSON header")
        if not isinstance(header, dict):
            return _reject(Reason.BAD_ENCODING, "header is not an object")
        if header.get("typ") != PASS_TYPE:
            return _reject(Reason.WRONG_TYPE, f"typ={header.get('typ')!r}")
        if header.get("alg") != "EdDSA":
            return _reject(Reason.UNSUPPORTED_ALG, f"alg={header.get('alg')!r}")
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            return _reject(Reason.UNKNOWN_KEY, f"kid={kid!r}")
        try:
            key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
        except InvalidSignature:
            return _reject(Reason.BAD_SIGNATURE)
        # Signed by a trusted key from here on; the claims can still be malformed.
        try:
            claims = untrusted_json.loads(payload_bytes)
        except (ValueError, UnicodeDecodeError):
            return _reject(Reason.MALFORMED, "payload is not JSON")
        if not isinstance(claims, dict):
            return _reject(Reason.MALFORMED, "payload is not an object")
        return self._check_claims(claims, str(kid), now)

    def _check_claims(self, claims: dict[str, Any], kid: str, now: float) -> Verification:
        if claims.get("iss") != ISSUER:
            return _reject(Reason.WRONG_ISSUER, f"iss={claims.get('iss')!r}")
        parsed = _parse_claims(claims, kid)
        if isinstance(parsed, str):
            return _reject(Reason.MALFORMED, parsed)
        if now > parsed.exp + self.clock_skew_s:
            return _reject(Reason.EXPIRED)
        if now < parsed.iat - self.clock_skew_s:
            return _reject(Reason.NOT_YET_VALID)
        if parsed.jti in self._revocations.jti or parsed.sub in self._revocations.sub:
            return _reject(Reason.REVOKED)
        return Verification(parsed)


def is_registrant_id(value: str) -> bool:
    """`FR` + 10 Crockford base-32 characters, as in a pass's `sub` (§3)."""
    return _REGISTRANT.fullmatch(value) is not None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_claims(claims: dict[str, Any], kid: str) -> PassClaims | str:
    """PassClaims, or a short description of what is malformed."""
    sub, tier, jti = claims.get("sub"), claims.get("tier"), claims.get("jti")
    mun, stay = claims.get("mun"), claims.get("stay", [])
    if claims.get("v") != 1:
        return "unsupported version"
    if not isinstance(sub, str) or not _REGISTRANT.fullmatch(sub):
        return "bad registrant id"
    if tier not in ("basic", "premium"):
        return "bad tier"
    if not isinstance(jti, str) or not _JTI.fullmatch(jti):
        return "bad jti"
    if not _is_int(claims.get("iat")) or not _is_int(claims.get("exp")):
        return "bad iat/exp"
    if claims["exp"] <= claims["iat"]:
        return "exp before iat"
    if not isinstance(mun, list) or not all(is_valid_code(m) for m in mun):
        return "bad municipality code"
    if not isinstance(stay, list) or not all(is_valid_code(s) for s in stay):
        return "bad long-stay code"
    return PassClaims(
        sub=sub,
        tier=tier,
        mun=tuple(mun),
        stay=tuple(stay),
        iat=claims["iat"],
        exp=claims["exp"],
        jti=jti,
        kid=kid,
    )
