"""New check-ins, stamped by the clock in one place (`stamped`): the gate's, the coordinator's
manual record for any activity (`manual_checkin`), and a paper form's placeholder registrant."""

from __future__ import annotations

import re
import secrets

from kiosk.clock import Clock
from kiosk.models import Method
from kiosk.store import Attestation, NewCheckin

PAPER_PREFIX = "PAPER-"
"""Registrant placeholder prefix for a paper-form participant without a registrant id. Not a
national id: exports leave it out, and the uploader sends such check-ins without `registrant`."""

PAPER_ID = re.compile(r"PAPER-[0-9A-F]{10}")
"""A placeholder as `paper_registrant()` makes them (`fullmatch` it)."""


def paper_registrant() -> str:
    """A local pseudonymous id for a paper-form participant (no pass, no national id)."""
    return PAPER_PREFIX + secrets.token_hex(5).upper()


def stamped(
    clock: Clock,
    *,
    activity_id: str,
    registrant: str,
    method: Method,
    session_id: str,
    monotonic_s: float,
    operator: str,
    tier: str | None = None,
    jti: str | None = None,
    pass_token: str | None = None,
    attestation: Attestation | None = None,
) -> NewCheckin:
    """A check-in stamped now: the raw wall clock, whether it is trusted, and the
    server-corrected time when the clock's offset to the national API is known."""
    now = clock.now()
    offset = clock.offset
    return NewCheckin(
        activity_id=activity_id,
        registrant=registrant,
        method=method,
        scanned_at=now,
        clock_trusted=clock.trusted,
        monotonic_s=monotonic_s,
        session_id=session_id,
        scanned_at_corrected=now + offset if offset is not None else None,
        tier=tier,
        jti=jti,
        pass_token=pass_token,
        operator=operator,
        attestation=attestation,
    )


def manual_checkin(
    activity_id: str,
    registrant: str | None,
    *,
    method: Method,
    operator: str,
    clock: Clock,
    session_id: str = "coordinator",
    tier: str | None = None,
    attestation: Attestation | None = None,
) -> NewCheckin:
    """A coordinator's manual record; a paper participant without an id gets a placeholder.
    With `attestation` (the coordinator vouches: operator and reason) the national system
    counts it toward premium; without, it is recorded there but does not count."""
    sub = registrant.strip().upper() if registrant and registrant.strip() else None
    return stamped(
        clock,
        activity_id=activity_id,
        registrant=sub or paper_registrant(),
        method=method,
        session_id=session_id,
        monotonic_s=clock.monotonic(),
        operator=operator,
        tier=tier,
        attestation=attestation,
    )
