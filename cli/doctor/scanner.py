"""Doctor check `scanner`: does the keyboard-wedge scanner type passes as they are?

`kiosk doctor --scanner` shows the calibration code (every character a pass can hold), waits for
one scanned line and compares it with what the scanner would type under each keyboard setting
(`kiosk.keyboard_layout`). Settings the gate can undo are a warning (passes are still read, but
the scanner should be set up); a scanner that loses characters, or types something no setting
explains, fails. Without `--scanner` the check is skipped: a scan needs someone at the kiosk.
"""

from __future__ import annotations

import select
import sys
from typing import TextIO

from cli.doctor import Context, Result, check, fail, ok, skip, warn
from kiosk.keyboard_layout import CALIBRATION, RECOVERABLE, Mismatch, diagnose

SCAN_SECONDS = 60.0
"""How long `kiosk doctor --scanner` waits for the calibration scan."""

SETTING = {
    Mismatch.US_ON_JIS: "the scanner is set to a US keyboard, this computer to Japanese (JIS)",
    Mismatch.JIS_ON_US: "the scanner is set to a Japanese (JIS) keyboard, this computer to US",
    Mismatch.CAPS_LOCK: "Caps Lock is on (every letter arrives in the other case)",
    Mismatch.FULL_WIDTH: "an input method types full-width characters (全角)",
}
FIX = {
    Mismatch.US_ON_JIS: "scan the scanner manual's 'Japanese keyboard (JIS)' setting code",
    Mismatch.JIS_ON_US: "scan the scanner manual's 'US keyboard' setting code",
    Mismatch.CAPS_LOCK: "turn Caps Lock off (or set the scanner to ignore Caps Lock)",
    Mismatch.FULL_WIDTH: "switch the input method off or to half-width (半角英数)",
}
FIX_NO_SCAN = (
    "connect the scanner in USB keyboard (HID) mode, keep this terminal in front, run "
    "`kiosk doctor --scanner` again and scan the code it shows"
)
FIX_UNKNOWN = (
    "set the scanner to keyboard (HID) mode with the layout this computer uses, no prefix or "
    "suffix but Enter, then run `kiosk doctor --scanner` again"
)


def show_calibration(out: TextIO) -> None:
    """Draw the calibration code in the terminal with what to do."""
    import segno  # only for this check

    out.write("Scan this code with the keyboard-wedge scanner (this terminal in front):\n")
    segno.make_qr(CALIBRATION, error="m").terminal(out=out, compact=True, border=2)
    out.write(f"waiting {SCAN_SECONDS:g} s for the scan ...\n")
    out.flush()


def read_scan(stream: TextIO, seconds: float = SCAN_SECONDS) -> str | None:
    """One line typed into `stream` within `seconds` (None: nothing arrived)."""
    ready, _, _ = select.select([stream], [], [], seconds)
    if not ready:
        return None
    line = stream.readline()
    return line.rstrip("\r\n") if line.strip() else None


def calibrate() -> str | None:
    """Show the code on stderr (stdout may be --json) and read the scan from stdin."""
    show_calibration(sys.stderr)
    return read_scan(sys.stdin)


def judge(line: str | None) -> Result:
    """What one scan of the calibration code says about the scanner's settings."""
    if line is None:
        return fail(f"no scan arrived within {SCAN_SECONDS:g} s", FIX_NO_SCAN)
    diagnosis = diagnose(line)
    if diagnosis.matches:
        return ok("the scanner types passes exactly as they are")
    if diagnosis.mismatches:
        settings = "; ".join(SETTING[m] for m in diagnosis.mismatches)
        fix = "; ".join(FIX[m] for m in diagnosis.mismatches)
        names = [m.value for m in diagnosis.mismatches]
        if all(m in RECOVERABLE for m in diagnosis.mismatches):
            return warn(
                f"{settings}: the gate still reads passes by correcting them", fix, setting=names
            )
        return fail(f"{settings}: passes with '_' cannot be read", fix, setting=names)
    differences = ", ".join(f"{meant!r}→{got!r}" for meant, got in diagnosis.differences)
    return fail(
        f"the scanner types something else than the code holds ({differences})",
        FIX_UNKNOWN,
        differences=[list(pair) for pair in diagnosis.differences],
    )


@check("scanner", timeout=SCAN_SECONDS + 5.0)
def scanner(ctx: Context) -> Result:
    if ctx.scanner_scan is None:
        return skip("run `kiosk doctor --scanner` and scan the code it shows")
    return judge(ctx.scanner_scan())
