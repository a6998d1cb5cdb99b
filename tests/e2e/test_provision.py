"""`kiosk provision` end to end against the reference national API on 127.0.0.1, and
`kiosk doctor` on this machine (no camera) after it."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest

from cli.main import main
from config.load import load_config
from kiosk.pin import verify_pin
from tests.devices import run_kiosk
from tests.e2e.sync.harness import ServerProcess
from tests.keyrings import MemoryKeyring

# The reference server runs in its own process, as in the field; HTTP goes over 127.0.0.1.

CREDENTIAL_FILE = "config.secrets.CredentialFileKeyring"
MUN = "131016"
PIN = "739104"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("national"))
    try:
        process.seed()
        process.call("rotate_key")
        process.listen()
        yield process
    finally:
        process.close()


def used_tokens(server: ServerProcess) -> int:
    con = sqlite3.connect(server.database)
    try:
        query = "SELECT count(*) FROM enrollmenttoken WHERE used_at IS NOT NULL"
        return int(con.execute(query).fetchone()[0])
    finally:
        con.close()


def write_anchor(tmp_path: Path, server: ServerProcess) -> Path:
    """The national trust anchor, as `national-api anchor export` writes it."""
    path = tmp_path / "etc" / "anchor.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(server.anchor()), encoding="utf-8")
    return path


def write_config(
    tmp_path: Path, api_url: str, name: str = "kiosk.toml", *, anchor: Path | None = None
) -> Path:
    path = tmp_path / name
    pin = f'anchor_file = "{anchor}"' if anchor is not None else ""
    path.write_text(
        f"""
[device]
id = "kiosk-prov-01"
name = "Gate 1"
municipality = "{MUN}"
database = "{tmp_path / "var" / "kiosk.db"}"

[trust]
jwks_file = "{tmp_path / "etc" / "jwks.json"}"
{pin}

[activity]
id = "act-1"
name = "Beach clean-up"

[api]
url = "{api_url}"

[logging]
directory = "{tmp_path / "log"}"
""",
        encoding="utf-8",
    )
    return path


def test_provision_end_to_end(
    tmp_path: Path,
    server: ServerProcess,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, str(server.url), anchor=write_anchor(tmp_path, server))
    token = server.enroll_token()

    assert main(["provision", str(config), "--check"]) == 0
    assert not (tmp_path / "var").exists()  # --check validates only
    capsys.readouterr()

    monkeypatch.setenv("KIOSK_ENROLLMENT_TOKEN", token)
    monkeypatch.setenv("KIOSK_COORDINATOR_PIN", "1234")  # too easy: refused before enrolling
    assert main(["provision", str(config)]) == 2
    assert "too easy" in capsys.readouterr().err

    used_before = used_tokens(server)
    monkeypatch.setenv("KIOSK_COORDINATOR_PIN", PIN)
    assert main(["provision", str(config)]) == 0
    out = capsys.readouterr().out
    assert "enrolled with" in out
    assert "signed trust statement #" in out
    assert "no trust anchor pinned" not in out
    assert "coordinator PIN stored as a salted scrypt hash" in out
    entries = {user: value for (_, user), value in memory_keyring.entries.items()}
    device_token = entries["kiosk-prov-01:device_token"]
    pin_hash = entries["kiosk-prov-01:pin_hash"]
    assert entries["kiosk-prov-01:server_device_id"] in out
    assert device_token not in out
    assert PIN not in pin_hash
    assert verify_pin(PIN, pin_hash)
    for text in (out, (tmp_path / "log" / "kiosk.log").read_text(encoding="utf-8")):
        assert device_token not in text
        assert token not in text
        assert PIN not in text

    database = tmp_path / "var" / "kiosk.db"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    jwks = json.loads((tmp_path / "etc" / "jwks.json").read_text(encoding="utf-8"))
    assert jwks == server.jwks()  # from the statement the pinned anchor signed
    with sqlite3.connect(database) as con:  # kept as the device's last good statement
        assert con.execute("SELECT count(*) FROM truststatement").fetchone()[0] == 1
    assert used_tokens(server) == used_before + 1  # the token is consumed

    # the same token again: refused by the server, and the stored token is kept
    assert main(["provision", str(config)]) == 2
    assert "already used" in capsys.readouterr().err
    assert memory_keyring.entries[("furusato-kiosk", "kiosk-prov-01:device_token")] == device_token

    # re-provisioning without a token or PIN keeps both
    monkeypatch.delenv("KIOSK_ENROLLMENT_TOKEN")
    monkeypatch.delenv("KIOSK_COORDINATOR_PIN")
    assert main(["provision", str(config)]) == 0
    out = capsys.readouterr().out
    assert "already enrolled" in out
    assert "coordinator PIN kept" in out


def test_no_unsigned_trust_list_without_a_pin(
    tmp_path: Path,
    server: ServerProcess,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, str(server.url))
    used_before = used_tokens(server)
    args = ["provision", str(config), "--enrollment-token", server.enroll_token(), "--pin", PIN]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "no trust anchor is pinned" in err
    assert "anchor_file" in err
    assert not (tmp_path / "etc" / "jwks.json").exists()
    assert used_tokens(server) == used_before  # refused before the token was spent

    # With a trust list in place, no pin is allowed, with a warning.
    (tmp_path / "etc").mkdir(exist_ok=True)
    (tmp_path / "etc" / "jwks.json").write_text(json.dumps(server.jwks()), encoding="utf-8")
    assert main(args) == 0
    assert "! no trust anchor pinned" in capsys.readouterr().out


def test_not_enrolled_without_token_is_a_usage_error(
    tmp_path: Path,
    server: ServerProcess,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, str(server.url), anchor=write_anchor(tmp_path, server))
    assert main(["provision", str(config), "--pin", PIN]) == 2
    assert "not enrolled: set KIOSK_ENROLLMENT_TOKEN" in capsys.readouterr().err
    assert memory_keyring.entries == {}


def test_fleet_device_provisioning_writes_its_config(
    tmp_path: Path,
    server: ServerProcess,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(
        f"""
