"""Cell and byte-level safety shared by every export: formula injection, Excel-friendly
encodings, and display widths for the plain-text summary."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kiosk.text import sanitize

ENCODINGS = ("utf-8-sig", "cp932")
REPLACEMENT = "〓"  # GETA MARK: the customary Japanese stand-in for a character a font lacks
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

# Characters whose usual Unicode form is missing from cp932 but which have an equivalent there
# (Shift_JIS round-trip differences); mapping them avoids needless replacement marks.
_CP932_EQUIVALENTS = str.maketrans(
    {
        "\u301c": "\uff5e",  # WAVE DASH → FULLWIDTH TILDE
        "\u2016": "\u2225",  # DOUBLE VERTICAL LINE → PARALLEL TO
        "\u2212": "\uff0d",  # MINUS SIGN → FULLWIDTH HYPHEN-MINUS
        "\u2014": "\u2015",  # EM DASH → HORIZONTAL BAR
        "\u00a2": "\uffe0",  # CENT SIGN
        "\u00a3": "\uffe1",  # POUND SIGN
        "\u00ac": "\uffe2",  # NOT SIGN
    }
)


def neutralise(value: object) -> str:
    """Text for one CSV cell: controls stripped, formulas defused with a leading apostrophe.

    Spreadsheet programs run a cell starting with = + - @ (or tab/CR, or their full-width
    forms, which Japanese Excel also accepts) as a formula; the apostrophe makes it text.
    """
    text = sanitize("" if value is None else str(value), 1000)
    # Judged on the text as any export encoding will write it: cp932 turns U+2212 MINUS SIGN
    # into a full-width hyphen-minus, which Excel reads as a formula.
    return "'" + text if text.translate(_CP932_EQUIVALENTS).startswith(FORMULA_TRIGGERS) else text


def unneutralise(cell: str) -> str:
    """The inverse of `neutralise` for text without control characters (round-trip checks)."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_TRIGGERS):
        return cell[1:]
    return cell


@dataclass(frozen=True, slots=True)
class Encoded:
    data: bytes
    replaced: int  # characters written as REPLACEMENT because the encoding lacks them


def encode_text(text: str, encoding: str) -> Encoded:
    """Encode for Japanese Excel: UTF-8 with BOM, or cp932 with a marker for what it lacks."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")
    if encoding == "utf-8-sig":
        return Encoded(text.encode("utf-8-sig"), 0)
    mapped = text.translate(_CP932_EQUIVALENTS)
    try:
        return Encoded(mapped.encode("cp932"), 0)
    except UnicodeEncodeError:
        pass
    out, replaced = bytearray(), 0
    for ch in mapped:
        try:
            out += ch.encode("cp932")
        except UnicodeEncodeError:
            out += REPLACEMENT.encode("cp932")
            replaced += 1
    return Encoded(bytes(out), replaced)


def csv_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text (CRLF line ends, minimal quoting), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def width(text: str) -> int:
    """Columns a string takes in a monospaced print-out (full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))
