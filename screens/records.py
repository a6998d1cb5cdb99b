"""Manual records at the gate (registrant id or paper form). Runs on worker threads only."""

from __future__ import annotations

import secrets
import time
from datetime import datetime

from kiosk.models import CheckinResult, Method, Outcome, Reason, mask_registrant
from kiosk.service import CheckinService
from kiosk.store import RecordError, StorageFailed, StorageFull

_RECORD_REASONS = {"activity_closed": Reason.ACTIVITY_CLOSED, "no_activity": Reason.NO_ACTIVITY}


def paper_registrant() -> str:
    """A local pseudonymous id for a paper-form participant (no pass, no national id)."""
    return "PAPER-" + secrets.token_hex(5).upper()


def record_manual(
    service: CheckinService,
    registrant: str,
    method: Method,
    *,
    reason: str,
    paper: tuple[str, str, str] | None = None,
) -> CheckinResult:
    """Store a manual check-in and describe it as the gate shows decisions. Never raises."""
    started = time.monotonic()
    new = service.new_checkin(registrant, method)
    store = service.store
    outcome, why, checkin_id, first_at = Outcome.ACCEPTED, None, None, None
    attempt_id = ""
    try:
        stored = store.add_manual(new, reason=reason, paper=paper)
        checkin_id, attempt_id = stored.checkin_id, stored.attempt_id
    except RecordError as exc:
        code = str(exc)
        if code == "duplicate":
            outcome = Outcome.DUPLICATE
            earlier = [
                c
                for c in store.checkins(service.activity_id, include_voided=False)
                if c.registrant == registrant
            ]
            if earlier:
                checkin_id = earlier[0].id
                first_at = datetime.fromisoformat(earlier[0].scanned_at)
        else:
            outcome, why = Outcome.REJECTED, _RECORD_REASONS.get(code, Reason.STORAGE_FAILED)
    except StorageFull:
        outcome, why = Outcome.REJECTED, Reason.STORAGE_FULL
    except StorageFailed:
        outcome, why = Outcome.REJECTED, Reason.STORAGE_FAILED
    return CheckinResult(
        outcome=outcome,
        reason=why,
        registrant=mask_registrant(registrant),
        checkin_id=checkin_id,
        attempt_id=attempt_id,
        method=method,
        activity_id=service.activity_id,
        decided_at=new.scanned_at,
        latency_ms=(time.monotonic() - started) * 1000.0,
        first_at=first_at,
    )
