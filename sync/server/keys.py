"""Ed25519 pass-signing keys kept in the database, and the JWKS built from them."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from sqlmodel import Session, col, select

from sync.server.codes import b64url_decode, b64url_encode, utc_now
from sync.server.tables import SigningKey


class KeyOperationError(Exception):
    """A key operation that cannot be done (e.g. removing the active key)."""


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    created_at: str
    active: bool


def _private(row: SigningKey) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(b64url_decode(row.private_key))


def public_jwk(row: SigningKey) -> dict[str, str]:
    raw = _private(row).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "kid": row.kid, "x": b64url_encode(raw), "use": "sig"}


def rotate_key(session: Session, kid: str | None = None) -> str:
    """Create a new signing key and make it the active one; older keys still verify."""
    now = utc_now()
    kid = kid or f"fn-{now:%Y%m%d}-{secrets.token_hex(3)}"
    if session.get(SigningKey, kid) is not None:
        raise KeyOperationError(f"key {kid} already exists")
    for row in session.exec(select(SigningKey).where(col(SigningKey.active))):
        row.active = False
        session.add(row)
    seed = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    session.add(SigningKey(kid=kid, private_key=b64url_encode(seed), created_at=now, active=True))
    session.commit()
    return kid


def ensure_signing_key(session: Session) -> str:
    """The active key id, creating a first key when the database has none."""
    row = session.exec(select(SigningKey).where(col(SigningKey.active))).first()
    return row.kid if row is not None else rotate_key(session)


def list_keys(session: Session) -> list[KeyInfo]:
    rows = session.exec(select(SigningKey).order_by(col(SigningKey.created_at))).all()
    return [KeyInfo(r.kid, r.created_at.isoformat(), r.active) for r in rows]


def remove_key(session: Session, kid: str) -> None:
    """Remove a key: passes signed with it stop verifying. The active key cannot be removed."""
    row = session.get(SigningKey, kid)
    if row is None:
        raise KeyOperationError(f"no key {kid}")
    if row.active:
        raise KeyOperationError(f"key {kid} is the active signing key; rotate first")
    session.delete(row)
    session.commit()


def active_signer(session: Session, kid: str | None = None) -> tuple[str, Ed25519PrivateKey]:
    """The key to sign with: the given kid, or the active key (created when missing)."""
    kid = kid or ensure_signing_key(session)
    row = session.get(SigningKey, kid)
    if row is None:
        raise KeyOperationError(f"no key {kid}")
    return row.kid, _private(row)


def public_keys(session: Session) -> dict[str, Ed25519PublicKey]:
    rows = session.exec(select(SigningKey)).all()
    return {r.kid: _private(r).public_key() for r in rows}


def jwks(session: Session) -> dict[str, list[dict[str, str]]]:
    rows = session.exec(select(SigningKey).order_by(col(SigningKey.created_at))).all()
    return {"keys": [public_jwk(r) for r in rows]}


def jwks_etag(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return '"' + hashlib.sha256(canonical).hexdigest()[:32] + '"'
