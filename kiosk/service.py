"""The check-in service: pass string in, durable decision out. Used by the scan pipeline,
the wedge reader, the UI and `kiosk scan`. Thread-safe (the store serialises writes)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from kiosk.clock import Clock, SystemClock, venue_today
from kiosk.models import CheckinResult, Method, Outcome, Reason, mask_registrant
from kiosk.passes import PassVerifier, Revocations, load_jwks_file
from kiosk.store import NewCheckin, StorageFailed, StorageFull, Store
from kiosk.tables import Activity


class CheckinService:
    """Verifies, decides and stores one scan at a time for the current activity."""

    def __init__(
        self, store: Store, verifier: PassVerifier, clock: Clock, activity_id: str
    ) -> None:
        self.store = store
        self.verifier = verifier
        self.clock = clock
        self.activity_id = activity_id
        self.session_id = str(uuid.uuid4())
        self._session_start = clock.monotonic()

    def select_activity(self, activity_id: str) -> None:
        self.activity_id = activity_id

    def new_checkin(
        self, registrant: str, method: Method, *, operator: str = "gate", **extra: object
    ) -> NewCheckin:
        """A check-in for the current activity, stamped exactly as a scan is (manual records)."""
        now = self.clock.now()
        offset = self.clock.offset
        return NewCheckin(
            activity_id=self.activity_id,
            registrant=registrant,
            method=method,
            scanned_at=now,
            clock_trusted=self.clock.trusted,
            monotonic_s=self.clock.monotonic() - self._session_start,
            session_id=self.session_id,
            scanned_at_corrected=now + offset if offset is not None else None,
            operator=operator,
            **extra,  # type: ignore[arg-type]
        )

    def submit(
        self, payload: str, method: Method, captured_at: float | None = None
    ) -> CheckinResult:
        """Decide one scanned pass. Never raises for bad input or a failing disk."""
        started = captured_at if captured_at is not None else self.clock.monotonic()
        now = self.clock.now()
        verification = self.verifier.verify(payload, now.timestamp())
        try:
            if verification.claims is None:
                reason = verification.reason or Reason.MALFORMED
                stored = self.store.record_rejection(
                    self.activity_id,
                    reason,
                    method,
                    now,
                    detail=verification.detail,
                    latency_ms=self._elapsed_ms(started),
                )
                return self._result(
                    stored.outcome, reason, None, None, stored.attempt_id, method, started
                )
            claims = verification.claims
            new = self.new_checkin(
                claims.sub, method, tier=claims.tier, jti=claims.jti, pass_token=payload.strip()
            )
            stored = self.store.record_checkin(new, latency_ms=self._elapsed_ms(started))
        except StorageFull:
            return self._result(
                Outcome.REJECTED, Reason.STORAGE_FULL, None, None, "", method, started
            )
        except StorageFailed:
            return self._result(
                Outcome.REJECTED, Reason.STORAGE_FAILED, None, None, "", method, started
            )
        return CheckinResult(
            outcome=stored.outcome,
            reason=stored.reason,
            registrant=mask_registrant(claims.sub),
            checkin_id=stored.checkin_id,
            attempt_id=stored.attempt_id,
            method=method,
            activity_id=self.activity_id,
            decided_at=now,
            latency_ms=self._elapsed_ms(started),
            tier=claims.tier,
            first_at=stored.first_at,
        )

    def _elapsed_ms(self, started: float) -> float:
        return max(0.0, (self.clock.monotonic() - started) * 1000.0)

    def _result(
        self,
        outcome: Outcome,
        reason: Reason | None,
        registrant: str | None,
        checkin_id: str | None,
        attempt_id: str,
        method: Method,
        started: float,
    ) -> CheckinResult:
        return CheckinResult(
            outcome=outcome,
            reason=reason,
            registrant=registrant,
            checkin_id=checkin_id,
            attempt_id=attempt_id,
            method=method,
            activity_id=self.activity_id,
            decided_at=self.clock.now(),
            latency_ms=self._elapsed_ms(started),
        )

    def undo(self, checkin_id: str, operator: str = "gate") -> str:
        """Void exactly this check-in ("undo at gate"): the one the volunteer confirmed."""
        self.store.void(checkin_id, reason="undo at gate", operator=operator, at=self.clock.now())
        return checkin_id

    def undo_last(self, operator: str = "gate") -> str | None:
        """Void the most recent live check-in of this activity."""
        last = self.store.last_accepted(self.activity_id)
        return None if last is None else self.undo(last.id, operator)


def ensure_activity(store: Store, activity_id: str, name: str, on: date | None = None) -> None:
    """Make sure the configured activity exists locally (pulled activities may add more)."""
    if store.activity(activity_id) is None:
        local_day = on or venue_today()
        store.upsert_activity(Activity(id=activity_id, name=name, date=local_day.isoformat()))


def build_service(
    database: Path,
    jwks_file: Path,
    activity_id: str,
    revocations_file: Path | None = None,
    *,
    clock: Clock | None = None,
    activity_name: str | None = None,
    synchronous: str = "FULL",
) -> CheckinService:
    """Open everything a check-in needs from files (tests, `kiosk scan`, the benchmarks)."""
    store = Store.open(database, synchronous=synchronous)
    revocations = Revocations.load(revocations_file) if revocations_file else Revocations()
    verifier = PassVerifier(load_jwks_file(jwks_file), revocations)
    ensure_activity(store, activity_id, activity_name or activity_id)
    return CheckinService(store, verifier, clock or SystemClock(), activity_id)
