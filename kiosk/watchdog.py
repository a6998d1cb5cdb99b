"""A tiny sd_notify: tell systemd the kiosk is ready and still alive (no libsystemd needed).

systemd sets `NOTIFY_SOCKET` (a unix datagram socket; a leading `@` means the abstract
namespace) and, with `WatchdogSec=`, `WATCHDOG_USEC`. The UI loop should call
`Watchdog.ping()` every `interval` seconds (half the watchdog period): if the UI hangs, the
pings stop and systemd restarts the service. In the Pi unit the kiosk runs under cage and foot,
so `WATCHDOG_PID` names cage, not us; the unit sets `NotifyAccess=all` and we ignore the PID.

Outside systemd every call is a cheap no-op.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass


def notify(message: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send one sd_notify message (e.g. "READY=1", "WATCHDOG=1", "STATUS=..."). True if sent."""
    env = os.environ if environ is None else environ
    address = env.get("NOTIFY_SOCKET", "")
    if not address or address[0] not in "/@":
        return False
    target = "\0" + address[1:] if address[0] == "@" else address
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(target)
            sock.sendall(message.encode("utf-8"))
    except OSError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Watchdog:
    interval: float  # seconds between pings: half of WatchdogSec
    environ: Mapping[str, str]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Watchdog | None:
        """The watchdog systemd asked for, or None when there is none."""
        env = dict(os.environ if environ is None else environ)
        try:
            usec = int(env.get("WATCHDOG_USEC", "0"))
        except ValueError:
            return None
        if usec <= 0 or not env.get("NOTIFY_SOCKET"):
            return None
        return cls(max(0.5, usec / 2_000_000), env)

    def ready(self, status: str = "") -> bool:
        return notify("READY=1" + (f"\nSTATUS={status}" if status else ""), self.environ)

    def ping(self) -> bool:
        return notify("WATCHDOG=1", self.environ)

    def status(self, text: str) -> bool:
        return notify(f"STATUS={text}", self.environ)

    def stopping(self) -> bool:
        return notify("STOPPING=1", self.environ)
