"""What counts: one registrant at one activity is one participation (§1), and a participation
counts toward premium only when something proves it.

A participation is *live* while its check-in is `accepted` and not voided. It *counts* when it
is live and evidenced: the check-in carried a verified pass or a coordinator's attestation, or
a later `duplicate` of it did (someone typed in by hand at gate 1 and then scanned at gate 2
has a proven participation). Premium reports, close-out receipts and per-item answers all use
`counts_clause`, so they agree.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import aliased

from sync.server.tables import Checkin


def fiscal_year_of(day: date) -> int:
    """Japanese fiscal year: April to March, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)


def live_clause(row: Any = Checkin) -> ColumnElement[bool]:
    """`row` (Checkin or an alias of it) is a live participation."""
    return and_(row.status == "accepted", row.voided.is_(False))


def counts_clause(row: Any = Checkin) -> ColumnElement[bool]:
    """`row` is a live participation that counts (see the module docstring)."""
    dup: Any = aliased(Checkin)
    proven_later = exists(
        select(dup.id).where(
            dup.first_checkin_id == row.id,
            dup.status == "duplicate",
            dup.voided.is_(False),
            dup.evidenced.is_(True),
        )
    )
    return and_(live_clause(row), or_(row.evidenced.is_(True), proven_later))
