"""Undo at the gate. A volunteer may void the device's last check-in at the activity — once,
within `[ui] undo_window_seconds` of making it — to fix a scan of the wrong pass on the spot.
Anything else (an older check-in, the one before an undone one, a record the coordinator
added) is coordinator work: a void with a reason behind the PIN.

The age is measured on the monotonic clock for a check-in of this kiosk session (a wall-clock
change cannot stretch it) and on the wall clock for an earlier session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from kiosk.store.errors import RecordError
from kiosk.store.tables import Checkin

if TYPE_CHECKING:
    from kiosk.checkins import CheckinService

GATE_OPERATOR = "gate"
UNDO_REASON = "undo at gate"


class UndoRefusal(StrEnum):
    """Why the gate may not undo (the UI maps each to `recent.undo_<value>`)."""

    NONE = "none"  # no check-in at this activity yet
    ALREADY_UNDONE = "already_undone"  # the last check-in was undone: once only
    TOO_OLD = "too_old"  # past the window
    COORDINATOR = "coordinator"  # the coordinator added it
    CHANGED = "changed"  # a newer check-in arrived before the undo was confirmed


@dataclass(frozen=True, slots=True)
class GateUndo:
    """The check-in the gate would undo now (or has undone), or why it may not."""

    checkin: Checkin | None
    refusal: UndoRefusal | None = None

    @property
    def allowed(self) -> bool:
        return self.checkin is not None and self.refusal is None


def _age_s(service: CheckinService, checkin: Checkin) -> float:
    if checkin.session_id == service.session_id:
        return service.session_seconds() - checkin.monotonic_s
    return (service.clock.now() - datetime.fromisoformat(checkin.scanned_at)).total_seconds()


def gate_undo(service: CheckinService, window_s: float) -> GateUndo:
    """What F6 would undo now at the service's activity."""
    last = service.store.records.last_checkin(service.activity_id)
    if last is None:
        return GateUndo(None, UndoRefusal.NONE)
    if last.voided:
        return GateUndo(last, UndoRefusal.ALREADY_UNDONE)
    if last.operator != GATE_OPERATOR:
        return GateUndo(last, UndoRefusal.COORDINATOR)
    if not 0 <= _age_s(service, last) <= window_s:
        return GateUndo(last, UndoRefusal.TOO_OLD)
    return GateUndo(last)


def undo_at_gate(service: CheckinService, checkin_id: str, window_s: float) -> GateUndo:
    """Void `checkin_id` — the check-in the volunteer saw and confirmed — if it is still the
    one the gate may undo. The store re-checks, in the voiding transaction, that it is still
    the activity's last check-in. Raises StorageFull / StorageFailed, and RecordError when the
    check-in cannot be voided any more (e.g. the day was closed meanwhile)."""
    now = gate_undo(service, window_s)
    if now.checkin is None or now.checkin.id != checkin_id:
        return GateUndo(now.checkin, UndoRefusal.CHANGED)
    if not now.allowed:
        return now
    try:
        service.store.corrections.void(
            checkin_id,
            reason=UNDO_REASON,
            operator=GATE_OPERATOR,
            at=service.clock.now(),
            only_if_last=True,
        )
    except RecordError as exc:
        if str(exc) != "not_last":
            raise
        return GateUndo(now.checkin, UndoRefusal.CHANGED)  # a scan came in meanwhile
    return now
