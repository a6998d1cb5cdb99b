"""Premium qualification per registrant, fiscal year (April to March, by activity date in
Japan) and municipality: three counting participations at activities designated by a
municipality the registrant is registered with. Over HTTP (admin) and the admin CLI."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from sync.server import admin
from sync.server.cli import main
from sync.server.keys import active_signer
from sync.server.participation import fiscal_year_of
from sync.server.passes import ISSUER, sign_pass
from sync.server.runner import RunningServer, start_server

from .conftest import ADMIN_TOKEN, JST, MUN, OTHER_MUN, checkin, enroll

TOKYO = "130001"  # the prefecture Chiyoda (MUN) is in
ATTESTED = {"operator": "rmo-coordinator", "reason": "phone battery dead; known to the RMO"}


def at(day: dt.date, hour: int = 10, minute: int = 0) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), JST).isoformat()


def test_fiscal_year_boundaries() -> None:
    assert fiscal_year_of(dt.date(2026, 4, 1)) == 2026
    assert fiscal_year_of(dt.date(2027, 3, 31)) == 2026
    assert fiscal_year_of(dt.date(2026, 3, 31)) == 2025


def seed_year(db: Session) -> dict[str, tuple[dt.date, str]]:
    """Designated activities either side of the 2025/2026 fiscal-year boundary."""
    admin.create_municipality(db, TOKYO, "東京都")
    plan = {
        "a1": (dt.date(2025, 6, 1), MUN),
        "a2": (dt.date(2025, 12, 1), MUN),
        "a3-mar31": (dt.date(2026, 3, 31), MUN),  # last day of fiscal year 2025
        "b1-apr1": (dt.date(2026, 4, 1), MUN),  # first day of fiscal year 2026
        "b2": (dt.date(2026, 5, 1), MUN),
        "b3-typed": (dt.date(2026, 6, 1), MUN),  # manual, no attestation
        "b4-attested": (dt.date(2026, 7, 1), MUN),  # manual, attested
        "c1": (dt.date(2026, 6, 2), OTHER_MUN),  # Sapporo: not registered there
        "c2": (dt.date(2026, 7, 2), OTHER_MUN),
        "c3": (dt.date(2026, 8, 2), OTHER_MUN),
    }
    for act_id, (day, mun) in plan.items():
        admin.create_activity(db, act_id, act_id, day, mun, designated=True)
    admin.create_activity(db, "b5-plain", "not designated", dt.date(2026, 9, 1), MUN)
    return plan


def report(client: httpx.Client, sub: str, fiscal_year: int) -> dict[str, Any]:
    response = client.get(f"/v1/registrants/{sub}/premium", params={"fiscal_year": fiscal_year})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_premium_per_municipality_across_the_fiscal_year_boundary(
    server: RunningServer,
    db: Session,
    admin_client: httpx.Client,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = seed_year(db)
    chiyoda, sapporo = enroll(server, db), enroll(server, db, OTHER_MUN)
    issued = admin.issue_pass(
        db, tier="premium", mun=[MUN, TOKYO], iat=1_700_000_000, exp=1_900_000_000
    )
    sub, token = issued.claims["sub"], issued.token
    scans = {
        # 00:30 on April 1 in Japan is still March 31 in UTC: the activity's date decides.
        "b1-apr1": checkin(token, "b1-apr1", scanned_at=at(plan["b1-apr1"][0], 0, 30)),
        "b3-typed": checkin(
            None, "b3-typed", method="manual", registrant=sub, scanned_at=at(plan["b3-typed"][0])
        ),
        "b4-attested": checkin(
            None,
            "b4-attested",
            method="manual",
            registrant=sub,
            attestation=ATTESTED,
            scanned_at=at(plan["b4-attested"][0]),
        ),
    }
    for act_id in ("a1", "a2", "a3-mar31", "b2"):
        scans[act_id] = checkin(token, act_id, scanned_at=at(plan[act_id][0]))
    scans["b5-plain"] = checkin(token, "b5-plain", scanned_at=at(dt.date(2026, 9, 1)))
    results = chiyoda.batch(list(scans.values())).json()["results"]
    counts = {act: r["counts"] for act, r in zip(scans, results, strict=True)}
    assert {r["status"] for r in results} == {"accepted"}
    assert counts == {a: a != "b3-typed" for a in scans}
    sapporo_items = [checkin(token, c, scanned_at=at(plan[c][0])) for c in ("c1", "c2", "c3")]
    assert {r["status"] for r in sapporo.batch(sapporo_items).json()["results"]} == {"accepted"}

    fy2025 = report(admin_client, sub, 2025)
    assert fy2025["period"] == {"start": "2025-04-01", "end": "2026-03-31"}
    assert [a["activity_id"] for a in fy2025["activities"]] == ["a1", "a2", "a3-mar31"]
    assert fy2025["qualifying_municipalities"] == [MUN]

    fy2026 = report(admin_client, sub, 2026)
    assert fy2026["registered_municipalities"] == [TOKYO, MUN]
    assert fy2026["qualifies_for_premium"] is True
    assert fy2026["qualifying_municipalities"] == [MUN]  # Sapporo's three do not qualify
    assert (fy2026["participations"], fy2026["recorded_participations"]) == (7, 8)
    tallies = {t["municipality"]: t for t in fy2026["municipalities"]}
    assert tallies[MUN] == {
        "municipality": MUN,
        "registered": True,
        "designated": 3,  # b1-apr1, b2, b4-attested; b3-typed does not count
        "qualifies": True,
        "counts_toward_limit": True,
    }
    assert (tallies[OTHER_MUN]["designated"], tallies[OTHER_MUN]["registered"]) == (3, False)
    assert tallies[OTHER_MUN]["qualifies"] is False
    assert tallies[TOKYO]["counts_toward_limit"] is False  # Chiyoda is inside Tokyo
    typed = next(a for a in fy2026["activities"] if a["activity_id"] == "b3-typed")
    assert (typed["counts"], typed["not_counted_reason"], typed["method"]) == (
        False,
        "not_attested",
        "manual",
    )

    capsys.readouterr()
    args = ["participations", "--database-url", database_url, "--registrant", sub]
    assert main([*args, "--fiscal-year", "2026"]) == 0
    assert json.loads(capsys.readouterr().out) == fy2026


def test_unattested_manual_entries_do_not_qualify(
    server: RunningServer, db: Session, admin_client: httpx.Client
) -> None:
    kiosk = enroll(server, db)
    sub = admin.issue_pass(db, mun=[MUN]).claims["sub"]
    days = [dt.date(2026, 5, d) for d in (10, 11, 12)]
    items = []
    for n, day in enumerate(days):
        admin.create_activity(db, f"typed-{n}", "typed", day, MUN, designated=True)
        items.append(
            checkin(None, f"typed-{n}", method="manual", registrant=sub, scanned_at=at(day))
        )
    results = kiosk.batch(items).json()["results"]
    assert [(r["status"], r["counts"]) for r in results] == [("accepted", False)] * 3
    body = report(admin_client, sub, 2026)
    assert (body["recorded_participations"], body["participations"]) == (3, 0)
    assert body["qualifies_for_premium"] is False

    # The same person's pass read at another gate proves the typed-in participation.
    issued = admin.issue_pass(db, sub=sub, mun=[MUN], iat=1_700_000_000, exp=1_900_000_000)
    other = enroll(server, db)
    proof = checkin(issued.token, "typed-0", scanned_at=at(days[0], 11))
    (answer,) = other.batch([proof]).json()["results"]
    assert (answer["status"], answer["counts"]) == ("duplicate", True)
    assert answer["first_checkin_id"] == items[0]["id"]
    assert report(admin_client, sub, 2026)["participations"] == 1


def test_registrations_come_from_verified_passes(
    server: RunningServer, db: Session, admin_client: httpx.Client
) -> None:
    """A pass the national system signed elsewhere states the registrations it was issued
    with; the server learns them from the upload."""
    kid, key = active_signer(db)
    sub = "FR0000000009"
    claims = {
        "iss": ISSUER,
        "sub": sub,
        "tier": "premium",
        "mun": [MUN, OTHER_MUN],
        "iat": 1_700_000_000,
        "exp": 1_900_000_000,
        "jti": "elsewhere-1",
        "v": 1,
    }
    assert report(admin_client, sub, 2026)["registered_municipalities"] == []
    enroll(server, db).batch([checkin(sign_pass(claims, kid, key))])
    assert report(admin_client, sub, 2026)["registered_municipalities"] == [OTHER_MUN, MUN]


def test_premium_endpoint_is_for_administrators_only(
    server: RunningServer, db: Session, database_url: str
) -> None:
    sub = admin.issue_pass(db).claims["sub"]
    device = enroll(server, db)
    path = f"/v1/registrants/{sub}/premium?fiscal_year=2026"
    refused = device.client.get(path)
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid-admin-token"
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    bad = httpx.get(f"{server.url}/v1/registrants/{sub}/premium", headers=headers)
    assert bad.status_code == 422  # fiscal_year is required
    with start_server(database_url) as no_admin:
        response = httpx.get(f"{no_admin.url}{path}", headers=headers)
        assert response.status_code == 404
