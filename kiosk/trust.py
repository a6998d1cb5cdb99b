"""Verify a national trust statement: the pass keys and revocations, signed by a pinned anchor.

A statement is a compact JWS (`typ` `furusato-trust+jwt`, `alg` EdDSA, `kid` = the RFC 7638
thumbprint of the anchor that signed it) whose payload is

    {"iss": "furusato-national", "v": 1, "seq": 42, "iat": ..., "exp": ...,
     "jwks": {"keys": [...pass-signing keys...]},
     "revocations": {"jti": [...], "sub": [...], "through": "<revocations cursor>"},
     "anchor_announcement": "<furusato-anchor+jwt>"}          (optional)

`verify_statement` accepts it only when the signature verifies with a trusted anchor, the
sequence is newer than the last accepted one, it has not expired (nor is issued in the future
beyond the clock skew) and it keeps at least one pass key. Anything else is a `Refused` with a
stable reason; whatever the input, nothing raises.

Anchor rotation. An announcement is a small JWS (`typ` `furusato-anchor+jwt`) in which an anchor
names its successor (`{"iss", "v": 1, "iat", "anchor": <JWK with kid>}`). A statement whose
announcement is signed by the statement's own anchor announces the next anchor: accepting it
adds that anchor to the trusted ones. Once the server switches, statements are signed by the new
anchor and carry the announcement its predecessor signed, so a kiosk that never saw the
announcement verifies it with the anchor it pinned. Accepting a statement signed by the new
anchor drops the old one. An anchor nobody trusted announced is refused (`unknown_anchor`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.jws import CompactJws, JwsError, decode_compact, okp_public_key
from kiosk.passes import Revocations, TrustListError, parse_jwks
from kiosk.text import sanitize
from kiosk.trust_anchor import AnchorPin, TrustState, thumbprint_of

STATEMENT_TYPE = "furusato-trust+jwt"
ANNOUNCEMENT_TYPE = "furusato-anchor+jwt"
ISSUER = "furusato-national"
MAX_STATEMENT_LENGTH = 16 * 1024 * 1024  # characters; ~400,000 revocations
MAX_ANNOUNCEMENT_LENGTH = 2048
MAX_EPOCH = 2**40  # about the year 36812: any larger "time" is nonsense
MAX_SEQUENCE = 2**53
MAX_REVOCATION_VALUE = 256


class Refusal(StrEnum):
    """Stable reasons a statement is refused (logged; the last good statement stays in use)."""

    TOO_LARGE = "too_large"
    BAD_ENCODING = "bad_encoding"
    WRONG_TYPE = "wrong_type"
    UNSUPPORTED_ALG = "unsupported_alg"
    UNKNOWN_ANCHOR = "unknown_anchor"
    BAD_SIGNATURE = "bad_signature"
    WRONG_ISSUER = "wrong_issuer"
    MALFORMED = "malformed"
    BAD_ANNOUNCEMENT = "bad_announcement"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    NOT_NEWER = "not_newer"
    NO_KEYS = "no_keys"


@dataclass(frozen=True)
class TrustStatement:
    """The verified content of a statement."""

    sequence: int
    issued_at: int
    expires_at: int
    anchor: str  # thumbprint of the anchor that signed it
    keys: Mapping[str, Ed25519PublicKey]  # pass-signing keys by kid
    jwks: dict[str, Any]  # the JWKS document as signed
    revoked_jti: frozenset[str]
    revoked_sub: frozenset[str]
    revocations_through: str
    next_anchor: str | None  # thumbprint of an announced successor, if any

    def revocations(self) -> Revocations:
        return Revocations(set(self.revoked_jti), set(self.revoked_sub))


@dataclass(frozen=True)
class Accepted:
    statement: TrustStatement
    state: TrustState  # to keep for the next pull


@dataclass(frozen=True)
class Refused:
    reason: Refusal
    detail: str = ""


Outcome = Accepted | Refused


def _refuse(reason: Refusal, detail: str = "") -> Refused:
    return Refused(reason, sanitize(detail))


def _bounded_int(value: object, low: int, high: int) -> int | None:
    """`value` when it is an int (not a bool) within [low, high], else None."""
    return value if type(value) is int and low <= value <= high else None


def _header_ok(jws: CompactJws, typ: str) -> Refused | None:
    if jws.header.get("typ") != typ:
        return _refuse(Refusal.WRONG_TYPE, f"typ={jws.header.get('typ')!r}")
    if jws.header.get("alg") != "EdDSA":
        return _refuse(Refusal.UNSUPPORTED_ALG, f"alg={jws.header.get('alg')!r}")
    if not isinstance(jws.header.get("kid"), str):
        return _refuse(Refusal.UNKNOWN_ANCHOR, "no kid")
    return None


@dataclass(frozen=True)
class _Anchor:
    """A trusted anchor with its key (a pin may lack the key; this never does)."""

    thumbprint: str
    key: Ed25519PublicKey

    def pin(self) -> AnchorPin:
        return AnchorPin(self.thumbprint, self.key)


def _decode_announcement(token: object) -> CompactJws | str:
    if not isinstance(token, str):
        return "announcement is not a string"
    try:
        jws = decode_compact(token, max_length=MAX_ANNOUNCEMENT_LENGTH, max_depth=4)
    except JwsError as exc:
        return f"announcement: {exc}"
    if _header_ok(jws, ANNOUNCEMENT_TYPE) is not None:
        return "announcement has a wrong header"
    return jws


def _announced(jws: CompactJws, signer: Ed25519PublicKey) -> _Anchor | str:
    """The successor an announcement names, when `signer` signed it; else why not."""
    if not jws.verifies_with(signer):
        return "announcement signature does not verify"
    claims, anchor = jws.payload, jws.payload.get("anchor")
    successor = thumbprint_of(anchor)
    if claims.get("iss") != ISSUER or claims.get("v") != 1 or successor is None:
        return "announcement claims are malformed"
    if not isinstance(anchor, dict) or anchor.get("kid", successor) != successor:
        return "announced kid is not the key's thumbprint"
    return _Anchor(successor, okp_public_key(anchor))


def _pinned(jws: CompactJws, state: TrustState) -> _Anchor | None:
    """The pinned anchor that signed `jws` (by its header `kid`), with its key.

    A pin by thumbprint only takes the key from the header's `jwk` when its thumbprint matches."""
    kid = jws.header["kid"]
    pin = state.find(kid)
    if pin is None:
        return None
    if pin.key is not None:
        return _Anchor(kid, pin.key)
    carried = jws.header.get("jwk")
    return _Anchor(kid, okp_public_key(carried)) if thumbprint_of(carried) == kid else None


