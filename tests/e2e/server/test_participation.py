"""Premium-qualifying participations per registrant and fiscal year (April to March)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import Session

from sync.server import admin
from sync.server.cli import main
from sync.server.participation import fiscal_year_of
from sync.server.runner import RunningServer

from .conftest import MUN, checkin, enroll


def test_fiscal_year_boundaries() -> None:
    assert fiscal_year_of(dt.date(2026, 4, 1)) == 2026
    assert fiscal_year_of(dt.date(2027, 3, 31)) == 2026
    assert fiscal_year_of(dt.date(2026, 3, 31)) == 2025


def test_report_counts_designated_activities_in_the_fiscal_year(
    server: RunningServer,
    db: Session,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    days = {
        "fy-a": (dt.date(2026, 4, 1), True),
        "fy-b": (dt.date(2026, 8, 15), True),
        "fy-c": (dt.date(2027, 3, 31), False),
        "fy-d": (dt.date(2027, 4, 1), True),  # next fiscal year
        "fy-e": (dt.date(2026, 3, 31), True),  # previous fiscal year
    }
    for act_id, (day, designated) in days.items():
        admin.create_activity(db, act_id, act_id, day, MUN, designated=designated)
    kiosk_a, kiosk_b = enroll(server, db), enroll(server, db)
    issued = admin.issue_pass(db, tier="premium", iat=1_700_000_000, exp=1_900_000_000)
    sub = issued.claims["sub"]

    def at(day: dt.date) -> str:
        return dt.datetime.combine(day, dt.time(10), dt.timezone(dt.timedelta(hours=9))).isoformat()

    items = [checkin(issued.token, a, scanned_at=at(d)) for a, (d, _) in days.items()]
    kiosk_a.batch(items)
    kiosk_b.batch([checkin(issued.token, "fy-a", scanned_at=at(days["fy-a"][0]))])  # duplicate
    report = admin.participations(db, sub, 2026)
    assert report.participations == 3
    assert report.designated == 2
    assert report.qualifies_for_premium is False

    admin.create_activity(db, "fy-f", "third", dt.date(2026, 11, 23), MUN, designated=True)
    kiosk_b.batch([checkin(issued.token, "fy-f", scanned_at=at(dt.date(2026, 11, 23)))])
    report = admin.participations(db, sub, 2026)
    assert (report.participations, report.designated, report.qualifies_for_premium) == (4, 3, True)
    assert report.designated_by_municipality == {MUN: 3}

    capsys.readouterr()
    args = ["participations", "--database-url", database_url, "--registrant", sub]
    assert main([*args, "--fiscal-year", "2026"]) == 0
    out = capsys.readouterr()
    printed = json.loads(out.out)
    assert printed["designated"] == 3
    assert printed["qualifies_for_premium"] is True
    assert [a["activity_id"] for a in printed["activities"]] == ["fy-a", "fy-b", "fy-f", "fy-c"]
