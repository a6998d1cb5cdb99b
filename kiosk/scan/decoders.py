"""QR-only decoder backends behind one small interface.

Default backend: zxing-cpp
--------------------------
Both backends are QR-only (other symbologies only add noise, and zbar prints C-level
assertion warnings for some of them, which would corrupt the Textual screen). The default is
zxing-cpp, chosen from `python -m tests.bench.decode` (generated camera-like corpus: 84 codes
at 640x480 and 1280x720, real ~360-character Ed25519 passes = QR version 15; 2-core x86_64,
Nov 2026, machine shared with other test runs):

- decoded: zxing-cpp 100 % (84/84) with the kiosk's strategy (97.6-100 % from the bare
  library call); pyzbar 76-88 %: it missed every perspective-tilted code (0 of 8) and
  several dark, small and motion-blurred ones.
- cost per 720p frame: zxing-cpp with downscale-first p50 1.3 ms / p95 3.9 ms; pyzbar at full
  resolution p50 55 ms / p95 100 ms, i.e. 26-43x slower and beyond the 33 ms frame budget at
  30 fps (pyzbar with the same downscale-first strategy: p50 24 ms, p95 181 ms).
- packaging: zxing-cpp ships its own wheel (x86_64 and aarch64); pyzbar needs `libzbar0`.

pyzbar stays available (`[decoder] backend = "pyzbar"`) and tested: it is the design card's
choice and a fallback for platforms without a zxing-cpp wheel.

Decoded content is untrusted and passed on as text whatever it is: zxing-cpp transcodes it by
the symbol's ECI or a guessed charset; raw bytes that are not valid UTF-8 become U+FFFD
replacement characters. The pass verifier then rejects it; the scanner never crashes on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.scan.settings import Backend

if TYPE_CHECKING:
    import numpy.typing as npt

    Gray = npt.NDArray[Any]


class Decoder(Protocol):
    """Finds QR codes in a grayscale uint8 image; returns their contents, in image order."""

    name: str

    def decode(self, gray: Gray) -> list[str]: ...

    def alternates(self) -> Sequence[Decoder]:
        """Slower or differently tuned variants tried by the recovery cascade."""
        ...


def payload_text(data: bytes) -> str:
    """Turn raw QR bytes into text without ever failing (invalid UTF-8 -> U+FFFD)."""
    return data.decode("utf-8", errors="replace")


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


class ZxingDecoder:
    """zxing-cpp, QR Code only, normal and inverted (dark-mode) codes."""

    def __init__(self, binarizer: str = "LocalAverage", *, try_invert: bool = True) -> None:
        import zxingcpp

        self._zx: Any = zxingcpp
        self._binarizer: Any = getattr(zxingcpp.Binarizer, binarizer)
        self._formats: Any = zxingcpp.BarcodeFormat.QRCode
        self._text_mode: Any = zxingcpp.TextMode.Plain
        self._try_invert = try_invert
        self.binarizer = binarizer
        self.name = f"zxing-cpp/{binarizer}"

    def decode(self, gray: Gray) -> list[str]:
        results = self._zx.read_barcodes(
            gray,
            formats=self._formats,
            try_rotate=True,
            try_downscale=True,
            try_invert=self._try_invert,
            binarizer=self._binarizer,
            text_mode=self._text_mode,
        )
        texts: list[str] = []
        for barcode in results:
            if not barcode.valid:
                continue
            # Plain text mode: bytes transcoded by the symbol's ECI or a guessed charset, so
            # the result is always valid text; fall back to raw bytes if it is empty.
            text = str(barcode.text) or payload_text(bytes(barcode.bytes))
            if text:
                texts.append(text)
        return _unique(texts)

    def alternates(self) -> Sequence[Decoder]:
        others = ("GlobalHistogram", "FixedThreshold")
        return [
            ZxingDecoder(name, try_invert=self._try_invert)
            for name in others
            if name != self.binarizer
        ]


class PyzbarDecoder:
    """zbar through pyzbar, restricted to QR; inverted codes are found on the negated image."""

    name = "pyzbar"

    def __init__(self, *, try_invert: bool = True) -> None:
        from pyzbar import pyzbar

        self._pyzbar: Any = pyzbar
        self._symbols = [pyzbar.ZBarSymbol.QRCODE]
        self._try_invert = try_invert

    def _decode_once(self, gray: Gray) -> list[str]:
        symbols = self._pyzbar.decode(gray, symbols=self._symbols)
        return [payload_text(bytes(s.data)) for s in symbols]

    def decode(self, gray: Gray) -> list[str]:
        texts = self._decode_once(gray)
        if not texts and self._try_invert:
            import numpy as np

            texts = self._decode_once(np.bitwise_not(gray))
        return _unique(texts)

    def alternates(self) -> Sequence[Decoder]:
        return []


def make_decoder(backend: Backend | str) -> Decoder:
    """Build the decoder for a backend name ("zxing" or "pyzbar")."""
    chosen = Backend(backend)
    if chosen is Backend.PYZBAR:
        return PyzbarDecoder()
    return ZxingDecoder()
