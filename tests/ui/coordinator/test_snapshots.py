"""Snapshots of the coordinator screens in both languages (fixed clock, fixed ids, 120x40).

Update with `make snapshots` after an intended visual change, and review the SVG diff."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.closeout import close_day
from kiosk.store import ServerAnswer
from tests.ui.conftest import settle
from tests.ui.coordinator.conftest import ACTIVITY_ID, PIN, SIZE, Day, HostApp


async def _settle(pilot: Pilot[None]) -> None:
    # Loading is a chain (worker -> message -> table rows -> column widths): wait until it
    # has run to its end, on state (no worker left, every message handled), not on rounds.
    await settle(pilot)
    await pilot.wait_for_scheduled_animations()


async def _unlock(pilot: Pilot[None]) -> None:
    await _settle(pilot)
    await pilot.press(*PIN, "enter")
    await _settle(pilot)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_closeout_screen(day: Day, snap_compare: Any, language: str) -> None:
    assert snap_compare(HostApp(day, language), terminal_size=SIZE, run_before=_unlock)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_closed_day_with_receipt(day: Day, snap_compare: Any, language: str) -> None:
    store = day.store
    live = store.records.checkins(ACTIVITY_ID, include_voided=False)
    # The server confirmed all but the last two: one it refused (revoked), one still pending.
    answers = [(c.id, "accepted", None) for c in live[:-2]] + [(live[-2].id, "rejected", "revoked")]
    store.outbox.apply_results(
        answers,
        at=day.clock.now(),
        answers={cid: ServerAnswer(counts=status == "accepted") for cid, status, _ in answers},
    )
    receipt = {
        "receipt_id": "7d1c2b3a-0000-4000-8000-000000000001",
        "digest_match": True,
        "combined_unique_count": 14,
        "received_count": 5,
        "rejected_count": 1,
        "counted_count": 4,
        "combined_counted_count": 13,
        "unsynced_devices": [
            {"device_id": "dev-2", "name": "Gate 2", "pending_uploads": 3},
        ],
    }
    close_day(store, ACTIVITY_ID, "coordinator", day.clock, lambda payload: receipt)
    assert snap_compare(HostApp(day, language), terminal_size=SIZE, run_before=_unlock)


def test_pin_lockout(day: Day, snap_compare: Any) -> None:
    async def wrong_three_times(pilot: Pilot[None]) -> None:
        await _settle(pilot)
        for _ in range(3):
            await pilot.press("9", "9", "9", "9", "enter")
            await _settle(pilot)

    assert snap_compare(HostApp(day, "ja"), terminal_size=SIZE, run_before=wrong_three_times)


def test_audit_log_after_a_void(day: Day, snap_compare: Any) -> None:
    async def void_then_audit(pilot: Pilot[None]) -> None:
        await _unlock(pilot)
        await pilot.press("v")  # the newest row: the paper record
        await _settle(pilot)
        await pilot.press(*"wrong person", "enter")
        await _settle(pilot)
        await pilot.press("l")
        await _settle(pilot)

    assert snap_compare(HostApp(day, "en"), terminal_size=SIZE, run_before=void_then_audit)


def test_manual_record_dialog(day: Day, snap_compare: Any) -> None:
    async def open_dialog(pilot: Pilot[None]) -> None:
        await _unlock(pilot)
        await pilot.press("a")
        await _settle(pilot)

    assert snap_compare(HostApp(day, "ja"), terminal_size=SIZE, run_before=open_dialog)
