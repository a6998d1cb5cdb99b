"""`kiosk scan --source -` (keyboard wedge) through the real console entry point."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.keyboard_layout import Mismatch, typed
from tests.devices import run_kiosk
from tests.passkit import PassKit


def test_wedge_lines_give_one_json_decision_each(config_file: Path, kit: PassKit) -> None:
    token = kit.sign()
    lines = "\n".join([token, token, "", "garbage", "[b]x[/b]\x1b[31m", kit.sign(iss="x")])
    done = run_kiosk("scan", "--config", str(config_file), "--source", "-", "--jsonl", stdin=lines)
    assert done.returncode == 0, done.stderr
    decisions = [json.loads(line) for line in done.stdout.splitlines()]
    assert [d["decision"] for d in decisions] == [
        "accepted",
        "duplicate",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert [d["reason"] for d in decisions[2:]] == ["malformed", "malformed", "wrong_issuer"]
    for d in decisions:
        assert {"decision", "reason", "registrant", "checkin_id", "method", "latency_ms"} <= set(d)
        assert d["method"] == "wedge"
        assert d["latency_ms"] >= 0
    assert decisions[0]["checkin_id"] == decisions[1]["checkin_id"]
    assert decisions[0]["registrant"].count("*") == 4
    assert "\x1b" not in done.stdout


def test_activity_option_selects_the_activity(config_file: Path, kit: PassKit) -> None:
    done = run_kiosk(
        "scan",
        "--config",
        str(config_file),
        "--source",
        "-",
        "--jsonl",
        "--activity",
        "act-other",
        stdin=kit.sign(),
    )
    assert json.loads(done.stdout)["activity"] == "act-other"


def test_missing_config_is_a_usage_error_without_traceback() -> None:
    done = run_kiosk("scan", "--source", "-", "--jsonl")
    assert done.returncode == 2
    assert "KIOSK_CONFIG_FILE" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_malformed_config_names_file_line_and_field(tmp_path: Path, config_file: Path) -> None:
    bad = config_file.read_text().replace('municipality = "131016"', 'municipality = "131017"')
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    done = run_kiosk("scan", "--config", str(path), "--source", "-")
    assert done.returncode == 2
    assert f"{path}:5: device.municipality" in done.stderr
    assert "check digit should be 6" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_key_is_named(tmp_path: Path, config_file: Path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(config_file.read_text().replace("[trust]", "[trust]\njwks_fiel = 'x'"))
    done = run_kiosk("scan", "--config", str(path), "--source", "-")
    assert done.returncode == 2
    assert "trust.jwks_fiel: unknown key" in done.stderr


def test_bad_usage_exits_2() -> None:
    assert run_kiosk("scan").returncode == 2
    assert run_kiosk("no-such-command").returncode == 2


def test_unreadable_trust_list_is_a_clear_error(tmp_path: Path, config_file: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(config_file.read_text().replace("jwks.json", "missing.json"))
    done = run_kiosk("scan", "--config", str(path), "--source", "-")
    assert done.returncode == 2
    assert "cannot read trust list" in done.stderr


def test_damaged_database_stops_the_kiosk_with_recovery_steps(
    config_file: Path, kit: PassKit
) -> None:
    tokens = "\n".join(kit.sign() for _ in range(200))
    assert (
        run_kiosk("scan", "--config", str(config_file), "--source", "-", stdin=tokens).returncode
        == 0
    )
    database = config_file.parent / "kiosk.db"
    for suffix in ("-wal", "-shm"):  # fold the WAL in first, as a clean shutdown would
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    data = bytearray(database.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = b"\xa5" * 4096
    database.write_bytes(bytes(data))
    done = run_kiosk("scan", "--config", str(config_file), "--source", "-", stdin=kit.sign())
    assert done.returncode == 2
    assert "damaged" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_missing_video_file_is_a_runtime_failure(config_file: Path, tmp_path: Path) -> None:
    done = run_kiosk("scan", "--config", str(config_file), "--source", str(tmp_path / "no.avi"))
    assert done.returncode == 1
    assert "scan source failed" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_synthetic_spec_is_a_usage_error(config_file: Path) -> None:
    done = run_kiosk("scan", "--config", str(config_file), "--source", "synthetic:?size=banana")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_a_pass_typed_by_a_us_scanner_on_a_jis_computer_is_decided(
    tmp_path: Path, config_file: Path, kit: PassKit
) -> None:
    config = tmp_path / "logged.toml"
    config.write_text(config_file.read_text() + f'[logging]\ndirectory = "{tmp_path / "log"}"\n')
    token = next(t for t in (kit.sign() for _ in range(1000)) if "_" in t)
    lines = "\n".join([typed(Mismatch.US_ON_JIS, token), typed(Mismatch.CAPS_LOCK, token)])
    done = run_kiosk("scan", "--config", str(config), "--source", "-", "--jsonl", stdin=lines)
    assert done.returncode == 0, done.stderr
    decisions = [json.loads(line)["decision"] for line in done.stdout.splitlines()]
    assert decisions == ["accepted", "duplicate"]
    log = (tmp_path / "log" / "kiosk.log").read_text()
    warnings = [json.loads(line)["msg"] for line in log.splitlines() if "keyboard" in line]
    assert len(warnings) == 2  # once per setting, each naming it and the doctor's check
    assert "(us_on_jis)" in warnings[0]
    assert "(caps_lock)" in warnings[1]
    assert all("kiosk doctor --scanner" in w for w in warnings)
