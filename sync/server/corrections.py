"""Applying corrections (void / restore) that devices send for their own check-ins.

Items are applied one after another in request order, so a void and a restore of one check-in
in one request end restored. The answer for each item:

* `applied`: the check-in's `voided` flag changed.
* `unchanged`: the correction id was seen before and applied (or found nothing to change) —
  a retry — or the check-in is already in the wanted state.
* `rejected` + reason: `unknown_checkin` (the server has no check-in with that id),
  `not_your_checkin` (another device uploaded it, or another device used this correction id),
  `conflict` (a restore while the registrant has another live participation at the activity:
  counting both would make two participations of one person; the check-in stays voided).

A repeated correction id gets its first answer again (`applied` becomes `unchanged`), whatever
the rest of the item says. A correction for an activity this device has already closed out is
applied all the same: the device made it before closing its day (a kiosk refuses corrections
afterwards) and only the upload came later; the device closes out again for a fresh receipt.
A void does not promote another device's `duplicate` of the same registrant: that device was
told `duplicate` and excludes it from its own digest.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from sync.server.schemas import CorrectionIn
from sync.server.tables import Checkin, Correction, Device

Result = dict[str, str | None]
APPLIED, UNCHANGED, REJECTED = "applied", "unchanged", "rejected"


def _result(correction_id: str, status: str, reason: str | None = None) -> Result:
    return {"id": correction_id, "status": status, "reason": reason}


class CorrectionDecider:
    """One request's corrections, applied in one session (the caller commits)."""

    def __init__(self, session: Session, device: Device) -> None:
        self.session, self.device = session, device

    def apply_all(self, items: list[CorrectionIn], now: datetime) -> list[Result]:
        return [self._apply(item, now) for item in items]

    def _apply(self, item: CorrectionIn, now: datetime) -> Result:
        correction_id = item.id.lower()
        known = self.session.get(Correction, correction_id)
        if known is not None:  # a retry (or, from another device, a stolen id)
            if known.device_id != self.device.id:
                return _result(correction_id, REJECTED, "not_your_checkin")
            if known.status == REJECTED:
                return _result(correction_id, REJECTED, known.result_reason)
            return _result(correction_id, UNCHANGED)
        checkin = self.session.get(Checkin, item.checkin_id.lower())
        status, reason = self._decide(item, checkin)
        if status == APPLIED and checkin is not None:
            checkin.voided = item.action == "void"
            self.session.add(checkin)
        self.session.add(
            Correction(
                id=correction_id,
                device_id=self.device.id,
                checkin_id=item.checkin_id.lower(),
                action=item.action,
                reason=item.reason,
                at=item.at,
                status=status,
                result_reason=reason,
                received_at=now,
            )
        )
        self.session.flush()  # the next item (and its conflict check) sees this one
        return _result(correction_id, status, reason)

    def _decide(self, item: CorrectionIn, checkin: Checkin | None) -> tuple[str, str | None]:
        if checkin is None:
            return REJECTED, "unknown_checkin"
        if checkin.device_id != self.device.id:
            return REJECTED, "not_your_checkin"
        void = item.action == "void"
        if checkin.voided == void:
            return UNCHANGED, None
        if not void and self._other_live(checkin):
            return REJECTED, "conflict"
        return APPLIED, None

    def _other_live(self, checkin: Checkin) -> bool:
        """Another live participation of this check-in's registrant at its activity."""
        if checkin.status != "accepted" or checkin.registrant is None:
            return False  # it would not count when restored: nothing can conflict
        other = self.session.exec(
            select(Checkin.id).where(
                col(Checkin.activity_id) == checkin.activity_id,
                col(Checkin.registrant) == checkin.registrant,
                col(Checkin.status) == "accepted",
                col(Checkin.voided).is_(False),
                col(Checkin.id) != checkin.id,
            )
        ).first()
        return other is not None
