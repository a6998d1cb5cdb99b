"""Japanese local government codes (全国地方公共団体コード): 6 digits, the last a check digit.

The one implementation for the whole kiosk: config validation, pass verification and the UI
forms all call these. (The reference server keeps its own copy: it imports no client code.)"""

from __future__ import annotations


def check_digit(first_five: str) -> int:
    """s = 6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5; check = (11 − s mod 11) mod 10."""
    s = sum(weight * int(d) for weight, d in zip((6, 5, 4, 3, 2), first_five, strict=True))
    return (11 - s % 11) % 10


def is_valid_code(code: object) -> bool:
    return (
        isinstance(code, str)
        and len(code) == 6
        and code.isascii()
        and code.isdigit()
        and check_digit(code[:5]) == int(code[5])
    )


def expected_check_digit(code: str) -> int | None:
    """The check digit a code's first five digits call for (None when they are not digits)."""
    if len(code) < 5 or not code[:5].isdigit():
        return None
    return check_digit(code[:5])