def _signing_key(jws: CompactJws, state: TrustState) -> _Anchor | Refused:
    """The trusted anchor named by the header: pinned, or announced by a pinned anchor."""
    kid: str = jws.header["kid"]
    pinned = _pinned(jws, state)
    if pinned is not None:
        return pinned
    if state.find(kid) is not None:
        return _refuse(Refusal.UNKNOWN_ANCHOR, "thumbprint pin without a matching header jwk")
    proof = _decode_announcement(jws.payload.get("anchor_announcement"))
    if isinstance(proof, CompactJws):
        announcer = _pinned(proof, state)
        if announcer is not None:
            successor = _announced(proof, announcer.key)
            if isinstance(successor, _Anchor) and successor.thumbprint == kid:
                return successor
    return _refuse(Refusal.UNKNOWN_ANCHOR, f"anchor {kid!r} is neither pinned nor announced")


def _strings(value: object) -> frozenset[str] | None:
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) and 0 < len(v) <= MAX_REVOCATION_VALUE for v in value):
        return None
    return frozenset(value)


def _content(claims: dict[str, Any], anchor: str, next_anchor: str | None) -> TrustStatement | str:
    """The statement's content, or what is malformed about it."""
    if claims.get("v") != 1:
        return "unsupported version"
    seq = _bounded_int(claims.get("seq"), 1, MAX_SEQUENCE)
    iat = _bounded_int(claims.get("iat"), 0, MAX_EPOCH)
    exp = _bounded_int(claims.get("exp"), 0, MAX_EPOCH)
    if seq is None:
        return "bad seq"
    if iat is None or exp is None or exp <= iat:
        return "bad iat/exp"
    jwks, revocations = claims.get("jwks"), claims.get("revocations")
    if not isinstance(jwks, dict) or not isinstance(revocations, dict):
        return "jwks and revocations must be objects"
    try:
        keys = parse_jwks(jwks)
    except TrustListError as exc:
        return str(exc)
    jti, sub = _strings(revocations.get("jti")), _strings(revocations.get("sub"))
    through = revocations.get("through")
    if jti is None or sub is None or not isinstance(through, str) or len(through) > 64:
        return "revocations need jti and sub lists of strings and a through cursor"
    return TrustStatement(
        sequence=seq,
        issued_at=iat,
        expires_at=exp,
        anchor=anchor,
        keys=keys,
        jwks=jwks,
        revoked_jti=jti,
        revoked_sub=sub,
        revocations_through=through,
        next_anchor=next_anchor,
    )


