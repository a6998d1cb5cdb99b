"""Real generated frames through the real decoders (both backends)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest

from kiosk.scan.decoders import Decoder, PyzbarDecoder, ZxingDecoder, make_decoder, payload_text
from kiosk.scan.frame_decoder import FrameDecoder, to_gray
from kiosk.scan.render import CodeSpec, Style, render_frame
from kiosk.scan.settings import Backend, ScanSettings
from tests.corpus.generate import Corpus
from tests.passkit import PassKit

BACKENDS = [pytest.param(ZxingDecoder, id="zxing"), pytest.param(PyzbarDecoder, id="pyzbar")]


def gray_of(codes: list[CodeSpec], width: int = 640, height: int = 480, **style: Any) -> np.ndarray:
    return to_gray(render_frame(codes, width=width, height=height, style=Style(**style)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_plain_inverted_and_empty_frames(backend: type[Decoder], kit: PassKit) -> None:
    decoder = backend()
    token = kit.sign()
    assert decoder.decode(gray_of([CodeSpec(token, module_px=4.5)])) == [token]
    assert decoder.decode(gray_of([CodeSpec(token, module_px=4.5, inverted=True)])) == [token]
    assert decoder.decode(gray_of([], noise=4)) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_codes_in_one_frame_are_both_found(backend: type[Decoder], kit: PassKit) -> None:
    first, second = kit.sign(), kit.sign()
    codes = [
        CodeSpec(first, module_px=3.6, center=(0.27, 0.5)),
        CodeSpec(second, module_px=3.6, center=(0.73, 0.5)),
    ]
    assert sorted(backend().decode(gray_of(codes, 1280, 720))) == sorted([first, second])


@pytest.mark.parametrize("backend", BACKENDS)
def test_garbage_content_comes_back_as_text_never_an_exception(backend: type[Decoder]) -> None:
    decoder = backend()
    found = decoder.decode(gray_of([CodeSpec(b"\xff\xfe\x80 not a pass \x00\x1b[31m", 6)]))
    assert len(found) == 1
    assert isinstance(found[0], str)
    assert "not a pass" in found[0]
    assert decoder.decode(gray_of([CodeSpec("ふるさと住民登録", 6)])) == ["ふるさと住民登録"]


def test_payload_text_replaces_invalid_utf8() -> None:
    assert payload_text(b"ok\xff") == "ok\ufffd"
    assert payload_text("日本".encode()) == "日本"


def test_only_qr_codes_are_read(kit: PassKit) -> None:
    """A DataMatrix of a pass is ignored: QR-only keeps zbar/zxing noise off the screen."""
    import zxingcpp

    symbol = zxingcpp.create_barcode("FR-NOT-A-QR", zxingcpp.BarcodeFormat.DataMatrix)
    image = np.asarray(symbol.to_image(scale=8, add_quiet_zones=True), dtype=np.uint8)
    canvas = np.full((480, 640), 255, np.uint8)
    canvas[40 : 40 + image.shape[0], 40 : 40 + image.shape[1]] = image
    assert ZxingDecoder().decode(canvas) == []
    assert PyzbarDecoder().decode(canvas) == []


def test_to_gray_accepts_bgr_bgra_and_gray() -> None:
    bgr = np.zeros((4, 6, 3), np.uint8)
    bgr[..., 2] = 255
    assert to_gray(bgr).shape == (4, 6)
    assert to_gray(cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)).shape == (4, 6)
    gray = np.arange(24, dtype=np.uint8).reshape(4, 6)
    assert to_gray(gray) is not None
    assert (to_gray(gray) == gray).all()
    assert to_gray(gray[:, :, None]).shape == (4, 6)


def test_make_decoder_picks_the_backend() -> None:
    assert isinstance(make_decoder("zxing"), ZxingDecoder)
    assert isinstance(make_decoder(Backend.PYZBAR), PyzbarDecoder)
    assert ScanSettings().backend is Backend.ZXING
    with pytest.raises(ValueError, match="opencv"):
        make_decoder("opencv")


def test_large_code_decodes_on_the_downscaled_pass_small_code_needs_full_resolution(
    kit: PassKit,
) -> None:
    decoder = FrameDecoder(ZxingDecoder(), downscale_width=640)
    token = kit.sign()
    large = decoder.decode(gray_of([CodeSpec(token, module_px=6)], 1280, 720))
    assert (large.payloads, large.step) == ([token], "downscaled+full")
    small = decoder.decode(gray_of([CodeSpec(token, module_px=2.2)], 1280, 720))
    assert small.payloads == [token]
    assert small.step != "downscaled"


def test_a_large_and_a_small_code_in_one_frame_are_both_decoded(corpus: Corpus) -> None:
    """Two people at once, one close, one further back: the code found on the downscaled
    pass must not hide the small one beside it (the corpus's held-out large+small frames)."""
    decoder = FrameDecoder(ZxingDecoder())
    frames = [item for item in corpus.images if item.effect == "large-small"]
    assert len(frames) == 4  # 720p: where the downscaled pass comes first
    for item in frames:
        image = cv2.imread(str(item.path))
        assert image is not None, item.path
        outcome = decoder.decode_image(image)
        assert sorted(outcome.payloads) == sorted(item.payloads), item.path.name
        assert outcome.step == "downscaled+full"


def test_a_look_without_recovery_stops_before_the_cascade(kit: PassKit) -> None:
    ticks = iter(range(0, 10_000, 50))  # every clock read advances 50 ms
    decoder = FrameDecoder(ZxingDecoder(), cascade_budget_ms=60, clock=lambda: next(ticks) / 1000)
    outcome = decoder.decode(gray_of([], noise=4), recover=False)
    assert (outcome.payloads, outcome.step) == ([], "none")
    assert outcome.elapsed_ms == pytest.approx(50)  # start and end: no cascade step between
    token = kit.sign()
    assert decoder.decode(gray_of([CodeSpec(token, 4.5)]), recover=False).payloads == [token]


def test_cascade_is_bounded_by_time_and_a_zero_budget_skips_it(kit: PassKit) -> None:
    ticks = iter(range(0, 10_000, 50))  # every clock read advances 50 ms
    decoder = FrameDecoder(ZxingDecoder(), cascade_budget_ms=60, clock=lambda: next(ticks) / 1000)
    outcome = decoder.decode(gray_of([], noise=4))
    assert outcome.step == "none"
    # start (0), then one cascade step at 50 ms, then the budget check at 100 ms stops it.
    assert outcome.elapsed_ms == pytest.approx(150)
    fast = FrameDecoder(ZxingDecoder(), cascade_budget_ms=0)
    assert fast.decode(gray_of([], noise=4)).step == "none"


@pytest.mark.parametrize(
    ("backend", "minimum"), [(Backend.ZXING, 0.97), (Backend.PYZBAR, 0.70)], ids=str
)
def test_corpus_success_rate(corpus: Corpus, backend: Backend, minimum: float) -> None:
    decoder = FrameDecoder(make_decoder(backend))
    found = expected = false_positives = 0
    for item in corpus.images:
        image = cv2.imread(str(item.path))
        assert image is not None, item.path
        payloads = decoder.decode_image(image).payloads
        expected += len(item.payloads)
        found += len(set(payloads) & set(item.payloads))
        false_positives += len(set(payloads) - set(item.payloads))
    assert false_positives == 0
    assert found / expected >= minimum, f"{backend}: {found}/{expected}"


def test_cascade_share_limits_recovery_time_on_a_live_feed() -> None:
    """Back-to-back empty frames: the first gets the full cascade, the next only what the
    time share has earned since (every clock read advances 5 ms)."""

    def ticking() -> object:
        ticks = iter(range(0, 100_000, 5))
        return lambda: next(ticks) / 1000

    empty = gray_of([], noise=4)
    limited = FrameDecoder(
        ZxingDecoder(),
        cascade_budget_ms=30,
        cascade_share=0.01,
        clock=ticking(),  # type: ignore[arg-type]
    )
    unlimited = FrameDecoder(ZxingDecoder(), cascade_budget_ms=30, clock=ticking())  # type: ignore[arg-type]
    first, second = limited.decode(empty), limited.decode(empty)
    assert first.elapsed_ms == pytest.approx(40)  # four cascade steps fit in 30 ms
    assert second.elapsed_ms == pytest.approx(20)  # no credit left: cascade skipped
    assert unlimited.decode(empty).elapsed_ms == pytest.approx(unlimited.decode(empty).elapsed_ms)
    with pytest.raises(ValueError, match="cascade_share"):
        FrameDecoder(ZxingDecoder(), cascade_share=0)
