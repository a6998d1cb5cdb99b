"""`kiosk provision` without a national API: storage, trust list, PIN, refusals (exit 2)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from cli.main import main
from kiosk.pin import verify_pin
from tests.devices import device_config
from tests.keyrings import MemoryKeyring

PIN = "739104"


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_offline_device_needs_no_token(
    tmp_path: Path,
    jwks_file: Path,
    memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = device_config(tmp_path, jwks_file)
    monkeypatch.setenv("KIOSK_COORDINATOR_PIN", PIN)
    assert main(["provision", str(config)]) == 0
    out = capsys.readouterr().out
    assert "offline-only device (no [api]): no enrollment" in out
    assert "trust list" in out
    assert "1 key(s)" in out
    database = tmp_path / "data" / "kiosk.db"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "log").stat().st_mode) == 0o750
    (stored,) = memory.entries.values()
    assert verify_pin(PIN, stored)
    assert PIN not in out


@pytest.mark.parametrize(
    ("pin", "message"),
    [("12ab", "digits 0-9 only"), ("1111", "too easy"), ("123", "4 to 12 digits")],
)
def test_bad_pin_is_refused_before_anything_is_stored(
    tmp_path: Path,
    jwks_file: Path,
    memory: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    pin: str,
    message: str,
) -> None:
    config = device_config(tmp_path, jwks_file)
    assert main(["provision", str(config), "--pin", pin]) == 2
    assert message in capsys.readouterr().err
    assert memory.entries == {}


def test_missing_pin_without_a_terminal_is_a_usage_error(
    tmp_path: Path, jwks_file: Path, memory: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    config = device_config(tmp_path, jwks_file)
    assert main(["provision", str(config)]) == 2
    assert "no coordinator PIN: set KIOSK_COORDINATOR_PIN" in capsys.readouterr().err


def test_missing_trust_list_offline_is_a_usage_error(
    tmp_path: Path, memory: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    config = device_config(tmp_path, tmp_path / "absent-jwks.json")
    assert main(["provision", str(config), "--pin", PIN]) == 2
    assert "absent-jwks.json does not exist" in capsys.readouterr().err


def test_invalid_config_exit_2_one_report_no_traceback(
    tmp_path: Path, jwks_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = device_config(tmp_path, jwks_file)
    config.write_text(config.read_text("utf-8").replace('"131016"', '"131017"'), encoding="utf-8")
    assert main(["provision", str(config), "--check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kiosk provision: {config}:5: device.municipality:")
    assert "check digit should be 6" in err
    assert "Traceback" not in err
    assert main(["provision", str(config), "--device", "other"]) == 2
    assert "this file is for device" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: provisioning as root adopts owners")
def test_as_root_new_files_take_the_owner_of_their_folder(
    tmp_path: Path, jwks_file: Path, memory: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    os.chown(state, 12345, 12345)  # `install -d -o furusato-kiosk` did this
    config = device_config(tmp_path, jwks_file, database=state / "kiosk.db")
    assert main(["provision", str(config), "--pin", PIN]) == 0
    database = state / "kiosk.db"
    assert (database.stat().st_uid, database.stat().st_gid) == (12345, 12345)
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
