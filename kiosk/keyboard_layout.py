"""Keyboard-wedge scanners typing with the wrong keyboard settings, and reading them anyway.

A USB scanner does not send characters: it sends key presses, chosen for the keyboard layout the
scanner is set to, and the computer turns them back into characters with *its* layout. Scanners
sold in Japan often ship set to a US keyboard while the kiosk uses the Japanese (JIS) one, or the
reverse, and base64url passes suffer in their symbols: a US-set scanner's `_` arrives as `=` on a
JIS computer; a JIS-set scanner's `_` (the ろ key) arrives as nothing on a US computer. Caps Lock
on swaps the case of every letter, and an input method left in full-width mode (全角英数) types
`ＡＢＣ＿` for `ABC_`.

`typed(mismatch, text)` is what arrives; `corrections(line)` proposes the lines the scanner
meant, for the mismatches whose effect can be undone. The gate verifies them like any pass — an
Ed25519 signature only holds over the exact bytes the national system signed, so a correction can
never turn a wrong line into somebody's pass. `diagnose(line)` compares the scan of the
calibration code (`CALIBRATION`, shown by `kiosk doctor --scanner`) with what each setting would
type. Pure functions, no I/O.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

PASS_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_."
"""Every character a pass can hold: base64url and the dots between the JWS parts."""

CALIBRATION = "FURUSATO-KIOSK.scanner-check." + PASS_ALPHABET
"""The calibration code's text: a marker and every character of `PASS_ALPHABET`."""


class Mismatch(StrEnum):
    """A keyboard setting that makes a scanner type something else than its code holds."""

    US_ON_JIS = "us_on_jis"  # scanner set to a US keyboard, the computer to Japanese (JIS)
    JIS_ON_US = "jis_on_us"  # scanner set to Japanese (JIS), the computer to a US keyboard
    CAPS_LOCK = "caps_lock"  # Caps Lock on: every letter's case swapped
    FULL_WIDTH = "full_width"  # an input method typing full-width characters (全角)


# Each key as (unshifted, shifted) in both layouts, named by USB HID usage: only the keys that
# differ between the two layouts (letters, digits' unshifted, ',', '.', '/' and the space agree).
# "" is a key that types no character in that layout.
_KEYS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    #          US          JIS
    "grave": (("`", "~"), ("", "")),  # JIS: 半角/全角 (switches the input method)
    "2": (("2", "@"), ("2", '"')),
    "6": (("6", "^"), ("6", "&")),
    "7": (("7", "&"), ("7", "'")),
    "8": (("8", "*"), ("8", "(")),
    "9": (("9", "("), ("9", ")")),
    "0": (("0", ")"), ("0", "")),
    "minus": (("-", "_"), ("-", "=")),
    "equal": (("=", "+"), ("^", "~")),
    "left_bracket": (("[", "{"), ("@", "`")),
    "right_bracket": (("]", "}"), ("[", "{")),
    "backslash": (("\\", "|"), ("]", "}")),
    "semicolon": ((";", ":"), (";", "+")),
    "quote": (("'", '"'), (":", "*")),
    "ro": (("", ""), ("\\", "_")),  # JIS only: ろ
    "yen": (("", ""), ("\\", "|")),  # JIS only: ¥ (a backslash in ASCII)
}


def _layout_map(sender: int, receiver: int) -> dict[str, str]:
    """Character the scanner means (set to layout `sender`) -> what the computer types (set to
    layout `receiver`); 0 is US, 1 is JIS. Characters on keys the layouts agree on are absent."""
    mapping: dict[str, str] = {}
    for layouts in _KEYS.values():
        for meant, typed in zip(layouts[sender], layouts[receiver], strict=True):
            if meant and meant not in mapping:
                mapping[meant] = typed
    return {meant: typed for meant, typed in mapping.items() if meant != typed}


_TYPED = {Mismatch.US_ON_JIS: _layout_map(0, 1), Mismatch.JIS_ON_US: _layout_map(1, 0)}
_FULL_WIDTH_OFFSET = 0xFEE0  # '!' (U+0021) .. '~' (U+007E) -> U+FF01 .. U+FF5E


def typed(mismatch: Mismatch, text: str) -> str:
    """What a computer receives when a scanner with `mismatch` types `text`."""
    if mismatch is Mismatch.CAPS_LOCK:
        return "".join(c.swapcase() if c in string.ascii_letters else c for c in text)
    if mismatch is Mismatch.FULL_WIDTH:
        return "".join(chr(ord(c) + _FULL_WIDTH_OFFSET) if "!" <= c <= "~" else c for c in text)
    table = _TYPED[mismatch]
    return "".join(table.get(c, c) for c in text)


