"""A QR code drawn with half-block characters: two modules per character cell, so a
version-3 code fits in 37 columns by 19 rows and scans from a terminal at arm's length."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

# (top module dark, bottom module dark) -> character drawn in the dark colour on light
_HALF_BLOCKS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
_STYLE = Style(color="black", bgcolor="white")


def qr_text(data: str, *, border: int = 2) -> Text:
    """Render `data` as a QR code (error correction M) in half blocks."""
    import segno  # imported when a code is drawn, not when the UI starts

    code = segno.make_qr(data, error="m")
    rows = [list(map(bool, row)) for row in code.matrix_iter(border=border)]
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    lines = [
        "".join(_HALF_BLOCKS[(top, bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(rows[::2], rows[1::2], strict=True)
    ]
    return Text("\n".join(lines), style=_STYLE, no_wrap=True, overflow="crop")


class QrCode(Static):
    """Shows one QR code; the data is never interpreted as markup."""

    DEFAULT_CSS = """
    QrCode {
        width: auto;
        height: auto;
    }
    """

    def __init__(self, data: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(qr_text(data), id=id)
        self.data = data
