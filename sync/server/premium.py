"""Premium qualification of a registrant for a fiscal year, per municipality (seed 004).

Premium registration needs "at least three volunteer activities a year designated by the
local government" (年3回以上、自治体が指定する担い手活動), with up to three local governments
(a prefecture does not count toward the three when a municipality inside it is registered).
This server reads it per local government: a registrant qualifies for premium with
municipality M in fiscal year Y when at least `THRESHOLD` of their counting participations in
Y were at activities M designated, and they are registered with M. Designated activities of a
municipality they are not registered with are listed but qualify for nothing.

The fiscal year runs April to March and an activity belongs to the fiscal year of its date
(a venue date in Japan). Only participations that count (live and evidenced,
sync/server/participation.py) are counted; the others are listed with the reason.
"""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, col, select

from sync.server.participation import counts_clause, fiscal_year_bounds, live_clause
from sync.server.registrations import registered_municipalities
from sync.server.report_schemas import (
    FiscalPeriod,
    MunicipalityTally,
    PremiumReport,
    ReportActivity,
)
from sync.server.tables import Activity, Checkin

THRESHOLD = 3
MAX_MUNICIPALITIES = 3


def is_prefecture(code: str) -> bool:
    """Prefecture codes are `PP000C` (e.g. 130001, Tokyo)."""
    return code[2:5] == "000"


def counts_toward_limit(code: str, registered: list[str]) -> bool:
    inside = any(r[:2] == code[:2] and not is_prefecture(r) for r in registered)
    return not (is_prefecture(code) and inside)


def premium_report(session: Session, registrant: str, fiscal_year: int) -> PremiumReport:
    start, end = fiscal_year_bounds(fiscal_year)
    rows = session.exec(
        select(Activity, Checkin.id, Checkin.method, counts_clause().label("counts"))
        .join(Checkin, col(Checkin.activity_id) == col(Activity.id))
        .where(col(Checkin.registrant) == registrant, live_clause())
        .where(col(Activity.date) >= start, col(Activity.date) <= end)
        .order_by(col(Activity.date), col(Activity.id))
    ).all()
    registered = registered_municipalities(session, registrant)
    activities = [
        ReportActivity(
            activity_id=act.id,
            date=act.date,
            municipality=act.municipality,
            designated=act.designated,
            checkin_id=checkin_id,
            method=method,
            counts=bool(counts),
            not_counted_reason=None if counts else "not_attested",
        )
        for act, checkin_id, method, counts in rows
    ]
    counting = [a for a in activities if a.counts]
    by_municipality = Counter(a.municipality for a in counting if a.designated)
    tallies = [
        MunicipalityTally(
            municipality=code,
            registered=code in registered,
            designated=by_municipality[code],
            qualifies=code in registered and by_municipality[code] >= THRESHOLD,
            counts_toward_limit=counts_toward_limit(code, registered),
        )
        for code in sorted(set(registered) | set(by_municipality))
    ]
    qualifying = [t.municipality for t in tallies if t.qualifies]
    return PremiumReport(
        registrant=registrant,
        fiscal_year=fiscal_year,
        period=FiscalPeriod(start=start, end=end),
        threshold=THRESHOLD,
        max_municipalities=MAX_MUNICIPALITIES,
        registered_municipalities=registered,
        participations=len(counting),
        recorded_participations=len(activities),
        designated=sum(by_municipality.values()),
        qualifies_for_premium=bool(qualifying),
        qualifying_municipalities=qualifying,
        municipalities=tallies,
        activities=activities,
    )
