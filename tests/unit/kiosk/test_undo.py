"""Undo at the gate (kiosk.undo): the device's last check-in at the activity, once, within
the window; everything else is refused with the reason the screen words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.models import Method
from kiosk.new_checkins import manual_checkin
from kiosk.store import RecordError
from kiosk.undo import UndoRefusal, gate_undo, undo_at_gate
from tests.builders import checkin_service
from tests.passkit import PassKit

ACTIVITY = "act-undo"
NOW = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
WINDOW = 120.0


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def service(tmp_path: Path, jwks_file: Path, clock: FixedClock) -> Iterator[CheckinService]:
    svc = checkin_service(tmp_path / "k.db", jwks_file, ACTIVITY, clock=clock, synchronous="NORMAL")
    yield svc
    svc.store.close()


def scan(service: CheckinService, kit: PassKit, sub: str) -> str:
    now = int(NOW.timestamp())
    result = service.submit(kit.sign(sub=sub, iat=now - 60, exp=now + 86400), Method.CAMERA)
    assert result.checkin_id is not None
    return result.checkin_id


def test_nothing_to_undo(service: CheckinService) -> None:
    assert gate_undo(service, WINDOW).refusal is UndoRefusal.NONE


def test_only_within_the_window(service: CheckinService, kit: PassKit, clock: FixedClock) -> None:
    scan(service, kit, "FR0000000001")
    clock.advance(WINDOW)
    assert gate_undo(service, WINDOW).allowed
    clock.advance(1)
    assert gate_undo(service, WINDOW).refusal is UndoRefusal.TOO_OLD
    assert gate_undo(service, 0).refusal is UndoRefusal.TOO_OLD


def test_a_check_in_of_an_earlier_session_ages_by_the_wall_clock(
    tmp_path: Path, jwks_file: Path, kit: PassKit, clock: FixedClock
) -> None:
    first = checkin_service(tmp_path / "k.db", jwks_file, ACTIVITY, clock=clock)
    scan(first, kit, "FR0000000001")
    first.store.close()
    clock.advance(30)  # restarted half a minute later: a new session
    second = checkin_service(tmp_path / "k.db", jwks_file, ACTIVITY, clock=clock)
    assert gate_undo(second, WINDOW).allowed
    clock.advance(WINDOW)
    assert gate_undo(second, WINDOW).refusal is UndoRefusal.TOO_OLD
    second.store.close()


def test_once_only_and_never_the_one_before(service: CheckinService, kit: PassKit) -> None:
    earlier = scan(service, kit, "FR0000000001")
    last = scan(service, kit, "FR0000000002")
    assert undo_at_gate(service, last, WINDOW).allowed
    again = gate_undo(service, WINDOW)
    assert (again.refusal, again.checkin.id if again.checkin else None) == (
        UndoRefusal.ALREADY_UNDONE,
        last,
    )
    refused = undo_at_gate(service, earlier, WINDOW)
    assert refused.refusal is UndoRefusal.CHANGED
    checkin = service.store.records.checkin(earlier)
    assert checkin is not None
    assert not checkin.voided


def test_a_coordinator_record_is_the_coordinators(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    scan(service, kit, "FR0000000001")
    added = manual_checkin(
        ACTIVITY, "FR0000000002", method=Method.MANUAL, operator="Sato", clock=clock
    )
    service.store.records.add_manual(added, reason="forgot the phone")
    assert gate_undo(service, WINDOW).refusal is UndoRefusal.COORDINATOR


def test_the_store_refuses_a_void_that_is_no_longer_the_last(
    service: CheckinService, kit: PassKit
) -> None:
    first = scan(service, kit, "FR0000000001")
    scan(service, kit, "FR0000000002")
    with pytest.raises(RecordError, match="not_last"):
        service.store.corrections.void(
            first, reason="undo at gate", operator="gate", at=NOW, only_if_last=True
        )
