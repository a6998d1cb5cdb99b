"""Messages that carry results from worker threads (and the scanner / sync threads) to the UI.

Threads only ever call `post_message`; handlers run on the UI thread. Status messages can
replace an unprocessed predecessor of the same kind so a flapping camera cannot flood the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from kiosk.activity_code import ActivityCode
from kiosk.activity_code_keys import NoCode
from kiosk.models import CheckinResult, SyncState
from kiosk.scan.frames import SourceState
from kiosk.store import Counts
from kiosk.store.tables import Activity, Attempt
from kiosk.undo import GateUndo


@dataclass
class ScanDecided(Message):
    """One decision (camera, wedge or manual) is stored; show it."""

    result: CheckinResult


@dataclass
class StatsLoaded(Message):
    """Fresh counters and the upload backlog for the current activity."""

    counts: Counts
    pending: int
    activity_name: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StatsLoaded)


@dataclass
class CameraStateChanged(Message):
    """The frame source reported a new state (detail is plain text for logs)."""

    state: SourceState
    detail: str = ""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CameraStateChanged)


@dataclass
class SyncStateChanged(Message):
    """The sync worker's latest state."""

    state: SyncState

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SyncStateChanged)


@dataclass
class ActivitiesLoaded(Message):
    """The activities the start screen offers (today's, or all when none is today)."""

    activities: list[Activity]


@dataclass
class RecentLoaded(Message):
    """The latest attempts and what an undo at the gate would void now (or why not)."""

    attempts: list[Attempt]
    undo: GateUndo
    voided: set[str] = field(default_factory=set)  # ids of check-ins undone since


@dataclass
class UndoFinished(Message):
    """Undo at the gate finished: what was undone (or why not), or an error text."""

    undo: GateUndo | None
    error: str = ""


@dataclass
class ActivityCodeLoaded(Message):
    """The activity code to show on F7 now, or why there is none."""

    code: ActivityCode | NoCode
