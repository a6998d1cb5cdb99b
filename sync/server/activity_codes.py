"""Signed, rotating activity codes: delegated keys for kiosks, and checking a scanned code.

Per (activity, day, device) the server derives an Ed25519 key from a master secret
(HKDF-SHA256), so nothing per key is stored and a repeated request gets the same key. The
device receives the 32-byte seed and a certificate signed with the active pass-signing key
(`typ` `furusato-activity-key+jwt`) binding the key id and public key to the activity, the day,
the device and the window length. The kiosk signs one code per window with it, offline:

    header  {"alg": "EdDSA", "typ": "furusato-activity+jwt", "kid": "ack-..."}
    payload {"act": <activity id>, "day": "YYYY-MM-DD", "dev": <device id>,
             "nbf": <window start>, "exp": <window end>}

A code is accepted only when its signature verifies with the key derived for exactly those
(act, day, dev), the device is still enabled and may see the activity, the day is the
activity's date and today in Japan, and now is inside [nbf - skew, exp + skew) with
exp - nbf no longer than the window length. A screenshot therefore stops working a window
(plus skew) later, and a code of one day can never count on another.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from sqlmodel import Session, col, select

from sync.server.codes import b64url_decode, b64url_encode
from sync.server.decide import activity_visible
from sync.server.jws import decode_compact, public_jwk, sign_compact
from sync.server.keys import active_signer
from sync.server.passes import ISSUER
from sync.server.settings import NationalSettings
from sync.server.tables import Activity, Device, ServerSecret

CODE_TYPE = "furusato-activity+jwt"
CERTIFICATE_TYPE = "furusato-activity-key+jwt"
JST = timezone(timedelta(hours=9), "JST")
MASTER_SECRET = "activity_code_master"
MAX_CODE_LENGTH = 2048


def venue_day(now: datetime) -> date:
    """The day at the venue: every activity is in Japan (JST, no daylight saving time)."""
    return now.astimezone(JST).date()


def _master(session: Session) -> bytes:
    row = session.get(ServerSecret, MASTER_SECRET)
    if row is None:
        row = ServerSecret(name=MASTER_SECRET, value=b64url_encode(secrets.token_bytes(32)))
        session.add(row)
        session.commit()
    return b64url_decode(row.value)


def derive_code_key(
    session: Session, activity_id: str, day: date, device_id: str
) -> tuple[str, Ed25519PrivateKey]:
    """The key id and key of (activity, day, device): the same every time it is asked for."""
    info = "\0".join(("furusato-activity-code-key/v1", activity_id, day.isoformat(), device_id))
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info.encode()).derive(
        _master(session)
    )
    key = Ed25519PrivateKey.from_private_bytes(seed)
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "ack-" + b64url_encode(hashlib.sha256(raw).digest())[:22], key


def _day_bounds(day: date) -> tuple[int, int]:
    start = datetime.combine(day, time(), JST)
    return int(start.timestamp()), int((start + timedelta(days=1)).timestamp())


def code_key_entry(
    session: Session, activity: Activity, device: Device, settings: NationalSettings, now: datetime
) -> dict[str, Any]:
    """One entry of `GET /v1/activity-code-keys`: the seed (a secret) and its certificate."""
    kid, key = derive_code_key(session, activity.id, activity.date, device.id)
    jwk = public_jwk(key.public_key())
    nbf, exp = _day_bounds(activity.date)
    cert_kid, cert_key = active_signer(session)
    claims = {
        "iss": ISSUER,
        "v": 1,
        "sub": kid,
        "act": activity.id,
        "day": activity.date.isoformat(),
        "dev": device.id,
        "win": settings.code_window_seconds,
        "jwk": {k: jwk[k] for k in ("kty", "crv", "x")},
        "iat": int(now.timestamp()),
        "nbf": nbf,
        "exp": exp,
    }
    header = {"alg": "EdDSA", "typ": CERTIFICATE_TYPE, "kid": cert_kid}
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return {
        "activity_id": activity.id,
        "date": activity.date.isoformat(),
        "device_id": device.id,
        "kid": kid,
        "seed": b64url_encode(seed),
        "certificate": sign_compact(header, claims, cert_key),
    }


def code_keys(
    session: Session,
    device: Device,
    first: date,
    days: int,
    settings: NationalSettings,
    now: datetime,
) -> list[dict[str, Any]]:
    """Keys for every activity the device may see, dated first .. first + days - 1."""
    query = (
        select(Activity)
        .where(col(Activity.date) >= first, col(Activity.date) < first + timedelta(days=days))
        .order_by(col(Activity.date), col(Activity.id))
    )
    rows = [a for a in session.exec(query).all() if activity_visible(a, device)]
    return [code_key_entry(session, a, device, settings, now) for a in rows]


@dataclass(frozen=True)
class CodeCheck:
    """A verified code's activity, or the stable reason it is refused."""

    activity: Activity | None
    reason: str | None


