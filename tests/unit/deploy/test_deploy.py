"""deploy/ and scripts/: scripts parse, units verify, the install dry run, the watchdog."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from kiosk.watchdog import Watchdog, notify

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
SCRIPTS = sorted([*DEPLOY.glob("*.sh"), *(DEPLOY.parent / "scripts").glob("*.sh")])
UNITS = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_parse(script: Path) -> None:
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert script.stat().st_mode & 0o111  # executable


def test_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze") or shutil.which("systemd-analyze", path="/usr/bin")
    # scripts/bootstrap.sh installs it (package systemd) where it is missing: never skipped
    assert analyze is not None, "systemd-analyze is missing: run scripts/bootstrap.sh"
    # verify needs the ExecStart programs to exist: point them at /bin/true, keep the rest
    for unit in UNITS:
        text = re.sub(r"(?m)^ExecStart=\S+", "ExecStart=/bin/true", unit.read_text("utf-8"))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", *(f"./{u.name}" for u in UNITS)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Unknown" not in done.stderr, done.stderr
    assert "ignoring" not in done.stderr, done.stderr


def test_service_unit_promises() -> None:
    unit = (DEPLOY / "furusato-kiosk.service").read_text("utf-8")
    for line in (
        "Restart=on-failure",
        "WatchdogSec=60",
        "NotifyAccess=all",
        "LoadCredential=credentials.json:/etc/furusato-kiosk/credentials/credentials.json",
        "User=furusato-kiosk",
        "ExecStart=/usr/lib/furusato-kiosk/kiosk-session",
    ):
        assert f"\n{line}\n" in unit, line
    session = (DEPLOY / "kiosk-session.sh").read_text("utf-8")
    assert "exec cage" in session
    assert "foot --config" in session
    assert "Noto Sans Mono CJK JP" in (DEPLOY / "foot.ini").read_text("utf-8")


def test_install_script_dry_run() -> None:
    script = str(DEPLOY / "install-pi.sh")
    done = subprocess.run(
        ["bash", script, "--dry-run", "--arch", "aarch64"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    apt = next(line for line in out.splitlines() if "apt-get install" in line)
    for package in ("libzbar0", "cage", "foot", "fonts-noto-cjk", "python3-venv"):
        assert f" {package}" in apt
    assert "useradd --system" in out
    assert "install -d -o root -g root -m 0700 /etc/furusato-kiosk/credentials" in out
    assert "install -d -o furusato-kiosk -g furusato-kiosk -m 0700 /var/lib/furusato-kiosk" in out
    assert "systemctl enable furusato-kiosk.service furusato-kiosk-purge.timer" in out
    assert "kiosk provision" in out
    # the locked set, checked by hash, then the kiosk's own wheel without resolving anything
    lines = out.splitlines()
    export = next(line for line in lines if " export " in line)
    assert "--frozen --no-dev --no-emit-project" in export
    assert "requirements-txt" in export
    sync = next(line for line in lines if " pip sync " in line)
    assert "--require-hashes" in sync
    assert sync.endswith("/opt/furusato-kiosk/requirements.lock.txt")
    wheel = next(line for line in lines if " pip install " in line and "furusato_kiosk-" in line)
    assert "--no-deps" in wheel
    assert any(" build --wheel " in line for line in lines)
    assert not any("bin/pip install" in line and "uv==" not in line for line in lines)
    wrong = subprocess.run(
        ["bash", script, "--dry-run", "--arch", "armv7l"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert wrong.returncode == 2
    assert "64-bit" in wrong.stderr


def test_install_uses_the_same_uv_as_bootstrap() -> None:
    pattern = re.compile(r'(?m)^UV_VERSION="([0-9.]+)"')
    bootstrap = pattern.search((DEPLOY.parent / "scripts" / "bootstrap.sh").read_text("utf-8"))
    install = pattern.search((DEPLOY / "install-pi.sh").read_text("utf-8"))
    assert bootstrap is not None
    assert install is not None
    assert install[1] == bootstrap[1]


def test_notify_over_a_real_datagram_socket(tmp_path: Path) -> None:
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(5)
        env = {"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "1"}
        watchdog = Watchdog.from_environment(env)
        assert watchdog is not None
        assert watchdog.interval == 30.0
        assert watchdog.ready("scanning")
        assert server.recv(1024) == b"READY=1\nSTATUS=scanning"
        assert watchdog.ping()
        assert server.recv(1024) == b"WATCHDOG=1"


def test_notify_is_a_no_op_outside_systemd() -> None:
    assert notify("READY=1", {}) is False
    assert Watchdog.from_environment({}) is None
    assert Watchdog.from_environment({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "no"}) is None
    assert notify("WATCHDOG=1", {"NOTIFY_SOCKET": "/nonexistent/socket"}) is False
