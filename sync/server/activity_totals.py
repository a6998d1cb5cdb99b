"""The whole day at an activity: live check-ins by method, gate and app side by side.

Rule (the receipt and `GET /v1/activities/{id}/counts` both use it): every live check-in at the
activity (status `accepted`, not voided), from any device and from the registrant app, counts
once under its method; `total` equals the receipt's `combined_unique_count`, `app` is the app's
share and `gate` the rest. `digest` is the close-out digest rule (SHA-256 over the sorted
lower-case ids joined by "\\n") over all of those ids, app check-ins included; a device's own
`server_digest` keeps covering only the check-ins it uploaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from sync.server.closeouts import checkin_digest
from sync.server.self_checkin import APP_METHOD
from sync.server.tables import Checkin, CloseoutTotals

METHODS = ("camera", "wedge", "manual", "paper", APP_METHOD)


@dataclass(frozen=True)
class ActivityTotals:
    by_method: dict[str, int]
    digest: str

    @property
    def total(self) -> int:
        return sum(self.by_method.values())

    @property
    def app(self) -> int:
        return self.by_method.get(APP_METHOD, 0)

    @property
    def gate(self) -> int:
        return self.total - self.app


def activity_totals(session: Session, activity_id: str) -> ActivityTotals:
    rows = session.exec(
        select(Checkin.id, Checkin.method).where(
            col(Checkin.activity_id) == activity_id,
            col(Checkin.status) == "accepted",
            col(Checkin.voided).is_(False),
        )
    ).all()
    by_method = dict.fromkeys(METHODS, 0)
    for _id, method in rows:
        by_method[method] = by_method.get(method, 0) + 1
    return ActivityTotals(by_method, checkin_digest([i for i, _ in rows]))


def record_closeout_totals(session: Session, receipt_id: str, activity_id: str) -> ActivityTotals:
    """Store the activity's totals with a new receipt (call in the close-out's lock)."""
    totals = activity_totals(session, activity_id)
    session.add(
        CloseoutTotals(
            receipt_id=receipt_id,
            app_count=totals.app,
            by_method=json.dumps(totals.by_method, sort_keys=True),
            activity_digest=totals.digest,
        )
    )
    session.commit()
    return totals
