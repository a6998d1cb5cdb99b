"""Large block letters for the result banner: the outcome symbol (✓ ✗ ↺ …) and the result word,
drawn from pixel bitmaps with half-block or quadrant characters so they read from two metres.

Pure functions, no Textual: `fit_banner` picks the largest drawing that fits the space the
banner has (the symbol beside or above the word), `draw` turns a bitmap into lines of text.
The words' glyphs are GNU Unifont's (`bigfont_glyphs.py`); the symbols are drawn here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from screens.widgets.bigfont_glyphs import GLYPHS

Bitmap = tuple[tuple[bool, ...], ...]  # rows of pixels, True = ink


def _parse(art: str) -> Bitmap:
    return tuple(tuple(ch == "#" for ch in row) for row in art.strip("\n").splitlines())


# 16x16 bold symbols: '#' is ink. Wider strokes than any font so they survive sunlight.
SYMBOL_ART: dict[str, str] = {
    "accepted": """
..............##
.............###
............###.
...........###..
..........###...
.........###....
##......###.....
###....###......
.###..###.......
..######........
...####.........
....##..........
................
................
................
................
""",
    "rejected": """
##............##
###..........###
.###........###.
..###......###..
...###....###...
....###..###....
.....######.....
......####......
......####......
.....######.....
....###..###....
...###....###...
..###......###..
.###........###.
###..........###
##............##
""",
    "duplicate": """
.....######.....
...##########...
..###......###..
.###........###.
.##..........##.
###..........###
##............##
##............##
##............##
##.........#####
###.........###.
.##..........#..
.###............
..###......###..
...##########...
.....######.....
""",
    "ready": """
######....######
#....#....#....#
#.##.#....#.##.#
#.##.#....#.##.#
#....#....#....#
######....######
................
................
................
................
######....#.#.##
#....#.....#.#..
#.##.#....##..##
#.##.#.....#.#.#
#....#....#.#..#
######....##.#.#
""",
    "problem": """
.......##.......
......####......
......####......
.....##..##.....
.....##..##.....
....##.##.##....
....##.##.##....
...##..##..##...
...##..##..##...
..##...##...##..
..##........##..
.##....##....##.
.##....##....##.
##............##
################
################
""",
}
SYMBOLS: dict[str, Bitmap] = {name: _parse(art) for name, art in SYMBOL_ART.items()}
# (empty rows of the art are trimmed when drawn: `symbol_bitmap`)


class Cells(Enum):
    """How pixels map to character cells (a cell is about twice as tall as it is wide)."""

    HALF = "half"  # 1 x 2 pixels per cell: square pixels
    QUAD = "quad"  # 2 x 2 pixels per cell: narrow pixels, for tight widths


_HALF = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
# quadrant characters by (top-left, top-right, bottom-left, bottom-right)
_QUAD = {
    (False, False, False, False): " ",
    (True, False, False, False): "▘",
    (False, True, False, False): "▝",
    (False, False, True, False): "▖",
    (False, False, False, True): "▗",
    (True, True, False, False): "▀",
    (False, False, True, True): "▄",
    (True, False, True, False): "▌",
    (False, True, False, True): "▐",
    (True, False, False, True): "▚",
    (False, True, True, False): "▞",
    (True, True, True, False): "▛",
    (True, True, False, True): "▜",
    (True, False, True, True): "▙",
    (False, True, True, True): "▟",
    (True, True, True, True): "█",
}


def glyph(char: str) -> Bitmap | None:
    """The Unifont bitmap of one character (8 or 16 pixels wide, 16 tall), or None."""
    bits = GLYPHS.get(char)
    if bits is None:
        return None
    width = len(bits) // 4  # 32 hex digits: 8 pixels wide; 64: 16
    digits = width // 4
    rows = []
    for row in range(16):
        value = int(bits[row * digits : (row + 1) * digits], 16)
        rows.append(tuple(bool(value >> (width - 1 - col) & 1) for col in range(width)))
    return tuple(rows)


def embolden(bitmap: Bitmap) -> Bitmap:
    """Every stroke one pixel wider to the right (the classic bitmap bold)."""
    return tuple(
        tuple(px or (col > 0 and row[col - 1]) for col, px in enumerate(row)) for row in bitmap
    )


def word_bitmap(word: str) -> Bitmap | None:
    """The word's glyphs side by side, emboldened; None when a character has no glyph."""
    glyphs = [glyph(char) for char in word]
    if not glyphs or any(g is None for g in glyphs):
        return None
    rows = [tuple(px for g in glyphs if g is not None for px in g[row]) for row in range(16)]
    return _trim_rows(embolden(tuple(rows)))


def _trim_rows(bitmap: Bitmap) -> Bitmap:
    """Drop empty rows above and below the ink (Unifont leaves space for accents)."""
    inked = [i for i, row in enumerate(bitmap) if any(row)]
    if not inked:
        return bitmap
    return bitmap[inked[0] : inked[-1] + 1]


