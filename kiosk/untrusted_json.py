"""JSON from outside (a scanned pass, a trust statement, a pulled or provisioned document)
parsed with bounds: the one parser the core uses for text it did not write.

`json.loads` recurses once per nesting level and raises `RecursionError` (not `ValueError`)
at about a thousand levels, so a short crafted string could escape every `except ValueError`
around a parse. Here length and nesting depth are checked before the parser runs; integers
longer than `MAX_INT_DIGITS`, NaN and infinities and repeated object members are refused.
Every failure is an `UntrustedJsonError` (a `ValueError`).
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

MAX_DEPTH = 32  # real documents nest 3-4 levels (a JWKS: object > list > object)
MAX_BYTES = 16 * 1024 * 1024
MAX_INT_DIGITS = 19  # an epoch second or a sequence number; nothing we read is longer
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)  # escapes included
_BRACKETS = re.compile(r"[\[\]{}]")


class UntrustedJsonError(ValueError):
    """The text is not JSON within the bounds this parser accepts; the message says why."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise UntrustedJsonError("number too large")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UntrustedJsonError("number too large")
    return value


def _refuse_constant(name: str) -> Any:
    raise UntrustedJsonError(f"{name} is not JSON")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise UntrustedJsonError(f"member {key!r} repeated")
        out[key] = value
    return out


def nesting_depth(text: str) -> int:
    """The deepest `[`/`{` nesting outside string literals (unbalanced input counts as open)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRINGS.sub("", text)):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        deepest = max(deepest, depth)
    return deepest


def loads(data: str | bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse UTF-8 JSON no longer than `max_bytes` and no deeper than `max_depth`."""
    if len(data) > max_bytes:
        raise UntrustedJsonError(f"JSON longer than {max_bytes} bytes")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise UntrustedJsonError("JSON is not UTF-8") from None
    # Cheap test first: fewer brackets than the limit cannot nest deeper than it.
    if text.count("[") + text.count("{") > max_depth and nesting_depth(text) > max_depth:
        raise UntrustedJsonError(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_members,
        )
    except UntrustedJsonError:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise UntrustedJsonError(f"not JSON: {exc}") from None


def aware_datetime(value: object) -> datetime | None:
    """An ISO 8601 time with its offset from an untrusted document (None: anything else,
    including a time without an offset, which would be read in an unknown zone)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
