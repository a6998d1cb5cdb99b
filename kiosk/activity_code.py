"""Signed, rotating activity codes the kiosk shows for the registrant app (seed 004's main path).

The national server gives an enrolled kiosk, per activity and day, a delegated Ed25519 signing
key (`GET /v1/activity-code-keys`): a 32-byte seed plus a certificate, signed with a national
pass-signing key (`typ` `furusato-activity-key+jwt`), that binds the key to (activity, day,
device) and states the window length. With it the kiosk makes a fresh code for every window
offline, without any network:

    header  {"alg": "EdDSA", "typ": "furusato-activity+jwt", "kid": "<code key id>"}
    payload {"act": "<activity id>", "day": "YYYY-MM-DD", "dev": "<device id>",
             "nbf": <window start>, "exp": <window end>}

Windows are aligned to the epoch (`nbf` = now rounded down to a multiple of the window
length), so a code is the same for a whole window and changes at its end. The server accepts a
code only inside its window (plus a small skew), only on its day, only for the activity the key
was issued for: a screenshot is worthless after a minute, and the next day for sure.

The seed is a secret: keep `ActivityCodeKey.to_secret()` in the secret store
(`config.secrets.activity_code_key_name`), never in the database or a log; `repr` hides it.
Everything here is pure (time comes in as an argument) and never touches the network.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.clock import venue_today
from kiosk.jws import JwsError, b64url_decode, b64url_encode, decode_compact, loads_limited
from kiosk.jws import sign_compact as _sign

CODE_TYPE = "furusato-activity+jwt"
CERTIFICATE_TYPE = "furusato-activity-key+jwt"
ISSUER = "furusato-national"
MIN_WINDOW_S, MAX_WINDOW_S = 10, 3600
MAX_CERTIFICATE_LENGTH = 4096
MAX_ID_LENGTH = 128


class ActivityCodeError(ValueError):
    """Key material that cannot be used, or a code asked for on another day; says why."""


@dataclass(frozen=True)
class ActivityCodeKey:
    """A delegated code-signing key for one activity, day and device."""

    activity_id: str
    day: date
    device_id: str
    kid: str
    window_seconds: int
    certificate: str
    seed: bytes = field(repr=False)  # secret: 32-byte Ed25519 private key

    def to_secret(self) -> str:
        """The form kept in the secret store (JSON text)."""
        return json.dumps(
            {
                "v": 1,
                "activity_id": self.activity_id,
                "date": self.day.isoformat(),
                "device_id": self.device_id,
                "kid": self.kid,
                "window_seconds": self.window_seconds,
                "certificate": self.certificate,
                "seed": b64url_encode(self.seed),
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def from_secret(cls, text: str) -> ActivityCodeKey:
        try:
            doc = loads_limited(text.encode("utf-8"), max_bytes=16 * 1024, max_depth=2)
        except JwsError as exc:
            raise ActivityCodeError(f"stored activity code key: {exc}") from None
        if not isinstance(doc, dict) or doc.get("v") != 1:
            raise ActivityCodeError("stored activity code key: not a version-1 key")
        window = doc.get("window_seconds")
        if type(window) is not int:
            raise ActivityCodeError("stored activity code key: bad window_seconds")
        return _key_from_entry(doc, window)


@dataclass(frozen=True)
class ActivityCode:
    """One window's code: the string to show as a QR code, and when to replace it."""

    token: str
    not_before: int  # epoch seconds
    expires: int  # epoch seconds; show the next window's code from here on


def _text(entry: Mapping[str, Any], name: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_LENGTH or not value.isprintable():
        raise ActivityCodeError(f"activity code key: bad {name}")
    return value


def _key_from_entry(entry: Mapping[str, Any], window: int) -> ActivityCodeKey:
    if not MIN_WINDOW_S <= window <= MAX_WINDOW_S:
        raise ActivityCodeError(f"activity code key: window_seconds {window} out of range")
    try:
        day = date.fromisoformat(_text(entry, "date"))
        seed = b64url_decode(_text(entry, "seed"))
    except ValueError as exc:
        raise ActivityCodeError(f"activity code key: {exc}") from None
    certificate = entry.get("certificate")
    if len(seed) != 32 or not isinstance(certificate, str):
        raise ActivityCodeError("activity code key: seed must be 32 bytes, with a certificate")
    return ActivityCodeKey(
        activity_id=_text(entry, "activity_id"),
        day=day,
        device_id=_text(entry, "device_id"),
        kid=_text(entry, "kid"),
        window_seconds=window,
        certificate=certificate,
        seed=seed,
    )


def _public_x(seed: bytes) -> str:
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return b64url_encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw))


def verify_code_key(
    entry: object, window_seconds: object, pass_keys: Mapping[str, Ed25519PublicKey]
) -> ActivityCodeKey:
    """A key from the server's list, checked against its certificate; ActivityCodeError else.

    The certificate must be signed by a trusted pass-signing key and name the same key id,
    activity, day, device, window length and public key as the seed."""
    if not isinstance(entry, Mapping) or type(window_seconds) is not int:
        raise ActivityCodeError("activity code key: not an object with a window length")
    key = _key_from_entry(entry, window_seconds)
    try:
        cert = decode_compact(key.certificate, max_length=MAX_CERTIFICATE_LENGTH, max_depth=3)
    except JwsError as exc:
        raise ActivityCodeError(f"certificate: {exc}") from None
    header, claims = cert.header, cert.payload
    if header.get("typ") != CERTIFICATE_TYPE or header.get("alg") != "EdDSA":
        raise ActivityCodeError("certificate: wrong typ or alg")
    signer = pass_keys.get(header["kid"]) if isinstance(header.get("kid"), str) else None
    if signer is None or not cert.verifies_with(signer):
        raise ActivityCodeError("certificate: not signed by a trusted national key")
    jwk = claims.get("jwk")
    expected = {
        "iss": ISSUER,
        "v": 1,
        "sub": key.kid,
        "act": key.activity_id,
        "day": key.day.isoformat(),
        "dev": key.device_id,
        "win": key.window_seconds,
    }
    wrong = sorted(name for name, value in expected.items() if claims.get(name) != value)
    if not isinstance(jwk, Mapping) or jwk.get("x") != _public_x(key.seed):
        wrong.append("jwk")
    if wrong:
        raise ActivityCodeError(f"certificate does not match the key: {', '.join(wrong)}")
    return key


def window_bounds(now: float, window_seconds: int) -> tuple[int, int]:
    """The window containing `now`: (start, end) in epoch seconds, aligned to the epoch."""
    start = math.floor(now / window_seconds) * window_seconds
    return start, start + window_seconds


def make_activity_code(key: ActivityCodeKey, now: float) -> ActivityCode:
    """The code for the window containing `now` (epoch seconds, server-corrected if known).

    Raises ActivityCodeError when `now` is not on the key's day at the venue (JST): a kiosk
    never shows a code the server would refuse for its day."""
    today = venue_today(datetime.fromtimestamp(now, UTC))
    if today != key.day:
        raise ActivityCodeError(f"the key is for {key.day.isoformat()}, today is {today}")
    start, end = window_bounds(now, key.window_seconds)
    header = {"alg": "EdDSA", "typ": CODE_TYPE, "kid": key.kid}
    payload = {
        "act": key.activity_id,
        "day": key.day.isoformat(),
        "dev": key.device_id,
        "nbf": start,
        "exp": end,
    }
    token = _sign(header, payload, Ed25519PrivateKey.from_private_bytes(key.seed))
    return ActivityCode(token, start, end)
