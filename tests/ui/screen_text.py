"""The text a person sees on the terminal, read back from Textual's own screenshot (SVG), and
checks on it: ASCII words in Japanese mode, labels that do not fit their widget."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from typing import Any

from rich.cells import cell_len
from textual.app import App
from textual.widget import Widget

_TEXT = re.compile(
    r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>(.*?)</text>'
)
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.*'+-]*")
ALLOWED = re.compile(
    r"""^(?:
      FR[0-9A-Z*]{0,10}            # registrant ids (masked or typed)
    | F\d{1,2} | ESC | Esc | Enter # key caps on the keyboard
    | [A-Z]                        # single letters: key caps, characters of an id
    | QR | ID | CSV | Excel | UTF-8 | BOM | Shift_JIS | cp932   # formats and units
    | English                      # the language switch names the other language
    | act-[a-z0-9-]+ | kiosk-[a-z0-9-]+ | PAPER-[0-9]+   # activity, device and paper ids
    )$""",
    re.VERBOSE,
)


def screen_lines(app: App[Any]) -> list[str]:
    """The terminal's lines as text (spaces restored from the x positions)."""
    rows: dict[float, list[tuple[float, float, str]]] = defaultdict(list)
    for x, y, length, content in _TEXT.findall(app.export_screenshot()):
        text = html.unescape(content).replace("\xa0", " ")
        rows[float(y)].append((float(x), float(length), text))
    lines = []
    for _, parts in sorted(rows.items()):
        parts.sort()
        cell = min(length / max(1, cell_len(text)) for _, length, text in parts)
        line = ""
        for x, _, text in parts:
            column = round(x / cell)
            line = line.ljust(column) if cell_len(line) < column else line
            line += text
        lines.append(line)
    return lines


def ascii_words(lines: list[str]) -> list[str]:
    """ASCII words that are not ids, key caps, formats or units."""
    return [w for line in lines for w in ASCII_WORD.findall(line) if not ALLOWED.match(w)]


def clipped(widget: Widget, label: str) -> bool:
    """True when a line of `label` is wider than the widget's content area."""
    width = widget.content_region.width - 2 * widget.styles.line_pad
    return any(cell_len(line) > width for line in label.splitlines())
