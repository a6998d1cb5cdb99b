"""Administrative operations on the database: the Python API behind the admin CLI.

Tests and the demo seed data with these functions; every one takes an open ``Session``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sync.server.codes import is_registrant_id, new_registrant_id, require_lg_code, utc_now
from sync.server.db import init_db, make_engine
from sync.server.keys import (
    KeyOperationError,
    active_signer,
    jwks,
    list_keys,
    remove_key,
    rotate_key,
)
from sync.server.passes import ISSUER, TIERS, sign_pass
from sync.server.premium import premium_report as participations
from sync.server.registrations import record_registrations
from sync.server.report_schemas import PremiumReport
from sync.server.tables import (
    Activity,
    Counter,
    Device,
    EnrollmentToken,
    Municipality,
    Organisation,
    Revocation,
)

__all__ = [
    "IssuedPass",
    "KeyOperationError",
    "PremiumReport",
    "create_activity",
    "create_enroll_token",
    "create_municipality",
    "create_organisation",
    "disable_device",
    "export_jwks",
    "hash_secret",
    "issue_pass",
    "jwks",
    "list_keys",
    "open_database",
    "participations",
    "register",
    "remove_key",
    "revoke",
    "rotate_key",
    "write_pass_png",
]


class AdminError(ValueError):
    """An admin operation with bad input (unknown municipality, bad code, ...)."""


def open_database(database_url: str) -> Engine:
    """An engine for the URL with every table created."""
    engine = make_engine(database_url)
    init_db(engine)
    return engine


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _lg(code: str) -> str:
    try:
        return require_lg_code(code)
    except ValueError as exc:
        raise AdminError(str(exc)) from None


def create_municipality(session: Session, code: str, name: str) -> Municipality:
    """Create or rename a municipality (code: 6 digits with a valid check digit)."""
    row = session.get(Municipality, _lg(code)) or Municipality(code=code, name=name)
    row.name = name
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def create_organisation(
    session: Session, org_id: str, name: str, municipality: str, kind: str = "other"
) -> Organisation:
    """Create or update an organisation (自治会, RMO, fire brigade, PTA, NPO, ...)."""
    if session.get(Municipality, _lg(municipality)) is None:
        raise AdminError(f"unknown municipality {municipality}")
    row = session.get(Organisation, org_id) or Organisation(
        id=org_id, name=name, municipality=municipality
    )
    row.name, row.kind, row.municipality = name, kind, municipality
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def _next_revision(session: Session) -> int:
    if session.get(Counter, "activity") is None:
        session.add(Counter(name="activity", value=0))
        session.flush()
    session.execute(
        update(Counter).where(col(Counter.name) == "activity").values(value=Counter.value + 1)
    )
    counter = session.get(Counter, "activity", populate_existing=True)
    assert counter is not None
    return counter.value


def create_activity(
    session: Session,
    activity_id: str,
    name: str,
    day: date,
    municipality: str,
    *,
    venue: str = "",
    organiser: str = "",
    organisation: str | None = None,
    designated: bool = False,
) -> Activity:
    """Create or update an activity; every change gets a new revision (the `since` cursor)."""
    if session.get(Municipality, _lg(municipality)) is None:
        raise AdminError(f"unknown municipality {municipality}")
    if organisation is not None and session.get(Organisation, organisation) is None:
        raise AdminError(f"unknown organisation {organisation}")
    revision = _next_revision(session)
    row = session.get(Activity, activity_id)
    fields: dict[str, Any] = {
        "name": name,
        "date": day,
        "venue": venue,
        "organiser": organiser,
        "municipality": municipality,
        "organisation": organisation,
        "designated": designated,
        "revision": revision,
        "updated_at": utc_now(),
    }
    if row is None:
        row = Activity(id=activity_id, **fields)
    else:
        for key, value in fields.items():
            setattr(row, key, value)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def create_enroll_token(
    session: Session,
    *,
    municipality: str | None = None,
    organisation: str | None = None,
    expires_in: timedelta | None = None,
) -> str:
    """A one-time enrollment token for a device of a municipality or an organisation."""
    if (municipality is None) == (organisation is None):
        raise AdminError("give exactly one of municipality or organisation")
    if municipality is not None and session.get(Municipality, _lg(municipality)) is None:
        raise AdminError(f"unknown municipality {municipality}")
    if organisation is not None and session.get(Organisation, organisation) is None:
        raise AdminError(f"unknown organisation {organisation}")
    token = "fke_" + secrets.token_urlsafe(24)
    now = utc_now()
    session.add(
        EnrollmentToken(
            token_hash=hash_secret(token),
            municipality=municipality,
            organisation=organisation,
            created_at=now,
            expires_at=now + expires_in if expires_in is not None else None,
        )
    )
    session.commit()
    return token


def disable_device(session: Session, device_id: str) -> None:
    """Disable a device: its token gets 401 from then on (it must re-enroll)."""
    row = session.get(Device, device_id)
    if row is None:
        raise AdminError(f"unknown device {device_id}")
    row.disabled = True
    session.add(row)
    session.commit()


@dataclass(frozen=True)
class IssuedPass:
    token: str
    claims: dict[str, Any]
    kid: str


def issue_pass(
    session: Session,
    *,
    sub: str | None = None,
    tier: str = "basic",
    mun: list[str] | tuple[str, ...] = (),
    stay: list[str] | tuple[str, ...] | None = None,
    iat: datetime | int | None = None,
    exp: datetime | int | None = None,
    lifetime: timedelta = timedelta(days=365),
    jti: str | None = None,
    kid: str | None = None,
) -> IssuedPass:
    """Sign a registrant pass with the active key (or ``kid``); any iat/exp for tests."""
    if tier not in TIERS:
        raise AdminError(f"tier must be one of {TIERS}")
    sub = sub or new_registrant_id()
    if not is_registrant_id(sub):
        raise AdminError(f"not a registrant id: {sub!r}")
    issued = _epoch(iat) if iat is not None else int(utc_now().timestamp())
    expires = _epoch(exp) if exp is not None else issued + int(lifetime.total_seconds())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": sub,
        "tier": tier,
        "mun": [_lg(m) for m in mun],
        "iat": issued,
        "exp": expires,
        "jti": jti or secrets.token_hex(8),
        "v": 1,
    }
    if stay is not None:
        claims["stay"] = [_lg(m) for m in stay]
    try:
        key_id, key = active_signer(session, kid)
    except KeyOperationError as exc:
        raise AdminError(str(exc)) from None
    if claims["mun"]:  # the pass states the registrations; the national system holds them
        record_registrations(session, {sub: claims["mun"]}, utc_now())
        session.commit()
    return IssuedPass(sign_pass(claims, key_id, key), claims, key_id)


def register(session: Session, registrant: str, municipalities: list[str]) -> int:
    """Record a registrant's registrations (premium is judged per municipality); returns
    how many were new. Passes issued with `mun` and verified uploads record them too."""
    if not is_registrant_id(registrant):
        raise AdminError(f"not a registrant id: {registrant!r}")
    codes = [_lg(m) for m in municipalities]
    added = record_registrations(session, {registrant: codes}, utc_now(), source="admin")
    session.commit()
    return added


def _epoch(value: datetime | int) -> int:
    return value if isinstance(value, int) else int(value.timestamp())


def write_pass_png(token: str, path: Path, scale: int = 4) -> Path:
    """Write the pass as a QR code PNG (what the national app shows)."""
    import segno

    segno.make_qr(token, error="m").save(str(path), scale=scale, border=4)
    return path


def revoke(
    session: Session,
    *,
    jti: str | None = None,
    sub: str | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> list[int]:
    """Revoke a pass (jti) and/or a registrant (sub) from now (or from `at`, for tests and for
    entering a revocation decided earlier); returns the new revocation sequence ids."""
    if jti is None and sub is None:
        raise AdminError("give --jti and/or --sub")
    seqs: list[int] = []
    for kind, value in (("jti", jti), ("sub", sub)):
        if value is None:
            continue
        existing = session.exec(
            select(Revocation).where(col(Revocation.kind) == kind, col(Revocation.value) == value)
        ).first()
        row = existing or Revocation(
            kind=kind, value=value, reason=reason, created_at=at or utc_now()
        )
        session.add(row)
        session.commit()
        assert row.seq is not None
        seqs.append(row.seq)
    return seqs


def export_jwks(session: Session, path: Path) -> Path:
    """Write the current trust list (JWKS) to a file, e.g. a kiosk's initial jwks_file."""
    path.write_text(json.dumps(jwks(session), indent=2) + "\n", encoding="utf-8")
    return path
