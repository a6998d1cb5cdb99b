"""Seed data for `kiosk demo`: a municipality, an RMO, today's activity, an enrollment token
and a stream of sample passes covering every outcome the gate can show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sync.server import admin
from sync.server.codes import utc_now
from sync.server.passes import sign_pass

DEMO_MUNICIPALITY = "131016"  # 千代田区 (check digit 6)
DEMO_ORGANISATION = "rmo-demo"


@dataclass(frozen=True)
class DemoPass:
    label: str  # what the demo shows it as: valid, premium, duplicate, expired, forged, revoked
    token: str


@dataclass(frozen=True)
class DemoSeed:
    activity_id: str
    activity_name: str
    enroll_token: str
    passes: tuple[DemoPass, ...]


def seed_demo(engine: Engine, today: date, *, people: int = 12) -> DemoSeed:
    """Create the demo world; returns the passes in the order the simulated camera shows them."""
    activity_id = f"act-{today.isoformat()}-demo"
    name = "海岸清掃ボランティア (デモ)"
    with Session(engine) as session:
        admin.create_municipality(session, DEMO_MUNICIPALITY, "千代田区")
        admin.create_organisation(
            session, DEMO_ORGANISATION, "デモ地域運営組織", DEMO_MUNICIPALITY, kind="rmo"
        )
        admin.create_activity(
            session,
            activity_id,
            name,
            today,
            DEMO_MUNICIPALITY,
            venue="デモ海岸",
            organiser="デモ地域運営組織",
            organisation=DEMO_ORGANISATION,
            designated=True,
        )
        token = admin.create_enroll_token(session, organisation=DEMO_ORGANISATION)
        mun = [DEMO_MUNICIPALITY]
        valid = [
            admin.issue_pass(session, tier="premium" if i % 3 == 0 else "basic", mun=mun)
            for i in range(people)
        ]
        now = utc_now()
        expired = admin.issue_pass(
            session, mun=mun, iat=now - timedelta(days=400), exp=now - timedelta(days=35)
        )
        revoked = admin.issue_pass(session, mun=mun)
        admin.revoke(session, jti=str(revoked.claims["jti"]), reason="demo: lost phone")
        # A forgery: the real key id, someone else's key.
        forged = sign_pass(
            dict(valid[0].claims, sub="FR0000000000"), valid[0].kid, Ed25519PrivateKey.generate()
        )
    stream: list[DemoPass] = []
    for i, issued in enumerate(valid):
        stream.append(
            DemoPass("premium" if issued.claims["tier"] == "premium" else "valid", issued.token)
        )
        if i == 2:
            stream.append(DemoPass("duplicate", valid[1].token))
        if i == 4:
            stream.append(DemoPass("expired", expired.token))
        if i == 6:
            stream.append(DemoPass("forged", forged))
        if i == 8:
            stream.append(DemoPass("revoked", revoked.token))
    return DemoSeed(activity_id, name, token, tuple(stream))
