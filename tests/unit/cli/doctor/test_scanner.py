"""Doctor check `scanner`: `kiosk doctor --scanner` shows the calibration code, reads one scan of
it, and names the scanner's keyboard setting with what to change."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from cli.doctor import Context, Status, run_checks
from cli.doctor.scanner import judge, read_scan
from kiosk.keyboard_layout import CALIBRATION, Mismatch, typed
from tests.devices import device_config, run_kiosk


def scanner_check(tmp_path: Path, jwks_file: Path, scan: str) -> dict[str, Any]:
    config = device_config(tmp_path, jwks_file)
    done = run_kiosk("doctor", "--config", str(config), "--json", "--scanner", stdin=scan)
    assert "Scan this code" in done.stderr  # the code is drawn where --json leaves room
    assert "▀" in done.stderr or "▄" in done.stderr
    report = json.loads(done.stdout)
    check: dict[str, Any] = next(c for c in report["checks"] if c["name"] == "scanner")
    return check


def test_a_scanner_typing_the_code_exactly_is_ok(tmp_path: Path, jwks_file: Path) -> None:
    check = scanner_check(tmp_path, jwks_file, CALIBRATION + "\n")
    assert check["status"] == "ok"


def test_a_us_scanner_on_a_jis_kiosk_is_named_with_its_fix(tmp_path: Path, jwks_file: Path) -> None:
    check = scanner_check(tmp_path, jwks_file, typed(Mismatch.US_ON_JIS, CALIBRATION) + "\r\n")
    assert check["status"] == "warn"
    assert check["details"]["setting"] == ["us_on_jis"]
    assert "set to a US keyboard" in check["summary"]
    assert "still reads passes" in check["summary"]
    assert "'Japanese keyboard (JIS)' setting code" in check["fix"]


def test_no_scan_is_a_failure_that_says_how_to_scan(tmp_path: Path, jwks_file: Path) -> None:
    check = scanner_check(tmp_path, jwks_file, "")
    assert check["status"] == "fail"
    assert "no scan arrived" in check["summary"]
    assert "USB keyboard (HID) mode" in check["fix"]


def test_a_scanner_that_loses_characters_fails() -> None:
    result = judge(typed(Mismatch.JIS_ON_US, CALIBRATION))
    assert result.status is Status.FAIL
    assert "passes with '_' cannot be read" in result.summary
    assert "'US keyboard' setting code" in result.fix


def test_an_unexplained_scan_shows_the_differences() -> None:
    result = judge(CALIBRATION.replace("-", "ー"))
    assert result.status is Status.FAIL
    assert "'-'→'ー'" in result.summary
    assert "keyboard (HID) mode" in result.fix


def test_without_scanner_the_check_is_skipped() -> None:
    ctx = Context(None, None, None, environ={})
    (outcome,) = run_checks(ctx, names=["scanner"])
    assert outcome.result.status is Status.SKIP
    assert "kiosk doctor --scanner" in outcome.result.summary


@pytest.mark.parametrize("written", [b"", None])
def test_reading_the_scan_gives_up(written: bytes | None) -> None:
    """Nothing typed in time, or the input closed: no scan (the check says how to scan)."""
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "r") as stream:
        if written is not None:
            os.close(write_end)  # closed: at its end at once
        assert read_scan(stream, seconds=0.05) is None
    if written is None:
        os.close(write_end)