[device]
municipality = "{MUN}"
database = "{tmp_path / "var" / "kiosk.db"}"
[trust]
jwks_file = "{tmp_path / "etc" / "jwks.json"}"
anchor_file = "{write_anchor(tmp_path, server)}"
[api]
url = "{server.url}"
[logging]
directory = "{tmp_path / "log"}"
[devices."gate-1"]
name = "Gate 1"
[devices."gate-2"]
name = "Gate 2"
camera = {{ source = "/dev/video2" }}
""",
        encoding="utf-8",
    )
    assert main(["provision", str(fleet), "--check"]) == 0
    assert "2 devices valid" in capsys.readouterr().out
    target = tmp_path / "etc" / "kiosk.toml"
    args = ["provision", str(fleet), "--device", "gate-2", "--write-config", str(target)]
    args += ["--enrollment-token", server.enroll_token(), "--pin", PIN]
    assert main(args) == 0
    assert f"wrote this device's config to {target}" in capsys.readouterr().out
    written = load_config(target, environ={})
    assert written == load_config(fleet, device_id="gate-2", environ={})
    assert written.camera.source == "/dev/video2"
    assert ("furusato-kiosk", "gate-2:device_token") in memory_keyring.entries


def kiosk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`kiosk ...` with its secrets in the credential file (no desktop keyring here)."""
    return run_kiosk(*args, env={"PYTHON_KEYRING_BACKEND": CREDENTIAL_FILE, **env})


def test_provision_then_doctor_on_this_machine_without_a_camera(
    tmp_path: Path, server: ServerProcess
) -> None:
    config = write_config(tmp_path, str(server.url), anchor=write_anchor(tmp_path, server))
    env = {"KIOSK_ENROLLMENT_TOKEN": server.enroll_token(), "KIOSK_COORDINATOR_PIN": PIN}
    done = kiosk("provision", str(config), env=env)
    assert done.returncode == 0, done.stderr
    credentials = Path(os.environ["KIOSK_CREDENTIALS_DIR"]) / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert PIN not in credentials.read_text(encoding="utf-8")

    doctor = kiosk("doctor", "--config", str(config), env={})
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr  # the camera is missing
    assert "Traceback" not in doctor.stdout + doctor.stderr
    lines = {line.split()[1]: line for line in doctor.stdout.splitlines() if line[:1] in "✓✗!-"}
    assert lines["camera"].startswith("✗ camera")
    assert "/dev/video0 does not exist" in lines["camera"]
    fix = doctor.stdout.splitlines()[doctor.stdout.splitlines().index(lines["camera"]) + 1]
    assert "fix: plug in the USB camera" in fix
    assert lines["config"].startswith("✓")
    assert lines["keyring"].startswith("✓")
    assert lines["api"].startswith("✓")
    assert "clock offset" in lines["api"]
    assert lines["database"].startswith("✓")
    assert lines["trust"].startswith("✓ trust")
    assert "statement #" in lines["trust"]
    assert lines["pending"].startswith("✓")
    assert lines["decoder"][0] in "✓!"

    # the national system disables the device: the doctor says to re-enroll
    entries = json.loads(credentials.read_text(encoding="utf-8"))["entries"]["furusato-kiosk"]
    server.call("disable_device", device_id=entries["kiosk-prov-01:server_device_id"])
    report = json.loads(kiosk("doctor", "--config", str(config), "--json", env={}).stdout)
    api = next(c for c in report["checks"] if c["name"] == "api")
    assert api["status"] == "fail"
    assert "401" in api["summary"]
    assert "--enrollment-token" in api["fix"]


def test_doctor_without_config_exits_2_and_still_reports() -> None:
    text = kiosk("doctor", env={})
    assert text.returncode == 2
    assert text.stdout.splitlines()[1].startswith("✗ config")
    assert "KIOSK_CONFIG_FILE" in text.stdout
    assert "✗ camera" in text.stdout  # the machine checks still ran
    done = kiosk("doctor", "--json", env={})
    assert done.returncode == 2
    report = json.loads(done.stdout)
    assert report["status"] == "fail"
    assert report["exit"] == 2
    assert report["device"] is None
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["camera"]["status"] == "fail"
    assert "plug in the USB camera" in checks["camera"]["fix"]
    assert checks["database"]["status"] == "skip"
    assert all(c["duration_ms"] < 15000 for c in report["checks"])
