"""Participation counting: one registrant at one activity is one participation (§1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from sync.server.tables import Activity, Checkin

PREMIUM_THRESHOLD = 3


def fiscal_year_of(day: date) -> int:
    """Japanese fiscal year: April to March, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)


@dataclass
class ParticipationReport:
    registrant: str
    fiscal_year: int
    participations: int = 0  # distinct activities attended
    designated: int = 0  # of which municipality-designated
    qualifies_for_premium: bool = False  # designated >= PREMIUM_THRESHOLD
    designated_by_municipality: dict[str, int] = field(default_factory=dict)
    activities: list[dict[str, object]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "registrant": self.registrant,
            "fiscal_year": self.fiscal_year,
            "participations": self.participations,
            "designated": self.designated,
            "qualifies_for_premium": self.qualifies_for_premium,
            "threshold": PREMIUM_THRESHOLD,
            "designated_by_municipality": dict(sorted(self.designated_by_municipality.items())),
            "activities": self.activities,
        }


def participations(session: Session, registrant: str, fiscal_year: int) -> ParticipationReport:
    """Live (accepted, not voided) check-ins of a registrant at activities dated within the
    fiscal year."""
    start, end = fiscal_year_bounds(fiscal_year)
    rows = session.exec(
        select(Activity)
        .join(Checkin, col(Checkin.activity_id) == col(Activity.id))
        .where(col(Checkin.registrant) == registrant)
        .where(col(Checkin.status) == "accepted")
        .where(col(Checkin.voided).is_(False))
        .where(col(Activity.date) >= start)
        .where(col(Activity.date) <= end)
        .order_by(col(Activity.date), col(Activity.id))
    ).all()
    report = ParticipationReport(registrant=registrant, fiscal_year=fiscal_year)
    seen: set[str] = set()
    for act in rows:
        if act.id in seen:
            continue
        seen.add(act.id)
        report.participations += 1
        if act.designated:
            report.designated += 1
            by_mun = report.designated_by_municipality
            by_mun[act.municipality] = by_mun.get(act.municipality, 0) + 1
        report.activities.append(
            {
                "activity_id": act.id,
                "date": act.date.isoformat(),
                "municipality": act.municipality,
                "designated": act.designated,
            }
        )
    report.qualifies_for_premium = report.designated >= PREMIUM_THRESHOLD
    return report
