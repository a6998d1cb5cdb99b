"""Quitting the kiosk: the coordinator's action only, behind the PIN and a confirmation.

Volunteers cannot leave the gate (`screens.app.KioskApp` takes Ctrl+Q, Ctrl+C, Ctrl+Z and
the command palette away); the unlocked close-out screen asks here and then quits."""

from __future__ import annotations

from typing import Any

from screens.base import KioskScreen
from screens.confirm import ConfirmModal


def confirm_quit(screen: KioskScreen[Any]) -> None:
    """Ask whether to quit the kiosk; quit on yes (the safe answer, cancel, has the focus)."""
    t = screen.t

    def answered(yes: bool | None) -> None:
        if yes:
            screen.kiosk.quit_kiosk()

    question = ConfirmModal(
        t("quit.question"), title=t("quit.title"), yes=t("quit.yes"), no=t("common.cancel")
    )
    screen.app.push_screen(question, answered)
