"""The kiosk lock: volunteers cannot leave or suspend the app from any gate screen; the
coordinator quits behind the PIN and a confirmation; the PIN lock-out honours `[coordinator]`
and survives a restart."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Input

from cli.commands.run import coordinator
from cli.compose import build_services
from config.schema import CoordinatorSection
from kiosk.services import Services
from screens.activity_qr import ActivityQrScreen
from screens.confirm import ConfirmModal
from screens.coordinator.closeout import CloseoutScreen
from screens.coordinator.pin import PinModal
from screens.manual import ManualScreen
from screens.recent import RecentScreen
from screens.scan import ScanScreen
from screens.start import StartScreen
from screens.widgets.notice import NoticeLine
from tests.ui.conftest import COORDINATOR_PIN, Kiosk, coordinator_secrets, settle, to_scan

PIN = COORDINATOR_PIN
LOCK_KEYS = ("ctrl+q", "ctrl+c", "ctrl+z", "ctrl+backslash", "ctrl+p")
HOW_TO_QUIT = "This is a check-in kiosk: only the coordinator closes it (F9, PIN, then Q)"


async def _start(pilot: Pilot[Any]) -> None:
    await settle(pilot)


async def _scan(pilot: Pilot[Any]) -> None:
    await to_scan(pilot)


def _from_scan(key: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def go(pilot: Pilot[Any]) -> None:
        await to_scan(pilot)
        await pilot.press(key)
        await settle(pilot)

    return go


SCREENS: dict[str, tuple[Callable[[Pilot[Any]], Awaitable[None]], type[Screen[Any]]]] = {
    "start": (_start, StartScreen),
    "scan": (_scan, ScanScreen),
    "manual": (_from_scan("f2"), ManualScreen),
    "history": (_from_scan("f3"), RecentScreen),
    "activity-qr": (_from_scan("f7"), ActivityQrScreen),
}


@pytest.mark.parametrize("where", SCREENS)
async def test_volunteer_screens_cannot_be_left(kiosk: Kiosk, where: str) -> None:
    go, expected = SCREENS[where]
    app = kiosk.app(language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await go(pilot)
        screen = app.screen
        assert isinstance(screen, expected)
        notice = screen.query_one(NoticeLine)
        for key in LOCK_KEYS:
            notice.clear()
            await pilot.press(key)
            await settle(pilot)
            assert app.is_running, key
            assert app.return_code is None, key
            assert app.screen is screen, key
            assert not isinstance(app.screen, CommandPalette)
            if key != "ctrl+p":  # no palette at all; the others say who can close the kiosk
                assert notice.message == HOW_TO_QUIT, key


async def unlock(pilot: Pilot[Any], pin: str) -> None:
    field = pilot.app.screen.query_one("#pin-input", Input)
    field.value = pin
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("confirm", [False, True])
async def test_the_coordinator_quits_with_the_pin_and_a_confirmation(
    kiosk: Kiosk, confirm: bool
) -> None:
    app = kiosk.app(
        language="en", coordinator=coordinator(kiosk.services, coordinator_secrets(kiosk))
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await to_scan(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, PinModal)
        await unlock(pilot, PIN)
        assert isinstance(app.screen, CloseoutScreen)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert app.focused is app.screen.query_one("#confirm-no", Button)  # the safe answer
        await pilot.click("#confirm-yes" if confirm else "#confirm-no")
        await settle(pilot)
        assert (app.return_code == 0) is confirm
        if not confirm:
            assert isinstance(app.screen, CloseoutScreen)
            assert app.is_running


def strict(services: Services) -> Services:
    """The same device with a strict `[coordinator]`: locked after 2 wrong PINs, for 10 min."""
    policy = CoordinatorSection(max_failures=2, lockout_seconds=600, lockout_max_seconds=900)
    config = dataclasses.replace(services.config, coordinator=policy)
    return dataclasses.replace(services, config=config)


async def test_the_lockout_follows_the_config_and_survives_a_restart(kiosk: Kiosk) -> None:
    secrets = coordinator_secrets(kiosk)
    first = strict(kiosk.services)
    app = kiosk.app(language="en", coordinator=coordinator(first, secrets))
    async with app.run_test(size=(120, 40)) as pilot:
        await to_scan(pilot)
        await pilot.press("f9")
        await settle(pilot)
        for wrong in ("111111", "222222"):
            await unlock(pilot, wrong)
        assert isinstance(app.screen, PinModal)
        assert app.screen.query_one("#pin-unlock", Button).disabled  # 2 failures: locked
    kiosk.services.close()

    restarted = strict(build_services(kiosk.config, clock=kiosk.clock))  # a new process
    kiosk.services = restarted
    app = kiosk.app(language="en", coordinator=coordinator(restarted, secrets))
    async with app.run_test(size=(120, 40)) as pilot:
        await to_scan(pilot)
        await pilot.press("f9")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, PinModal)
        assert modal.query_one("#pin-unlock", Button).disabled
        assert 500 < modal.verifier.locked_for() <= 600
        await unlock(pilot, PIN)  # even the right PIN waits for the lock-out
        assert app.screen is modal
