"""Fixtures for close-out and export tests: a real CheckinService on temp files, a fixed clock
at 09:30 JST on the activity's day, and real signed passes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.models import CheckinResult, Method
from kiosk.store.tables import Activity
from tests.builders import checkin_service
from tests.passkit import PassKit

ACTIVITY_ID = "act-2026-11-23-beach"
DAY = "2026-11-23"
START = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 09:30 JST


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def service(tmp_path: Path, jwks_file: Path, clock: FixedClock) -> Iterator[CheckinService]:
    svc = checkin_service(tmp_path / "kiosk.db", jwks_file, ACTIVITY_ID, clock=clock)
    svc.store.activities.upsert(
        Activity(
            id=ACTIVITY_ID,
            name="浜辺の清掃活動",
            date=DAY,
            venue="由比ヶ浜海岸",
            organiser="由比ヶ浜地域運営組織",
            municipality="131016",
        )
    )
    yield svc
    svc.store.close()


def scan(
    service: CheckinService, kit: PassKit, sub: str, *, tier: str = "premium"
) -> CheckinResult:
    """Scan a real signed pass for `sub` at the service clock's current time."""
    now = int(service.clock.now().timestamp())
    token = kit.sign(sub=sub, tier=tier, iat=now - 60, exp=now + 86400)
    return service.submit(token, Method.CAMERA)


def accept(service: CheckinService, kit: PassKit, sub: str, *, tier: str = "premium") -> str:
    """Scan `sub` and return the id of the check-in it created (it must be accepted)."""
    result = scan(service, kit, sub, tier=tier)
    assert result.checkin_id is not None, result
    return result.checkin_id