def scale(bitmap: Bitmap, factor: int) -> Bitmap:
    if factor == 1:
        return bitmap
    return tuple(
        tuple(px for px in row for _ in range(factor)) for row in bitmap for _ in range(factor)
    )


def draw(bitmap: Bitmap, cells: Cells = Cells.HALF, factor: int = 1) -> list[str]:
    """The bitmap (scaled by `factor`) as lines of block characters."""
    pixels = scale(bitmap, factor)
    width = len(pixels[0]) if pixels else 0
    step = 2 if cells is Cells.QUAD else 1
    if cells is Cells.QUAD and width % 2:
        pixels = tuple((*row, False) for row in pixels)
        width += 1
    if len(pixels) % 2:
        pixels = (*pixels, (False,) * width)
    lines = []
    for top, bottom in zip(pixels[::2], pixels[1::2], strict=True):
        if cells is Cells.HALF:
            lines.append("".join(_HALF[(t, b)] for t, b in zip(top, bottom, strict=True)))
        else:
            lines.append(
                "".join(
                    _QUAD[(top[c], top[c + 1], bottom[c], bottom[c + 1])]
                    for c in range(0, width, step)
                )
            )
    return lines


def size(bitmap: Bitmap, cells: Cells, factor: int) -> tuple[int, int]:
    """(columns, rows) that `draw(bitmap, cells, factor)` takes."""
    width = len(bitmap[0]) * factor if bitmap else 0
    height = len(bitmap) * factor
    columns = (width + 1) // 2 if cells is Cells.QUAD else width
    return columns, (height + 1) // 2


@dataclass(frozen=True, slots=True)
class BigDrawing:
    """The symbol and word drawn for a banner of a given size."""

    lines: tuple[str, ...]
    word_rows: int  # how tall the word is drawn (0: not drawn, the banner shows it as text)
    symbol_rows: int

    @property
    def width(self) -> int:
        return max((len(line) for line in self.lines), default=0)


WORD_STYLES: tuple[tuple[Cells, int], ...] = ((Cells.HALF, 2), (Cells.HALF, 1), (Cells.QUAD, 1))
SYMBOL_FACTORS: tuple[int, ...] = (4, 3, 2, 1)
GAP = 3  # columns between the symbol and the word when side by side


def _pad(lines: Sequence[str], width: int, height: int) -> list[str]:
    """Centre a block of lines in width x height."""
    top = (height - len(lines)) // 2
    out = [""] * top + [line.center(width).rstrip() for line in lines]
    return out + [""] * (height - len(out))


def symbol_bitmap(name: str) -> Bitmap:
    return _trim_rows(SYMBOLS[name])


def fit_banner(symbol: str, word: str, width: int, height: int) -> BigDrawing:
    """The largest symbol + word drawing that fits in width x height cells.

    The word's height counts first (it is what people read), then the symbol's; the symbol
    goes beside the word when that fits, otherwise above it. When not even the smallest word
    fits, only the symbol is drawn (and when that does not fit either, nothing)."""
    sym = symbol_bitmap(symbol)
    bitmap = word_bitmap(word)
    best: tuple[tuple[int, int], list[str], int, int] | None = None
    word_options: list[tuple[Cells, int] | None] = [*WORD_STYLES] if bitmap else []
    word_options.append(None)
    for option in word_options:
        if option is None or bitmap is None:
            ww, wh, word_lines = 0, 0, []
        else:
            ww, wh = size(bitmap, *option)
            word_lines = draw(bitmap, *option)
        for factor in SYMBOL_FACTORS:
            sw, sh = size(sym, Cells.HALF, factor)
            sym_lines = draw(sym, Cells.HALF, factor)
            layouts = []
            if ww == 0:
                layouts.append((sw, sh, sym_lines))
            else:
                side_h = max(sh, wh)
                side = [
                    a.ljust(sw) + " " * GAP + b
                    for a, b in zip(
                        _pad(sym_lines, sw, side_h), _pad(word_lines, ww, side_h), strict=True
                    )
                ]
                layouts.append((sw + GAP + ww, side_h, side))
                both = max(sw, ww)
                stacked = [" " * ((both - sw) // 2) + line for line in sym_lines]
                stacked += [""] + [" " * ((both - ww) // 2) + line for line in word_lines]
                layouts.append((max(sw, ww), sh + 1 + wh, stacked))
            for lw, lh, lines in layouts:
                if lw <= width and lh <= height:
                    score = (wh, sh)
                    if best is None or score > best[0]:
                        best = (score, [line.rstrip() for line in lines], wh, sh)
        if best is not None and best[2] > 0:
            break  # the largest word that fits; smaller words cannot score higher
    if best is None:
        return BigDrawing((), 0, 0)
    return BigDrawing(tuple(best[1]), best[2], best[3])
