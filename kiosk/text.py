"""Make untrusted text (anything decoded from a pass or typed into a form) safe to show or log."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (ESC starts ANSI sequences), DEL, and bidi overrides that can reorder text.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]")
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def sanitize(text: str, limit: int = 200) -> str:
    """Strip escape sequences and control characters and cap the length.

    The result is still untrusted: widgets must render it as plain text, never as markup.
    """
    cleaned = _UNSAFE.sub("", _ANSI.sub("", unicodedata.normalize("NFC", text)))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
