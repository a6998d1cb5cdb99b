"""``national-api anchor|activity-code|app-checkin`` against a served process (issue 17)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from kiosk.trust import Accepted, Refused, verify_statement
from kiosk.trust_anchor import AnchorPin, TrustState, load_anchor_file
from sync.server.activity_codes import venue_day
from sync.server.cli import main

from .test_cli import Served, cli, run_main


@pytest.fixture
def served(database_url: str) -> Iterator[Served]:
    server = Served(database_url, "--code-window-seconds", "30")
    yield server
    server.stop()


def _enrolled(
    served: Served, db: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[httpx.Client, str]:
    """An activity today and an enrolled device: its client and its server device id."""
    run_main(capsys, "create-municipality", "131016", "千代田区", *db)
    today = venue_day(datetime.now(UTC)).isoformat()
    run_main(
        capsys,
        "create-activity",
        "act-cli-today",
        "--name",
        "清掃",
        "--date",
        today,
        "--municipality",
        "131016",
        *db,
    )
    token = run_main(capsys, "enroll-token", "--municipality", "131016", *db).strip()
    body = httpx.post(f"{served.url}/v1/devices/enroll", json={"token": token}).json()
    auth = {"Authorization": f"Bearer {body['device_token']}"}
    return httpx.Client(base_url=served.url, headers=auth, timeout=10), body["device_id"]


def test_anchor_export_pins_what_the_server_signs_with_and_rotates(
    served: Served, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database-url", database_url]
    client, _ = _enrolled(served, db, capsys)
    shown = run_main(capsys, "anchor", "show", *db)
    thumbprint, role = shown.strip().split("\t")
    assert role == "current"
    exported = tmp_path / "anchor.jwk"
    assert run_main(capsys, "anchor", "export", str(exported), *db).strip() == thumbprint
    by_file = TrustState.initial(load_anchor_file(exported))
    by_thumbprint = TrustState.initial([AnchorPin.from_thumbprint(thumbprint)])
    token = client.get("/v1/trust/statement").text
    for state in (by_file, by_thumbprint):
        assert isinstance(verify_statement(token, state, time.time()), Accepted)

    new = run_main(capsys, "anchor", "announce", *db).strip()
    assert f"{new}\tnext (announced)" in run_main(capsys, "anchor", "show", *db)
    keys = json.loads(run_main(capsys, "anchor", "show", "--json", *db))["keys"]
    assert [k["kid"] for k in keys] == [thumbprint, new]
    assert main(["anchor", "announce", *db]) == 1  # one announcement at a time
    assert "already announced" in capsys.readouterr().err
    assert run_main(capsys, "anchor", "switch", *db).strip() == new
    assert main(["anchor", "switch", *db]) == 1
    assert "no anchor announced" in capsys.readouterr().err
    switched = client.get("/v1/trust/statement").text
    assert isinstance(verify_statement(switched, by_file, time.time()), Accepted)  # the proof
    stranger = TrustState.initial([AnchorPin.from_thumbprint("A" * 43)])
    assert isinstance(verify_statement(switched, stranger, time.time()), Refused)
    assert main(["anchor", "export", *db]) == 1  # export needs a FILE
    client.close()


def test_app_checkin_simulator_end_to_end(
    served: Served, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--database-url", database_url]
    client, device_id = _enrolled(served, db, capsys)
    assert client.get("/v1/activity-code-keys").json()["window_seconds"] == 30  # the serve flag
    code = run_main(
        capsys, "activity-code", "act-cli-today", "--device", device_id, "--window", "30", *db
    ).strip()
    registrant = json.loads(run_main(capsys, "issue-pass", "--json", *db))["pass"]

    first = cli("app-checkin", "--url", served.url, "--pass", registrant, "--code", code)
    assert first.stdout.startswith("accepted ")
    assert first.stdout.strip().endswith("at act-cli-today")
    again = cli("app-checkin", "--url", served.url, "--pass", registrant, "--code", code, "--json")
    assert json.loads(again.stdout)["status"] == "duplicate"
    refused = cli(
        "app-checkin", "--url", served.url, "--pass", registrant, "--code", "junk", check=False
    )
    assert (refused.returncode, refused.stdout.strip()) == (1, "rejected: bad_code")
    counts = client.get("/v1/activities/act-cli-today/counts").json()
    assert (counts["app"], counts["gate"]) == (1, 0)
    client.close()


def test_app_checkin_without_a_server_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["app-checkin", "--url", f"http://127.0.0.1:{port}", "--pass", "p", "--code", "c"]
    assert main(args) == 1
    assert "cannot reach" in capsys.readouterr().err
