"""Helpers for the operations tests: a real device config on temp files, a filled store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.logs import stop_logging
from kiosk.models import Method
from tests.builders import checkin_service
from tests.passkit import PassKit

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


@pytest.fixture(autouse=True)
def _detach_log_file() -> Iterator[None]:
    """Commands run in-process attach the kiosk log file handler; detach it after each test."""
    yield
    stop_logging()


@pytest.fixture
def filled(tmp_path: Path, jwks_file: Path, kit: PassKit) -> tuple[Path, list[str]]:
    """A closed-down database file with 40 accepted check-ins."""
    database = tmp_path / "data" / "kiosk.db"
    service = checkin_service(database, jwks_file, ACTIVITY, clock=FixedClock(T0))
    ids = scan_many(service, kit, 40)
    service.store.close()
    return database, ids
