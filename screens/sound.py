"""Audible cues, distinct per outcome: bell patterns, a configured command, or nothing."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable, Sequence

from kiosk.models import Outcome
from kiosk.sounds import resolve_command

log = logging.getLogger(__name__)

BELL_PATTERNS: dict[Outcome, tuple[float, ...]] = {
    Outcome.ACCEPTED: (0.0,),  # one ring
    Outcome.DUPLICATE: (0.0, 0.25),  # two rings
    Outcome.REJECTED: (0.0, 0.15, 0.3),  # three quick rings
}
"""Delays (seconds) of the terminal bells rung for each outcome."""


def command_for(template: Sequence[str], outcome: Outcome) -> list[str]:
    """The configured sound command for one outcome: `{sound}` is the shipped cue file,
    `{outcome}` the outcome's name (`kiosk.sounds`)."""
    return resolve_command(template, outcome)


def run_sound_command(argv: Sequence[str]) -> None:
    """Run a sound command to completion (called on a worker thread, never the UI thread)."""
    try:
        subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("sound command failed: %s", exc)


class Chime:
    """Plays the cue for an outcome without blocking the UI.

    `ring` rings the terminal bell; `schedule(delay, fn)` runs fn later on the UI thread;
    `spawn(fn)` runs fn on a worker thread.
    """

    def __init__(
        self,
        mode: str,
        command: Sequence[str],
        *,
        ring: Callable[[], None],
        schedule: Callable[[float, Callable[[], None]], object],
        spawn: Callable[[Callable[[], None]], object],
    ) -> None:
        self.mode = mode
        self.command = list(command)
        self._ring = ring
        self._schedule = schedule
        self._spawn = spawn

    def play(self, outcome: Outcome) -> None:
        if self.mode == "command" and self.command:
            argv = command_for(self.command, outcome)
            self._spawn(lambda: run_sound_command(argv))
        elif self.mode in ("bell", "command"):
            for delay in BELL_PATTERNS[outcome]:
                if delay == 0:
                    self._ring()
                else:
                    self._schedule(delay, self._ring)
