"""Demo data for ``kiosk demo``: a municipality, an RMO, today's activities and sample passes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from sync.server import admin
from sync.server.trust_anchor import anchor_info

DEMO_MUNICIPALITY = "131016"  # 千代田区
DEMO_ORGANISATION = "rmo-demo"
DEMO_PASSES = 12
DEMO_APP_PASSES = 2


@dataclass(frozen=True)
class DemoSeed:
    """What the demo needs to know about the seeded national data."""

    municipality: str
    organisation: str
    activity_id: str
    activity_name: str
    enroll_token: str  # one-time, for a device of the demo organisation
    passes: list[admin.IssuedPass]  # valid passes of distinct registrants
    rejected_passes: list[admin.IssuedPass] = field(default_factory=list)  # expired, revoked
    activity_ids: list[str] = field(default_factory=list)
    # Issue 17: the trust anchor to pin (`[trust] anchor_file` content, its thumbprint) and
    # passes of registrants who check in with the (simulated) app, never at the gate.
    anchor_jwks: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    anchor_thumbprint: str = ""
    app_passes: list[admin.IssuedPass] = field(default_factory=list)


def seed_demo(engine: Engine, today: dt.date) -> DemoSeed:
    """Seed a (fresh or existing) database for the demo; returns what was created."""
    activity_id = f"act-{today.isoformat()}-beach"
    activity_name = "海岸清掃ボランティア"
    with Session(engine) as s:
        admin.create_municipality(s, DEMO_MUNICIPALITY, "千代田区")
        admin.create_organisation(
            s, DEMO_ORGANISATION, "デモ地域運営組織", DEMO_MUNICIPALITY, kind="rmo"
        )
        festival_id = f"act-{today.isoformat()}-festival"
        for act_id, name, venue, designated in (
            (activity_id, activity_name, "中央海岸", True),
            (festival_id, "秋祭り運営", "公民館", False),
        ):
            admin.create_activity(
                s,
                act_id,
                name,
                today,
                DEMO_MUNICIPALITY,
                venue=venue,
                organiser="デモ地域運営組織",
                organisation=DEMO_ORGANISATION,
                designated=designated,
            )
        token = admin.create_enroll_token(s, organisation=DEMO_ORGANISATION)
        passes = [
            admin.issue_pass(
                s,
                tier="premium" if i % 3 == 0 else "basic",
                mun=[DEMO_MUNICIPALITY],
                stay=[DEMO_MUNICIPALITY] if i % 6 == 0 else None,
            )
            for i in range(DEMO_PASSES)
        ]
        now = int(dt.datetime.now(dt.UTC).timestamp())
        expired = admin.issue_pass(
            s, mun=[DEMO_MUNICIPALITY], iat=now - 400 * 86400, exp=now - 86400
        )
        revoked = admin.issue_pass(s, tier="premium", mun=[DEMO_MUNICIPALITY])
        admin.revoke(s, jti=str(revoked.claims["jti"]), reason="demo: reported lost")
        app_passes = [admin.issue_pass(s, mun=[DEMO_MUNICIPALITY]) for _ in range(DEMO_APP_PASSES)]
        anchor = anchor_info(s)
    return DemoSeed(
        municipality=DEMO_MUNICIPALITY,
        organisation=DEMO_ORGANISATION,
        activity_id=activity_id,
        activity_name=activity_name,
        enroll_token=token,
        passes=passes,
        rejected_passes=[expired, revoked],
        activity_ids=[activity_id, festival_id],
        anchor_jwks=anchor.jwks(),
        anchor_thumbprint=anchor.current["kid"],
        app_passes=app_passes,
    )
