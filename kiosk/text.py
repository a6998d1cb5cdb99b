"""Make untrusted text (a decoded pass, an API field, anything typed into a form) safe to show
or log: the one place that decides which characters may reach a terminal."""

from __future__ import annotations

import re
import unicodedata

# Escape sequences are removed whole (CSI, OSC up to BEL/ST, two-character ESC forms), so
# their parameters do not survive as visible debris.
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
# Characters that are never text a person should see: controls (Cc: C0, DEL, C1), format
# characters (Cf: bidi embeddings/overrides/isolates, the Arabic letter mark U+061C,
# zero-width characters, BOM), line/paragraph separators (Zl/Zp: U+2028/U+2029 end a line in
# some terminals and logs), surrogates and private-use characters.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})
_PLAIN = re.compile(r"[ -~]*")  # printable ASCII: nothing to remove
_LOG_LAYOUT = frozenset("\n\t")


def strip_unsafe(text: str, *, keep_newlines: bool = False) -> str:
    """`text` without escape sequences and unsafe characters (see `UNSAFE_CATEGORIES`).

    `keep_newlines` keeps line feeds and tabs (multi-line log records such as tracebacks)."""
    if _PLAIN.fullmatch(text):
        return text
    keep = _LOG_LAYOUT if keep_newlines else frozenset()
    return "".join(
        ch
        for ch in _ANSI.sub("", text)
        if ch in keep or unicodedata.category(ch) not in UNSAFE_CATEGORIES
    )


def sanitize(text: str, limit: int = 200) -> str:
    """Strip escape sequences and unsafe characters, normalise to NFC and cap the length.

    The result is still untrusted: widgets must render it as plain text, never as markup.
    """
    cleaned = strip_unsafe(unicodedata.normalize("NFC", text))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