def _undo_table(mismatch: Mismatch) -> dict[str, str] | None:
    """Typed character -> the pass character meant, when every pass character that this
    mismatch changes arrives as a distinct character (None: something is lost or ambiguous)."""
    changed = {c: typed(mismatch, c) for c in PASS_ALPHABET if typed(mismatch, c) != c}
    arrived = list(changed.values())
    if "" in arrived or len(set(arrived)) != len(arrived) or set(arrived) & set(PASS_ALPHABET):
        return None
    return {got: meant for meant, got in changed.items()}


RECOVERABLE = tuple(
    m for m in Mismatch if m in (Mismatch.CAPS_LOCK, Mismatch.FULL_WIDTH) or _undo_table(m)
)
"""The mismatches whose typing `corrections` can undo (a JIS-set scanner on a US computer
loses its `_`: no line can be rebuilt from what arrives)."""


def undo(mismatch: Mismatch, line: str) -> str:
    """The line the scanner meant, if it typed `line` with `mismatch` (a recoverable one)."""
    if mismatch is Mismatch.CAPS_LOCK:
        return typed(Mismatch.CAPS_LOCK, line)  # swapping case twice is the identity
    if mismatch is Mismatch.FULL_WIDTH:
        return unicodedata.normalize("NFKC", line)
    table = _undo_table(mismatch) or {}
    return "".join(table.get(c, c) for c in line)


_UNDO_ORDER = (Mismatch.FULL_WIDTH, Mismatch.CAPS_LOCK, Mismatch.US_ON_JIS, Mismatch.JIS_ON_US)
"""Outermost first: an input method widens the characters the layout already changed."""


def corrections(line: str) -> Iterator[tuple[tuple[Mismatch, ...], str]]:
    """Each different line the scanner may have meant: one recoverable mismatch undone, or two
    (Caps Lock on a US-set scanner), each distinct line once, simplest first."""
    seen = {line}
    combos: list[tuple[Mismatch, ...]] = [(m,) for m in RECOVERABLE]
    combos += [(a, b) for i, a in enumerate(RECOVERABLE) for b in RECOVERABLE[i + 1 :]]
    for combo in combos:
        meant = line
        for mismatch in sorted(combo, key=_UNDO_ORDER.index):
            meant = undo(mismatch, meant)
        if meant not in seen:
            seen.add(meant)
            yield combo, meant


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What a scan of `CALIBRATION` says about the scanner's keyboard settings."""

    matches: bool  # the scanner typed the calibration code exactly
    mismatches: tuple[Mismatch, ...] = ()  # the settings that explain what arrived
    differences: tuple[tuple[str, str], ...] = ()  # (meant, arrived) when nothing explains it


def diagnose(line: str) -> Diagnosis:
    """Compare a scanned line with the calibration code and say which settings explain it."""
    line = line.strip("\r\n")
    if line == CALIBRATION:
        return Diagnosis(matches=True)
    singles: list[tuple[Mismatch, ...]] = [(m,) for m in Mismatch]
    pairs = [(a, b) for i, a in enumerate(Mismatch) for b in list(Mismatch)[i + 1 :]]
    for combo in singles + pairs:
        text = CALIBRATION
        for mismatch in combo:
            text = typed(mismatch, text)
        if text == line:
            return Diagnosis(matches=False, mismatches=combo)
    return Diagnosis(matches=False, differences=_differences(CALIBRATION, line))


def _differences(meant: str, arrived: str, limit: int = 8) -> tuple[tuple[str, str], ...]:
    """Up to `limit` (meant, arrived) pieces where the two strings part (difflib opcodes)."""
    from difflib import SequenceMatcher

    pieces = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, meant, arrived, autojunk=False).get_opcodes():
        if tag != "equal":
            pieces.append((meant[i1:i2], arrived[j1:j2]))
    return tuple(pieces[:limit])


NOTE_PREFIX = "scanner keyboard corrected: "
"""How a decision read through a correction is marked in its attempt's detail."""


def attempt_note(mismatches: tuple[Mismatch, ...]) -> str:
    """The attempt detail for a pass read after undoing `mismatches`."""
    return NOTE_PREFIX + "+".join(m.value for m in mismatches)


def parse_note(detail: str) -> tuple[Mismatch, ...]:
    """The mismatches an attempt detail names (empty: none)."""
    if not detail.startswith(NOTE_PREFIX):
        return ()
    names = detail[len(NOTE_PREFIX) :].split(";", 1)[0].strip().split("+")
    known = {m.value for m in Mismatch}
    return tuple(Mismatch(n) for n in names if n in known)
