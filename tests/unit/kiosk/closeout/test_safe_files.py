"""Exports and other replaced files: no planted link followed, owner-only, formulas defused in
the bytes actually written."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest

from config.atomic_file import write_atomically
from kiosk.exports import write_export
from kiosk.exports.cells import csv_text, encode_text


def test_export_over_an_existing_world_readable_file_is_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "attendance.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)
    write_export(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_planted_partial_symlink_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    target = tmp_path / "attendance.csv"
    for name in (f".{target.name}.partial", f".{target.name}.tmp"):
        (tmp_path / name).symlink_to(victim)
    write_export(target, b"export")
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert target.read_bytes() == b"export"
    assert not target.is_symlink()


def test_a_symlink_at_the_target_is_replaced_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    target = tmp_path / "attendance.csv"
    target.symlink_to(victim)
    write_export(target, b"export")
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not target.is_symlink()
    assert target.read_bytes() == b"export"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "kiosk.toml"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(TypeError):
        write_atomically(target, "not bytes", mode=0o644)  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["kiosk.toml"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
@pytest.mark.parametrize("cell", ["\u2212cmd|' /C calc'!A0", "=1+1", "－1", "＠SUM(A1)", "+1"])
def test_formulas_are_defused_in_the_encoded_bytes(encoding: str, cell: str) -> None:
    data = encode_text(csv_text([[cell]]), encoding).data
    written = next(csv.reader(io.StringIO(data.decode(encoding))))[0]
    assert written.startswith("'"), written
