"""The ``national-api`` command as a real process: serve (URL on stdout, SIGTERM) and admin."""

from __future__ import annotations

import datetime as dt
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sync.server.cli import main

from .conftest import JST

ADMIN = "cli-admin-token"
_SCRIPT = shutil.which("national-api", path=str(Path(sys.executable).parent))
COMMAND = [_SCRIPT] if _SCRIPT else [sys.executable, "-m", "sync.server.cli"]


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.server.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )


def read_line(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=deadline - time.monotonic()):
            return proc.stdout.readline().strip()
    raise AssertionError("server printed no URL in time")


class Served:
    def __init__(self, database_url: str, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [
                *COMMAND,
                "serve",
                "--port",
                "0",
                "--database-url",
                database_url,
                "--admin-token",
                ADMIN,
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.url = read_line(self.proc)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


@pytest.fixture
def served(database_url: str) -> Iterator[Served]:
    server = Served(database_url)
    yield server
    server.stop()


def test_serve_prints_url_serves_and_stops_cleanly_on_sigterm(served: Served) -> None:
    assert served.url.startswith("http://127.0.0.1:")
    response = httpx.get(f"{served.url}/v1/health", timeout=10)
    assert response.status_code == 200
    assert "date" in response.headers
    assert served.stop() == 0
    assert served.proc.stderr is not None
    assert "Traceback" not in served.proc.stderr.read()


def test_fault_flags_at_startup_admin_switch_and_sigint(database_url: str) -> None:
    server = Served(database_url, "--fault", "unavailable_rate=1", "--fault", "retry_after_s=9")
    try:
        response = httpx.get(f"{server.url}/v1/health", timeout=10)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "9"
        auth = {"Authorization": f"Bearer {ADMIN}"}
        assert httpx.delete(f"{server.url}/admin/faults", headers=auth).status_code == 200
        assert httpx.get(f"{server.url}/v1/health", timeout=10).status_code == 200
    finally:
        server.proc.send_signal(signal.SIGINT)
        assert server.proc.wait(timeout=30) == 0


def test_bad_fault_flag_is_usage_error(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["serve", "--port", "0", "--database-url", database_url, "--fault", "bogus=1"]
    assert main(args) == 2
    assert "bad --fault" in capsys.readouterr().err


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The admin CLI in-process (same code path as the console script, without start-up cost)."""
    capsys.readouterr()
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_admin_commands_seed_a_running_server(
    served: Served, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database-url", database_url]
    cli("create-municipality", "131016", "千代田区", *db)  # once as a real process
    run_main(
        capsys,
        "create-organisation",
        "rmo-kanda",
        "神田 RMO",
        "--municipality",
        "131016",
        "--kind",
        "rmo",
        *db,
    )
    run_main(
        capsys,
        "create-activity",
        "act-cli",
        "--name",
        "Clean-up",
        "--date",
        "2026-11-23",
        "--municipality",
        "131016",
        "--venue",
        "Beach",
        "--organiser",
        "RMO",
        "--designated",
        *db,
    )
    token = run_main(capsys, "enroll-token", "--municipality", "131016", *db).strip()
    enrolled = httpx.post(f"{served.url}/v1/devices/enroll", json={"token": token}, timeout=10)
    assert enrolled.status_code == 201
    auth = {"Authorization": f"Bearer {enrolled.json()['device_token']}"}
    activities = httpx.get(f"{served.url}/v1/activities", headers=auth).json()["activities"]
    assert [(a["id"], a["designated"], a["venue"]) for a in activities] == [
        ("act-cli", True, "Beach")
    ]

    first_kid = run_main(capsys, "keys", "list", *db).split("\t")[0]
    issued = json.loads(
        run_main(
            capsys,
            "issue-pass",
            "--tier",
            "premium",
            "--mun",
            "131016",
            "--stay",
            "131016",
            "--json",
            *db,
        )
    )
    assert issued["claims"]["tier"] == "premium"
    assert issued["claims"]["stay"] == ["131016"]
    assert issued["kid"] == first_kid
    new_kid = run_main(capsys, "keys", "rotate", *db).strip()
    listing = run_main(capsys, "keys", "list", *db)
    assert f"{first_kid}\t" in listing
    assert f"{new_kid}\t" in listing
    assert "verify-only" in listing
    assert main(["keys", "remove", new_kid, *db]) == 1  # the active key stays

    jwks_file = tmp_path / "jwks.json"
    run_main(capsys, "export-jwks", str(jwks_file), *db)
    assert {k["kid"] for k in json.loads(jwks_file.read_text())["keys"]} == {first_kid, new_kid}
    assert httpx.get(f"{served.url}/v1/trust/jwks").json() == json.loads(jwks_file.read_text())

    run_main(capsys, "keys", "remove", first_kid, *db)
    assert [k["kid"] for k in httpx.get(f"{served.url}/v1/trust/jwks").json()["keys"]] == [new_kid]
    run_main(
        capsys, "revoke", "--jti", issued["claims"]["jti"], "--sub", issued["claims"]["sub"], *db
    )
    revoked = httpx.get(f"{served.url}/v1/revocations", headers=auth).json()
    assert revoked["jti"] == [issued["claims"]["jti"]]
    assert revoked["sub"] == [issued["claims"]["sub"]]


def test_issue_pass_png_is_a_readable_qr(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import zxingcpp
    from PIL import Image

    png = tmp_path / "pass.png"
    out = run_main(
        capsys,
        "issue-pass",
        "--iat",
        "2025-04-01T09:00:00+09:00",
        "--exp",
        "1750000000",
        "--png",
        str(png),
        "--json",
        "--database-url",
        database_url,
    )
    token = json.loads(out)["pass"]
    assert json.loads(out)["claims"]["exp"] == 1750000000
    decoded = zxingcpp.read_barcodes(Image.open(png))
    assert [d.text for d in decoded] == [token]


def test_admin_errors_are_one_line_exit_1(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database-url", database_url]
    assert main(["create-municipality", "131017", "bad check digit", *db]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "check digit" in err
    assert main(["issue-pass", "--tier", "basic", "--mun", "999999", *db]) == 1
    assert (
        main(
            [
                "create-activity",
                "a",
                "--name",
                "n",
                "--date",
                "2026-11-23",
                "--municipality",
                "131016",
                *db,
            ]
        )
        == 1
    )  # municipality not created
    assert "unknown municipality" in capsys.readouterr().err


def test_serve_takes_the_scan_rules_and_register_records_registrations(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database-url", database_url]
    day = (dt.datetime.now(JST) - dt.timedelta(days=2)).date()
    run_main(capsys, "create-municipality", "131016", "千代田区", *db)
    run_main(
        capsys, "create-activity", "act-y", "--name", "Y", "--date", day.isoformat(),
        "--municipality", "131016", "--designated", *db,
    )  # fmt: skip
    token = run_main(capsys, "enroll-token", "--municipality", "131016", *db).strip()
    issued = json.loads(run_main(capsys, "issue-pass", "--json", "--iat", "1700000000", *db))
    sub = issued["claims"]["sub"]
    run_main(capsys, "register", "--registrant", sub, "--mun", "131016", *db)
    report = json.loads(
        run_main(capsys, "participations", "--registrant", sub, "--fiscal-year", "2026", *db)
    )
    assert report["registered_municipalities"] == ["131016"]
    assert main(["register", "--registrant", "nobody", "--mun", "131016", *db]) == 1

    late = dt.datetime.combine(day, dt.time(23, 30), JST) + dt.timedelta(hours=1)
    item = {
        "id": "8c1e1f5e-4d43-4f43-9f0e-7d3c2b1a0f11",
        "activity_id": "act-y",
        "pass": issued["pass"],
        "method": "camera",
        "scanned_at": late.isoformat(),  # 00:30 the day after: within 2 h, not within 0
    }
    served = Served(database_url, "--day-tolerance-s", "0", "--upload-delay-s", "3600")
    try:
        enrolled = httpx.post(f"{served.url}/v1/devices/enroll", json={"token": token})
        auth = {"Authorization": f"Bearer {enrolled.json()['device_token']}"}
        response = httpx.post(
            f"{served.url}/v1/checkins:batch",
            json={"checkins": [item]},
            headers={**auth, "Idempotency-Key": "cli-rules"},
        )
        assert response.json()["results"][0]["reason"] == "scanned_outside_activity_day"
    finally:
        assert served.stop() == 0
    bad = cli("serve", "--clock-skew-s", "-1", *db, check=False)
    assert bad.returncode == 2
    assert "must not be negative" in bad.stderr
