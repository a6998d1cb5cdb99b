"""Validation of what a volunteer types on the manual-entry screen (no Textual here)."""

from __future__ import annotations

import re
from datetime import datetime

from config.localgov import is_valid_code
from kiosk.clock import JST

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_REGISTRANT = re.compile(rf"^FR[{CROCKFORD}]{{10}}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_registrant(text: str) -> str:
    """Upper-case, drop spaces and hyphens; Crockford reads O as 0 and I/L as 1."""
    raw = re.sub(r"[\s-]", "", text).upper()
    if len(raw) < 2:
        return raw
    body = raw[2:].translate(str.maketrans("OIL", "011"))
    return raw[:2] + body


def valid_registrant(registrant: str) -> bool:
    return bool(_REGISTRANT.match(registrant))


def valid_contact(text: str) -> bool:
    value = text.strip()
    if _EMAIL.match(value):
        return True
    digits = re.sub(r"[\s()+-]", "", value)
    return digits.isascii() and digits.isdigit() and 10 <= len(digits) <= 11


def valid_municipality(code: str) -> bool:
    return is_valid_code(code.strip())


def local_time(at: datetime | str | None) -> str:
    """HH:MM in the machine's local time zone ("" when unknown)."""
    if at is None:
        return ""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return moment.astimezone(JST).strftime("%H:%M")
