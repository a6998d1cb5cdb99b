"""`kiosk run` logs through `kiosk.logs` like every command: redacted JSON lines, rotated,
0640 files in a 0750 folder (narrowed when an older version left them wider), the folder
`kiosk doctor` checks, and library records (httpx, uvicorn) in the same format and filter."""

from __future__ import annotations

import argparse
import json
import logging
import stat
from pathlib import Path

from cli.commands.run import build_kiosk
from cli.doctor import Context, Status, run_checks
from config.load import load_config
from kiosk.logs import LOG_FILE
from kiosk.models import Verification
from kiosk.passes import PassVerifier
from tests.passkit import PassKit
from tests.ui.conftest import settle, to_scan, wedge_type

REGISTRANT = "FR7K3M9Q2XPD"
BEARER = "fkd_Zq9sT3cr3tD3v1c3T0k3nValue"


class BuggyVerifier(PassVerifier):
    """A verifier whose bug message carries what must never reach a log file."""

    def verify(self, token: str | bytes, now: float) -> Verification:
        raise KeyError(f"{REGISTRANT} Authorization: Bearer {BEARER}")


def write_config(tmp_path: Path, kit: PassKit) -> Path:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"""
[device]
id = "kiosk-run-logs"
name = "Gate 3"
municipality = "131016"
database = "{tmp_path / "run.db"}"
[trust]
jwks_file = "{kit.write_jwks(tmp_path / "jwks.json")}"
[activity]
id = "act-run"
name = "Run test"
[camera]
source = "{tmp_path / "no-such-clip.avi"}"
[logging]
directory = "{tmp_path / "log"}"
max_bytes = 65536
backups = 2
""",
        encoding="utf-8",
    )
    return config


async def test_kiosk_run_writes_rotated_redacted_json_logs(tmp_path: Path, kit: PassKit) -> None:
    folder = tmp_path / "log"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # as an older version left it
    (folder / LOG_FILE).write_text("")
    (folder / LOG_FILE).chmod(0o644)
    config = write_config(tmp_path, kit)
    kiosk = build_kiosk(argparse.Namespace(config=config, language="en"))
    try:
        kiosk.services.checkins.verifier = BuggyVerifier({})  # a bug at the gate: logged
        async with kiosk.app.run_test(size=(80, 24)) as pilot:
            await to_scan(pilot)
            await wedge_type(pilot, kit.sign(sub=REGISTRANT))
            await settle(pilot)
            assert kiosk.app.is_running
            for n in range(800):  # what a long day of retries writes: enough to rotate twice
                logging.getLogger("httpx").warning(
                    "retry %d Authorization: Bearer %s for %s", n, BEARER, REGISTRANT
                )
            logging.getLogger("uvicorn.error").error("closed \x1b]52;c;aGk=\x07")
            logging.getLogger("httpx").info("HTTP Request: GET /v1/health 200")  # below WARNING
    finally:
        kiosk.close()

    files = sorted(p.name for p in folder.iterdir())
    assert files == [LOG_FILE, f"{LOG_FILE}.1", f"{LOG_FILE}.2"]  # rotated, 2 backups kept
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    for name in files:
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o640, name
    entries = [
        json.loads(line)
        for name in files
        for line in (folder / name).read_text(encoding="utf-8").splitlines()
    ]
    text = "".join((folder / name).read_text(encoding="utf-8") for name in files)
    for leaked in (REGISTRANT, BEARER, "\x1b", "HTTP Request"):
        assert leaked not in text, leaked
    assert {e["device"] for e in entries} == {"kiosk-run-logs"}
    loggers = {e["logger"] for e in entries}
    assert {"kiosk.checkins", "uvicorn.error"} <= loggers
    unreadable = next(e for e in entries if e["logger"] == "kiosk.checkins")
    assert "unreadable" in unreadable["msg"]
    assert "KeyError" in unreadable["exc"]  # with its traceback, redacted
    assert "FR7K3M****PD" in unreadable["exc"]

    context = Context(load_config(config), config, None, {})
    (doctor,) = run_checks(context, ["logs"])
    assert doctor.result.status is Status.OK
    assert str(folder / LOG_FILE) in doctor.result.summary  # the folder kiosk doctor checks
