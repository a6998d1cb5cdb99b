"""Local government code check (duplicated from kiosk.localgov on purpose: config imports
nothing of ours, so provisioning can validate a file without loading the kiosk)."""

from __future__ import annotations


def valid_local_government_code(code: str) -> bool:
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return False
    s = sum(w * int(d) for w, d in zip((6, 5, 4, 3, 2), code[:5], strict=True))
    return (11 - s % 11) % 10 == int(code[5])


def expected_check_digit(code: str) -> int | None:
    if len(code) < 5 or not code[:5].isdigit():
        return None
    s = sum(w * int(d) for w, d in zip((6, 5, 4, 3, 2), code[:5], strict=True))
    return (11 - s % 11) % 10
