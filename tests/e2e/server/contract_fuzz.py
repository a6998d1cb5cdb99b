"""`make contract-fuzz`: Schemathesis against what clients fetch, for a time budget.

Seeds a fresh reference server (today's activities, an enrolled device, passes), serves it on
loopback and runs the `schemathesis` command on the served `/openapi.json` with every check
on, device and admin tokens given per security scheme. Prints a one-line JSON summary
(cases, requests per status class, failures) and exits non-zero on any failure or 5xx.

    python -m tests.e2e.server.contract_fuzz --seconds 180
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from sync.server import admin
from sync.server.runner import start_server

MUN, OTHER_MUN = "131016", "011002"
ADMIN_TOKEN = "contract-fuzz-admin"
HOOKS = Path(__file__).with_name("fuzz_hooks.py")
JST = dt.timezone(dt.timedelta(hours=9))


def seed(database_url: str) -> str:
    """A small world worth fuzzing; returns a one-time enrollment token."""
    today = dt.datetime.now(JST).date()
    engine = admin.open_database(database_url)
    try:
        with Session(engine) as s:
            admin.create_municipality(s, MUN, "千代田区")
            admin.create_municipality(s, OTHER_MUN, "札幌市")
            admin.create_organisation(s, "rmo-fuzz", "RMO", MUN, kind="rmo")
            admin.create_activity(s, "act-fuzz", "Fuzz", today, MUN, designated=True)
            admin.create_activity(s, "act-rmo", "RMO", today, MUN, organisation="rmo-fuzz")
            admin.create_activity(s, "act-other", "Elsewhere", today, OTHER_MUN)
            for _ in range(3):
                admin.issue_pass(s, tier="premium", mun=[MUN])
            admin.revoke(s, jti="fuzz-revoked")
            return admin.create_enroll_token(s, municipality=MUN)
    finally:
        engine.dispose()


def write_config(path: Path, device_token: str, hooks: Path) -> Path:
    path.write_text(
        f'hooks = "{hooks}"\n'
        "[auth.openapi.deviceToken]\n"
        f'bearer = "{device_token}"\n'
        "[auth.openapi.adminToken]\n"
        f'bearer = "{ADMIN_TOKEN}"\n',
        encoding="utf-8",
    )
    return path


def summarize(har_file: Path, output: str) -> dict[str, Any]:
    """Requests per status class (from the HAR of every interaction) and the run's counts."""
    entries = json.loads(har_file.read_text(encoding="utf-8"))["log"]["entries"]
    statuses = Counter(f"{str(e['response']['status'])[0]}xx" for e in entries)
    generated = re.search(r"(\d+) generated", output)
    failures = re.search(r"(\d+) unique failures?", output)
    return {
        "requests": len(entries),
        "responses": dict(sorted(statuses.items())),
        "cases": int(generated.group(1)) if generated else None,
        "failures": int(failures.group(1)) if failures else 0,
    }


def run(seconds: int, keep: Path | None) -> int:
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if command is None:
        print("contract-fuzz: the schemathesis command is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="contract-fuzz-") as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{folder / 'national.db'}"
        token = seed(database_url)
        with start_server(database_url, ADMIN_TOKEN) as server:
            enrolled = httpx.post(
                f"{server.url}/v1/devices/enroll", json={"token": token, "name": "fuzz"}
            )
            enrolled.raise_for_status()
            device_token = enrolled.json()["device_token"]
            config = write_config(folder / "schemathesis.toml", device_token, HOOKS)
            har = folder / "requests.har"
            done = subprocess.run(
                [
                    command,
                    "--config-file",
                    str(config),
                    "--no-color",
                    "run",
                    f"{server.url}/openapi.json",
                    "--url",
                    server.url,
                    "--checks",
                    "all",
                    "--max-time",
                    str(seconds),
                    "--workers",
                    "1",
                    "--seed",
                    "16",
                    "--report",
                    "har",
                    "--report-har-path",
                    str(har),
                ],
                check=False,
                text=True,
                capture_output=True,
                cwd=folder,  # schemathesis keeps a cache in its working directory
            )
        print(done.stdout[-6000:])
        if not har.exists():
            print("contract-fuzz: schemathesis wrote no report", file=sys.stderr)
            return 1
        summary = summarize(har, done.stdout)
        summary["exit_status"] = done.returncode
        print(json.dumps({"contract_fuzz": summary}, ensure_ascii=False))
        server_errors = summary["responses"].get("5xx", 0)
        return 0 if done.returncode == 0 and not server_errors else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.server.contract_fuzz")
    parser.add_argument("--seconds", type=int, default=180, help="time budget (default 180)")
    parser.add_argument("--keep", type=Path, help="keep the database and report here")
    args = parser.parse_args(argv)
    return run(args.seconds, args.keep)


if __name__ == "__main__":
    raise SystemExit(main())
