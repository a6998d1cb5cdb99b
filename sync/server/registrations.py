"""Which municipalities a registrant is registered with (premium is judged per municipality).

The reference server learns registrations from the passes it issues and from every verified
pass it receives (the `mun` claim, signed by the national system), and from
``national-api register``. Registrations are only ever added here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from sync.server.counting_tables import Registration

_CHUNK = 500


def registered_municipalities(session: Session, registrant: str) -> list[str]:
    rows = session.exec(
        select(Registration.municipality).where(col(Registration.registrant) == registrant)
    ).all()
    return sorted(rows)


def record_registrations(
    session: Session, claims: Mapping[str, Iterable[str]], now: datetime, source: str = "pass"
) -> int:
    """Add the (registrant, municipality) pairs not recorded yet; returns how many were added."""
    wanted = {(sub, mun) for sub, muns in claims.items() for mun in muns}
    if not wanted:
        return 0
    subs = sorted({sub for sub, _ in wanted})
    have: set[tuple[str, str]] = set()
    for start in range(0, len(subs), _CHUNK):
        chunk = subs[start : start + _CHUNK]
        query = select(Registration.registrant, Registration.municipality).where(
            col(Registration.registrant).in_(chunk)
        )
        have.update((sub, mun) for sub, mun in session.exec(query).all())
    new = [
        {"registrant": sub, "municipality": mun, "source": source, "recorded_at": now}
        for sub, mun in sorted(wanted - have)
    ]
    if new:
        session.execute(insert(Registration), new)
    return len(new)