def _verified(token: str, state: TrustState) -> tuple[CompactJws, _Anchor] | Refused:
    """Decode, check the header and the signature against the trusted anchors."""
    if len(token) > MAX_STATEMENT_LENGTH:
        return _refuse(Refusal.TOO_LARGE, f"{len(token)} characters")
    try:
        jws = decode_compact(token.strip(), max_length=MAX_STATEMENT_LENGTH)
    except JwsError as exc:
        return _refuse(Refusal.BAD_ENCODING, str(exc))
    bad_header = _header_ok(jws, STATEMENT_TYPE)
    if bad_header is not None:
        return bad_header
    signer = _signing_key(jws, state)
    if isinstance(signer, Refused):
        return signer
    if not jws.verifies_with(signer.key):
        return _refuse(Refusal.BAD_SIGNATURE)
    if jws.payload.get("iss") != ISSUER:
        return _refuse(Refusal.WRONG_ISSUER, f"iss={jws.payload.get('iss')!r}")
    return jws, signer


def _successor(jws: CompactJws, signer: _Anchor) -> _Anchor | Refused | None:
    """The anchor this statement announces: one its own anchor signed an announcement of.

    An announcement signed by another anchor is this anchor's own succession proof (for kiosks
    that missed the announcement; see `_signing_key`) and announces nothing further."""
    token = jws.payload.get("anchor_announcement")
    if token is None:
        return None
    proof = _decode_announcement(token)
    if isinstance(proof, str):
        return _refuse(Refusal.BAD_ANNOUNCEMENT, proof)
    if proof.header["kid"] != signer.thumbprint:
        return None
    successor = _announced(proof, signer.key)
    if isinstance(successor, str):
        return _refuse(Refusal.BAD_ANNOUNCEMENT, successor)
    return None if successor.thumbprint == signer.thumbprint else successor


@dataclass(frozen=True)
class _Read:
    content: TrustStatement
    signer: _Anchor
    successor: _Anchor | None

    def state(self) -> TrustState:
        anchors = [self.signer.pin()]
        if self.successor is not None:
            anchors.append(self.successor.pin())
        return TrustState(tuple(anchors), self.content.sequence)


def _read(token: str, state: TrustState) -> _Read | Refused:
    """Signature, header, issuer, announcement and content; never raises."""
    try:
        checked = _verified(token, state)
        if isinstance(checked, Refused):
            return checked
        jws, signer = checked
        successor = _successor(jws, signer)
        if isinstance(successor, Refused):
            return successor
        next_kid = None if successor is None else successor.thumbprint
        content = _content(jws.payload, signer.thumbprint, next_kid)
    except (ValueError, TypeError) as exc:  # a shape no check foresaw: still a refusal
        return _refuse(Refusal.MALFORMED, f"{type(exc).__name__}: {exc}")
    if isinstance(content, str):
        return _refuse(Refusal.MALFORMED, content)
    return _Read(content, signer, successor)


def verify_statement(
    token: str, state: TrustState, now: float, *, clock_skew_s: int = 300
) -> Outcome:
    """Accept a statement (with the state to keep for next time) or refuse it with a reason."""
    read = _read(token, state)
    if isinstance(read, Refused):
        return read
    content = read.content
    if now >= content.expires_at:
        return _refuse(Refusal.EXPIRED, f"expired at {content.expires_at}")
    if content.issued_at > now + clock_skew_s:
        return _refuse(Refusal.NOT_YET_VALID, f"issued at {content.issued_at}")
    if content.sequence <= state.sequence:
        return _refuse(
            Refusal.NOT_NEWER, f"sequence {content.sequence} <= accepted {state.sequence}"
        )
    if not content.keys:
        return _refuse(Refusal.NO_KEYS, "the statement lists no Ed25519 pass key")
    return Accepted(content, read.state())


def reload_statement(token: str, state: TrustState) -> TrustStatement | Refused:
    """The content of the statement accepted last (kept on disk), re-checked at start-up.

    Its signature must verify with an anchor of `state` (the state saved with it) and its
    sequence must be the saved one; its expiry is not checked: the gate keeps verifying with
    the last good list, however old, until a newer statement is accepted.
    """
    read = _read(token, state)
    if isinstance(read, Refused):
        return read
    if read.content.sequence != state.sequence:
        return _refuse(Refusal.NOT_NEWER, f"sequence {read.content.sequence} is not the saved one")
    return read.content
