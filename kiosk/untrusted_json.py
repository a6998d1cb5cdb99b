"""JSON from outside (a scanned pass, an API response, a pulled document) parsed with bounds.

`json.loads` recurses once per nesting level and raises `RecursionError` (not `ValueError`)
at about a thousand levels, so a short crafted string could escape every `except ValueError`
around a parse. Here nesting depth and length are checked before the parser runs, and every
failure is an `UntrustedJsonError` (a `ValueError`).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32  # real documents nest 3-4 levels (a JWKS: object > list > object)
MAX_LENGTH = 16 * 1024 * 1024
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


class UntrustedJsonError(ValueError):
    """The text is not JSON within the bounds this parser accepts."""


def _reject_constant(name: str) -> Any:
    raise UntrustedJsonError(f"{name} is not JSON")


def nesting_depth(text: str) -> int:
    """The deepest `[`/`{` nesting outside string literals (unbalanced input counts as open)."""
    depth = deepest = 0
    for ch in _STRINGS.sub("", text):
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
    return deepest


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH, max_length: int = MAX_LENGTH) -> Any:
    """`json.loads` that refuses deep nesting, oversized input, NaN/Infinity and huge ints."""
    if len(data) > max_length:
        raise UntrustedJsonError(f"{len(data)} bytes is over the {max_length}-byte limit")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise UntrustedJsonError("not UTF-8") from exc
    # Cheap test first: fewer brackets than the limit cannot nest deeper than it.
    if text.count("[") + text.count("{") > max_depth and nesting_depth(text) > max_depth:
        raise UntrustedJsonError(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except UntrustedJsonError:
        raise
    except (ValueError, RecursionError) as exc:  # ValueError covers ints over 4,300 digits
        raise UntrustedJsonError(str(exc)) from exc
