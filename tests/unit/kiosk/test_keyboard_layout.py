"""Keyboard settings of a wedge scanner: what arrives under each, what can be undone, and the
calibration code that tells them apart."""

from __future__ import annotations

import numpy as np
import pytest
import segno
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st

from kiosk.keyboard_layout import (
    CALIBRATION,
    PASS_ALPHABET,
    RECOVERABLE,
    Mismatch,
    attempt_note,
    corrections,
    diagnose,
    parse_note,
    typed,
)

pass_text = st.text(alphabet=PASS_ALPHABET, min_size=1, max_size=400)
recoverable_combos = st.lists(st.sampled_from(RECOVERABLE), min_size=1, max_size=2, unique=True)


def typed_with(mismatches: list[Mismatch] | tuple[Mismatch, ...], text: str) -> str:
    """Innermost first: the layout changes the keys, an input method then widens them."""
    order = (Mismatch.US_ON_JIS, Mismatch.JIS_ON_US, Mismatch.CAPS_LOCK, Mismatch.FULL_WIDTH)
    for mismatch in sorted(mismatches, key=order.index):
        text = typed(mismatch, text)
    return text


def test_what_each_setting_types_for_the_pass_symbols() -> None:
    assert typed(Mismatch.US_ON_JIS, "aB_-.9") == "aB=-.9"  # shift+minus is = on JIS
    assert typed(Mismatch.JIS_ON_US, "aB_-.9") == "aB-.9"  # the ろ key types nothing on US
    assert typed(Mismatch.CAPS_LOCK, "aB_-.9") == "Ab_-.9"
    assert typed(Mismatch.FULL_WIDTH, "aB_-.9") == "ａＢ＿－．９"
    assert typed(Mismatch.US_ON_JIS, '@"+') == '"*~'  # the symbols passes never hold


def test_a_jis_scanner_on_a_us_computer_cannot_be_undone() -> None:
    assert Mismatch.JIS_ON_US not in RECOVERABLE
    assert set(RECOVERABLE) == {Mismatch.US_ON_JIS, Mismatch.CAPS_LOCK, Mismatch.FULL_WIDTH}


@given(pass_text, recoverable_combos)
def test_the_meant_line_is_among_the_corrections(text: str, combo: list[Mismatch]) -> None:
    arrived = typed_with(combo, text)
    meant = [line for _, line in corrections(arrived)]
    assert arrived == text or text in meant
    assert len(meant) == len(set(meant))
    assert arrived not in meant


@given(st.text(max_size=200))
def test_corrections_of_any_text_are_few_and_never_the_line_itself(line: str) -> None:
    found = list(corrections(line))
    assert len(found) <= 6
    assert line not in [meant for _, meant in found]


def test_the_calibration_code_holds_every_pass_character() -> None:
    assert set(PASS_ALPHABET) <= set(CALIBRATION)
    assert diagnose(CALIBRATION).matches
    assert diagnose(CALIBRATION + "\r\n").matches  # the Enter a scanner sends after it


@pytest.mark.parametrize(
    "combo",
    [(m,) for m in Mismatch] + [(Mismatch.US_ON_JIS, Mismatch.CAPS_LOCK)],
    ids=lambda combo: "+".join(m.value for m in combo),
)
def test_the_calibration_scan_names_the_setting(combo: tuple[Mismatch, ...]) -> None:
    diagnosis = diagnose(typed_with(combo, CALIBRATION))
    assert not diagnosis.matches
    assert set(diagnosis.mismatches) == set(combo)


def test_an_unexplained_scan_lists_where_it_differs() -> None:
    diagnosis = diagnose(CALIBRATION.replace("Q", "").replace("7", "&"))
    assert diagnosis.mismatches == ()
    assert diagnosis.differences == (("Q", ""), ("7", "&"))


def test_the_attempt_note_reads_back() -> None:
    combo = (Mismatch.US_ON_JIS, Mismatch.CAPS_LOCK)
    assert parse_note(attempt_note(combo)) == combo
    assert parse_note(attempt_note(combo) + "; expired") == combo
    assert parse_note("bad base64url or JSON header") == ()


def test_the_calibration_code_reads_back_through_the_decoder() -> None:
    """The code `kiosk doctor --scanner` draws, as an image, through the real QR decoder."""
    code = segno.make_qr(CALIBRATION, error="m")
    modules = np.array(list(code.matrix_iter(border=4, scale=6)), dtype=np.uint8)
    image = (1 - modules) * 255  # dark modules black on white
    (read,) = zxingcpp.read_barcodes(image)
    assert read.text == CALIBRATION