def _refused(reason: str) -> CodeCheck:
    return CodeCheck(None, reason)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 128 else None


def _claims(payload: dict[str, Any]) -> tuple[str, date, str, int, int] | None:
    act, day, dev = (_text(payload.get(k)) for k in ("act", "day", "dev"))
    nbf, exp = payload.get("nbf"), payload.get("exp")
    if act is None or day is None or dev is None or type(nbf) is not int or type(exp) is not int:
        return None
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        return None
    return (act, parsed, dev, nbf, exp) if parsed.isoformat() == day else None


def verify_code(
    session: Session, token: str, now: datetime, settings: NationalSettings
) -> CodeCheck:
    """Check a scanned activity code (see the module docstring for the rules)."""
    decoded = decode_compact(token.strip(), MAX_CODE_LENGTH)
    if decoded is None or decoded.header.get("typ") != CODE_TYPE:
        return _refused("bad_code")
    if decoded.header.get("alg") != "EdDSA":
        return _refused("bad_code")
    claims = _claims(decoded.payload)
    if claims is None:
        return _refused("bad_code")
    act, day, dev, nbf, exp = claims
    if not 0 < exp - nbf <= settings.code_window_seconds:
        return _refused("bad_code")
    kid, key = derive_code_key(session, act, day, dev)
    if decoded.header.get("kid") != kid or not decoded.verifies_with(key.public_key()):
        return _refused("code_bad_signature")
    # Signed by the key of (act, day, dev) from here on.
    device, activity = session.get(Device, dev), session.get(Activity, act)
    if device is None or device.disabled:
        return _refused("code_key_revoked")
    if activity is None:
        return _refused("unknown_activity")
    if not activity_visible(activity, device):
        return _refused("code_key_revoked")  # the device moved to another organisation
    if activity.date != day:  # the activity moved to another day after the key was issued
        return _refused("code_wrong_day")
    if venue_day(now) != day:
        return _refused("code_wrong_day")
    at, skew = now.timestamp(), settings.code_skew_seconds
    if at < nbf - skew:
        return _refused("code_not_yet_valid")
    if at >= exp + skew:
        return _refused("code_expired")
    return CodeCheck(activity, None)


def make_code(
    session: Session, activity_id: str, device_id: str, at: datetime, window_seconds: int = 60
) -> str:
    """The code the device's kiosk shows at `at` (`national-api activity-code`: demo, tests)."""
    activity, device = session.get(Activity, activity_id), session.get(Device, device_id)
    if activity is None or device is None:
        raise ValueError(f"unknown activity {activity_id!r} or device {device_id!r}")
    kid, key = derive_code_key(session, activity.id, activity.date, device.id)
    start = int(at.timestamp()) // window_seconds * window_seconds
    payload = {
        "act": activity.id,
        "day": activity.date.isoformat(),
        "dev": device.id,
        "nbf": start,
        "exp": start + window_seconds,
    }
    return sign_compact({"alg": "EdDSA", "typ": CODE_TYPE, "kid": kid}, payload, key)
