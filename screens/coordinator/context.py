"""What the coordinator screens need, handed in by whoever opens them (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kiosk.clock import Clock
from kiosk.pin import PinAttempt
from kiosk.store import Store

if TYPE_CHECKING:
    from kiosk.closeout import SubmitCloseout
    from kiosk.models import UploadOutcome
    from kiosk.national import GateStatusSource
    from kiosk.national_counts import FetchCounts
    from kiosk.trust_keeper import TrustStatus


class PinVerifier(Protocol):
    """Checks a coordinator PIN with lock-out (`kiosk.pin.PinGate` is one)."""

    max_failures: int  # wrong PINs in a row before the lock-out (the dialog counts down)

    def attempt(self, pin: str) -> PinAttempt: ...

    def locked_for(self) -> float:
        """Seconds until the next attempt is accepted (0 when not locked)."""


@dataclass
class CoordinatorContext:
    store: Store
    clock: Clock
    activity_id: Callable[[], str]  # the activity the kiosk is on now
    pin: PinVerifier
    export_dir: Path
    submit_closeout: SubmitCloseout | None = None  # None: offline-only device
    device: str = ""  # shown on the printable summary
    operator: str = "coordinator"  # default operator name for corrections
    request_sync: Callable[[], None] | None = None  # ask the sync worker to upload now
    flush_uploads: Callable[[float], UploadOutcome] | None = None  # upload now and wait
    gate_status: GateStatusSource | None = None  # the other gates, from the national API
    fetch_counts: FetchCounts | None = None  # the national gate + app counts; None: offline-only
    trust_status: Callable[[], TrustStatus] | None = None  # the trust list in force, how old
