"""Messages the coordinator screens' thread workers post back to the UI thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from textual.message import Message

from kiosk.closeout import CloseoutResult, DaySummary
from kiosk.national import GateStatus
from kiosk.pin import PinAttempt
from kiosk.store.tables import Activity, Attempt, Audit, Checkin
from kiosk.trust_keeper import TrustStatus


@dataclass
class PinChecked(Message):
    attempt: PinAttempt


@dataclass
class DayLoaded(Message):
    """Fresh numbers and every attempt of the activity (newest first)."""

    summary: DaySummary
    attempts: list[Attempt]
    checkins: dict[str, Checkin]
    activities: list[Activity]  # every activity held on the same day (for switching)
    trust: TrustStatus | None = None  # the trust list in force (None: not known here)
    paper_names: dict[str, str] = field(default_factory=dict)  # check-in id -> form name

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DayLoaded)


@dataclass
class CorrectionDone(Message):
    """A void, restore or manual record finished; `error` is a catalog key or ''."""

    action: str
    error: str = ""


@dataclass
class DayClosed(Message):
    result: CloseoutResult | None
    error: str = ""


@dataclass
class GatesLoaded(Message):
    """The other gates of the activity still holding uploads (`gates` None: not known)."""

    activity_id: str
    gates: list[GateStatus] | None
    error: str = ""


@dataclass
class AuditLoaded(Message):
    entries: list[Audit]


@dataclass
class Exported(Message):
    paths: list[Path] = field(default_factory=list)
    replaced: int = 0
    error: str = ""
