"""A device as IT staff set it up: a real config file on temp files (for commands run as
`kiosk ...`), and scans of many registrants into its store."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from kiosk.checkins import CheckinService
from kiosk.models import Method
from tests.passkit import PassKit

ROOT = Path(__file__).resolve().parents[1]
ACTIVITY = "act-2026-10-01-beach"
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def device_config(
    tmp_path: Path, jwks_file: Path, *, extra: str = "", database: Path | None = None
) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f"""
[device]
id = "kiosk-ops-01"
name = "Gate 1"
municipality = "131016"
database = "{database or tmp_path / "data" / "kiosk.db"}"

[trust]
jwks_file = "{jwks_file}"

[activity]
id = "{ACTIVITY}"
name = "Beach clean-up"

[logging]
directory = "{tmp_path / "log"}"
{extra}
""",
        encoding="utf-8",
    )
    return path


def scan_many(service: CheckinService, kit: PassKit, count: int) -> list[str]:
    """Scan `count` different registrants; the check-in ids of those accepted."""
    from tests.passkit import registrant_id

    ids = []
    for _ in range(count):
        token = kit.sign(
            sub=registrant_id(),
            iat=int(T0.timestamp()) - 60,
            exp=int(T0.timestamp()) + 86400,
        )
        result = service.submit(token, Method.CAMERA)
        if result.checkin_id:
            ids.append(result.checkin_id)
    return ids


def run_kiosk(
    *args: str, stdin: str = "", env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`kiosk ARGS...` in a child process (`python -m cli`), as a script or IT staff run it."""
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )
