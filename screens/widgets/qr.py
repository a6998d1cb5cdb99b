"""A QR code drawn with block characters, for a phone to scan off the screen.

A terminal cell is about twice as tall as it is wide. Half blocks draw 1×2 modules per cell
(square modules: a version-3 code fits in 37 columns by 19 rows). A signed activity code is
~330 characters (version 13 at error correction M: 73 modules with a 2-module quiet zone), which
in half blocks needs 37 rows, more than an 80×24 terminal has; sextant blocks (Unicode "Symbols
for Legacy Computing", drawn by foot itself) put 2×3 modules in a cell, nearly square, so the
same code takes 37 columns by 25 rows, and at error correction L (version 12) 35 by 23.
`fitting_style` picks the first style that fits: square modules and M when there is room.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

Glyphs = Literal["half", "sextant"]
Level = Literal["m", "l"]

# (top module dark, bottom module dark) -> character drawn in the dark colour on light
_HALF_BLOCKS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
_STYLE = Style(color="black", bgcolor="white")
_DOWN = {"half": 2, "sextant": 3}  # module rows per cell
_ACROSS = {"half": 1, "sextant": 2}  # module columns per cell


class QrStyle(NamedTuple):
    glyphs: Glyphs
    error: Level


STYLES = (
    QrStyle("half", "m"),
    QrStyle("half", "l"),
    QrStyle("sextant", "m"),
    QrStyle("sextant", "l"),
)
"""Most robust first: square modules, then more error correction."""


def sextant(pattern: int) -> str:
    """The sextant character for 6 bits: bit 0 top-left, 1 top-right, 2 middle-left, 3
    middle-right, 4 bottom-left, 5 bottom-right (U+1FB00.. lacks the four that exist as
    block elements: empty, full, left half, right half)."""
    if pattern == 0:
        return " "
    if pattern == 63:
        return "█"
    if pattern == 21:
        return "▌"
    if pattern == 42:
        return "▐"
    return chr(0x1FB00 + pattern - 1 - (pattern > 21) - (pattern > 42))


def _modules(data: str, border: int, error: Level) -> list[list[bool]]:
    import segno  # imported when a code is drawn, not when the UI starts

    code = segno.make_qr(data, error=error)  # boosted to M or better when the size allows
    return [list(map(bool, row)) for row in code.matrix_iter(border=border)]


def _cells(rows: list[list[bool]], glyphs: Glyphs) -> list[str]:
    down, across = _DOWN[glyphs], _ACROSS[glyphs]
    width = len(rows[0]) + (-len(rows[0]) % across)
    grid = [row + [False] * (width - len(row)) for row in rows]
    grid += [[False] * width for _ in range(-len(grid) % down)]
    lines = []
    for top in range(0, len(grid), down):
        band = grid[top : top + down]
        if glyphs == "half":
            lines.append("".join(_HALF_BLOCKS[(a, b)] for a, b in zip(*band, strict=True)))
            continue
        cells = []
        for x in range(0, width, 2):
            bits = [band[r][x + c] for r in range(3) for c in range(2)]
            cells.append(sextant(sum(1 << i for i, dark in enumerate(bits) if dark)))
        lines.append("".join(cells))
    return lines


def qr_text(data: str, *, border: int = 2, style: QrStyle = STYLES[0]) -> Text:
    """Render `data` as a QR code in the given glyphs and error correction level."""
    lines = _cells(_modules(data, border, style.error), style.glyphs)
    return Text("\n".join(lines), style=_STYLE, no_wrap=True, overflow="crop")


def qr_size(data: str, *, border: int = 2, style: QrStyle = STYLES[0]) -> tuple[int, int]:
    """(columns, rows) `qr_text` takes for `data`."""
    modules = len(_modules(data, border, style.error))
    down, across = _DOWN[style.glyphs], _ACROSS[style.glyphs]
    return -(-modules // across), -(-modules // down)


def fitting_style(data: str, columns: int, rows: int) -> QrStyle:
    """The first style of `STYLES` whose drawing fits; the smallest when none does."""
    for style in STYLES:
        width, height = qr_size(data, style=style)
        if width <= columns and height <= rows:
            return style
    return STYLES[-1]


class QrCode(Static):
    """Shows one QR code; the data is never interpreted as markup."""

    DEFAULT_CSS = """
    QrCode {
        width: auto;
        height: auto;
    }
    """

    def __init__(
        self,
        data: str = "",
        *,
        style: QrStyle = STYLES[0],
        id: str | None = None,  # noqa: A002
    ) -> None:
        super().__init__(qr_text(data, style=style) if data else "", id=id)
        self.data = data
        self.style_used = style

    def show(self, data: str, *, style: QrStyle) -> None:
        """Draw another code (or nothing for "")."""
        self.data, self.style_used = data, style
        self.update(qr_text(data, style=style) if data else "")
