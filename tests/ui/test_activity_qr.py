"""The activity QR drawn in the terminal decodes back to its data with the real decoder."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import zxingcpp

from screens.widgets.qr import qr_text

_MODULES = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0)}


def rasterise(plain: str, scale: int = 8) -> np.ndarray:
    lines = plain.splitlines()
    image = np.full((len(lines) * 2, len(lines[0])), 255, np.uint8)
    for y, line in enumerate(lines):
        for x, char in enumerate(line):
            top, bottom = _MODULES[char]
            image[2 * y, x] = 0 if top else 255
            image[2 * y + 1, x] = 0 if bottom else 255
    height, width = image.shape
    return cv2.resize(image, (width * scale, height * scale), interpolation=cv2.INTER_NEAREST)


@pytest.mark.parametrize(
    "data", ["furusato-activity:1:131016:act-2026-11-23-demo", "[b]markup[/b] ふるさと"]
)
def test_terminal_qr_decodes_to_its_data(data: str) -> None:
    text = qr_text(data)
    assert text.spans == []  # one style for the whole code: nothing parsed as markup
    decoded = [r.text for r in zxingcpp.read_barcodes(rasterise(text.plain))]
    assert decoded == [data]


def test_activity_qr_fits_an_80x24_screen() -> None:
    lines = qr_text("furusato-activity:1:131016:act-2026-11-23-demo").plain.splitlines()
    assert len(lines) <= 20
    assert max(len(line) for line in lines) <= 40
