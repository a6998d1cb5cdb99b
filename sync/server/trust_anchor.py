"""The national trust anchor: the Ed25519 key that signs trust statements, and its rotation.

Rotation is two steps, so no kiosk is ever asked to trust a key out of the blue:

1. `announce_anchor` makes a new key (state `next`) and has the current anchor sign an
   announcement of it (`furusato-anchor+jwt`). Statements carry the announcement: kiosks that
   accept one start trusting the next anchor too.
2. `switch_anchor` makes the announced key current and retires the old one (its private key is
   deleted). Statements are then signed by the new anchor and carry the announcement its
   predecessor signed, so a kiosk that missed step 1 still verifies the succession.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlmodel import Session, col, select

from sync.server.codes import b64url_decode, b64url_encode, utc_now
from sync.server.jws import public_jwk, sign_compact
from sync.server.passes import ISSUER
from sync.server.tables import TrustAnchorKey

ANNOUNCEMENT_TYPE = "furusato-anchor+jwt"
CURRENT, NEXT, RETIRED = "current", "next", "retired"


class AnchorError(Exception):
    """An anchor operation that cannot be done now (e.g. switch with nothing announced)."""


@dataclass(frozen=True)
class AnchorInfo:
    current: dict[str, str]  # public JWK with kid = thumbprint
    next: dict[str, str] | None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """What a kiosk pins (`[trust] anchor_file`): the current and any announced anchor."""
        return {"keys": [self.current] + ([self.next] if self.next else [])}


def _new_key(state: str, now: datetime) -> tuple[TrustAnchorKey, Ed25519PrivateKey]:
    private = Ed25519PrivateKey.generate()
    jwk = public_jwk(private.public_key())
    seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    row = TrustAnchorKey(
        kid=jwk["kid"],
        public_x=jwk["x"],
        private_key=b64url_encode(seed),
        state=state,
        created_at=now,
    )
    return row, private


def anchor_jwk(row: TrustAnchorKey) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": row.public_x, "kid": row.kid}


def anchor_signer(row: TrustAnchorKey) -> Ed25519PrivateKey:
    if not row.private_key:
        raise AnchorError(f"anchor {row.kid} is retired: its private key is gone")
    return Ed25519PrivateKey.from_private_bytes(b64url_decode(row.private_key))


def _in_state(session: Session, state: str) -> TrustAnchorKey | None:
    return session.exec(select(TrustAnchorKey).where(col(TrustAnchorKey.state) == state)).first()


def current_anchor(session: Session) -> TrustAnchorKey:
    """The anchor that signs statements now, created on first use."""
    row = _in_state(session, CURRENT)
    if row is None:
        row, _ = _new_key(CURRENT, utc_now())
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


def next_anchor(session: Session) -> TrustAnchorKey | None:
    return _in_state(session, NEXT)


def anchor_info(session: Session) -> AnchorInfo:
    upcoming = next_anchor(session)
    return AnchorInfo(
        anchor_jwk(current_anchor(session)), anchor_jwk(upcoming) if upcoming else None
    )


def announce_anchor(session: Session) -> str:
    """Make the next anchor, announced by (signed by) the current one; its thumbprint."""
    if next_anchor(session) is not None:
        raise AnchorError("an anchor is already announced: switch to it first")
    current = current_anchor(session)
    now = utc_now()
    row, _ = _new_key(NEXT, now)
    payload = {"iss": ISSUER, "v": 1, "iat": int(now.timestamp()), "anchor": anchor_jwk(row)}
    jwk = anchor_jwk(current)
    header = {
        "alg": "EdDSA",
        "typ": ANNOUNCEMENT_TYPE,
        "kid": current.kid,
        "jwk": {k: jwk[k] for k in ("kty", "crv", "x")},  # for kiosks pinned by thumbprint
    }
    row.announcement = sign_compact(header, payload, anchor_signer(current))
    session.add(row)
    session.commit()
    return row.kid


def switch_anchor(session: Session) -> str:
    """Make the announced anchor current; the old one is retired (private key deleted)."""
    upcoming = next_anchor(session)
    if upcoming is None:
        raise AnchorError("no anchor announced: run `national-api anchor announce` first")
    current = current_anchor(session)
    current.state, current.private_key = RETIRED, ""
    upcoming.state = CURRENT
    session.add(current)
    session.add(upcoming)
    session.commit()
    return upcoming.kid
