"""Time sources. A Raspberry Pi has no real-time clock, so every timestamp records whether
the wall clock was trusted, and the sync worker can supply a correction from the server."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

JST = timezone(timedelta(hours=9), "JST")
"""Japan Standard Time: the zone of every venue. Displays, exports and "today" use it; stored
timestamps stay in UTC with their offset. (Japan has no daylight saving time.)"""


def venue_today(now: datetime | None = None) -> date:
    """The activity day at the venue (a kiosk's own time zone setting does not matter)."""
    return (now or datetime.now(UTC)).astimezone(JST).date()


class Clock(Protocol):
    def now(self) -> datetime:
        """Raw wall-clock time, timezone-aware UTC."""

    def monotonic(self) -> float: ...

    @property
    def trusted(self) -> bool:
        """True when the wall clock is NTP-synchronised or corrected from the server."""

    @property
    def offset(self) -> timedelta | None:
        """Server time minus local time, once the server has told us."""


def ntp_synchronised() -> bool | None:
    """Ask systemd whether the clock is synchronised; None when it cannot tell."""
    timedatectl = shutil.which("timedatectl")
    if timedatectl is None:
        return None
    try:
        out = subprocess.run(
            [timedatectl, "show", "-p", "NTPSynchronized", "--value"],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = out.stdout.strip()
    return {"yes": True, "no": False}.get(value)


def server_now(clock: Clock) -> datetime:
    """The clock's time corrected by the server's offset when it is known (activity codes and
    trust statement expiry are judged on the national system's time)."""
    offset = clock.offset
    return clock.now() + offset if offset is not None else clock.now()


class SystemClock:
    """The machine's clock plus an optional server-derived offset (set by the sync worker)."""

    def __init__(self, ntp_synced: bool | None = None) -> None:
        self._ntp = bool(ntp_synced)
        self._offset: timedelta | None = None
        self._lock = threading.Lock()
        self.session_start = time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    @property
    def trusted(self) -> bool:
        return self._ntp or self._offset is not None

    @property
    def offset(self) -> timedelta | None:
        with self._lock:
            return self._offset

    def set_server_offset(self, offset: timedelta) -> None:
        with self._lock:
            self._offset = offset


class FixedClock:
    """A settable clock for tests and snapshots."""

    def __init__(self, at: datetime, *, trusted: bool = True) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at
        self._mono = 1000.0
        self._trusted = trusted
        self._offset: timedelta | None = None

    def now(self) -> datetime:
        return self._at

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._at += timedelta(seconds=seconds)
        self._mono += seconds

    @property
    def trusted(self) -> bool:
        return self._trusted or self._offset is not None

    @property
    def offset(self) -> timedelta | None:
        return self._offset

    def set_server_offset(self, offset: timedelta) -> None:
        self._offset = offset
