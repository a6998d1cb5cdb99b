"""What the coordinator screens need, handed in by whoever opens them (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kiosk.clock import Clock
from kiosk.pin import PinAttempt
from kiosk.store import Store
from screens.coordinator.text import CoordinatorText

if TYPE_CHECKING:
    from kiosk.closeout import SubmitCloseout


class PinVerifier(Protocol):
    """Checks a coordinator PIN with lock-out (`kiosk.pin.PinGate` is one)."""

    def attempt(self, pin: str) -> PinAttempt: ...

    def locked_for(self) -> float:
        """Seconds until the next attempt is accepted (0 when not locked)."""


def _ja() -> str:
    return "ja"


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
    language: Callable[[], str] = _ja
    request_sync: Callable[[], None] | None = None  # ask the sync worker to upload now
    text: CoordinatorText = field(init=False)

    def __post_init__(self) -> None:
        self.text = CoordinatorText(self.language)
