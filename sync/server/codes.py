"""Identifier formats of the contract: registrant ids, local government codes, base64url."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import UTC, datetime

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REGISTRANT_RE = re.compile(r"^FR[0-9A-HJKMNP-TV-Z]{10}$")
LG_CODE_RE = re.compile(r"^[0-9]{6}$")


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; raises ValueError on anything else."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_registrant_id() -> str:
    """A fresh registrant id: ``FR`` + 10 Crockford base32 characters."""
    return "FR" + "".join(secrets.choice(CROCKFORD) for _ in range(10))


def is_registrant_id(value: object) -> bool:
    return isinstance(value, str) and REGISTRANT_RE.fullmatch(value) is not None


def lg_check_digit(first_five: str) -> int:
    """Check digit of a local government code: s = 6d1+5d2+4d3+3d4+2d5, (11 - s mod 11) mod 10."""
    s = sum(w * int(d) for w, d in zip((6, 5, 4, 3, 2), first_five, strict=True))
    return (11 - s % 11) % 10


def is_lg_code(value: object) -> bool:
    """True for a 6-digit local government code whose check digit is right."""
    if not isinstance(value, str) or LG_CODE_RE.fullmatch(value) is None:
        return False
    return lg_check_digit(value[:5]) == int(value[5])


def require_lg_code(value: str) -> str:
    if not is_lg_code(value):
        raise ValueError(f"not a local government code with a valid check digit: {value!r}")
    return value
