"""Check-ins: pass string (or typed-in record) in, durable decision out.

`CheckinService` decides for the current activity at the gate — scans from the camera pipeline,
the keyboard wedge and `kiosk scan`, and the volunteer's manual records — and is thread-safe
(the store serialises writes). `manual_checkin` is the coordinator's manual record for any
activity. Every check-in gets its times from the clock in one place (`stamped`)."""

from __future__ import annotations

import secrets
import sqlite3
import time
import uuid

from kiosk.clock import Clock
from kiosk.models import CheckinResult, Method, Outcome, PremiumCue, Reason, mask_registrant
from kiosk.passes import PassVerifier
from kiosk.premium_cue import registrant_cue
from kiosk.store import (
    Attestation,
    NewCheckin,
    RecordError,
    StorageFailed,
    StorageFull,
    Store,
)
from kiosk.store.records import first_story

PAPER_PREFIX = "PAPER-"
"""Registrant placeholder prefix for a paper-form participant without a registrant id. Not a
national id: exports leave it out, and the uploader sends such check-ins without `registrant`."""

_RECORD_REASONS = {"activity_closed": Reason.ACTIVITY_CLOSED, "no_activity": Reason.NO_ACTIVITY}


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
        self,
        registrant: str,
        method: Method,
        *,
        tier: str | None = None,
        jti: str | None = None,
        pass_token: str | None = None,
        operator: str = "gate",
    ) -> NewCheckin:
        """A check-in for the current activity in this kiosk session."""
        return stamped(
            self.clock,
            activity_id=self.activity_id,
            registrant=registrant,
            method=method,
            session_id=self.session_id,
            monotonic_s=self.clock.monotonic() - self._session_start,
            operator=operator,
            tier=tier,
            jti=jti,
            pass_token=pass_token,
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
                stored = self.store.records.record_rejection(
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
            stored = self.store.records.record_checkin(new, latency_ms=self._elapsed_ms(started))
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
            premium=self._premium(claims.mun) if stored.outcome is Outcome.ACCEPTED else None,
            first_device=stored.first_device,
        )

    def record_manual(
        self,
        registrant: str,
        method: Method,
        *,
        reason: str,
        paper: tuple[str, str, str] | None = None,
    ) -> CheckinResult:
        """A volunteer's manual record at the gate (registrant id, or a paper form with
        `paper_registrant()`), described as the gate shows decisions. Never raises.

        No coordinator vouches for it here, so it is recorded without an attestation: the
        national system keeps it but does not count it toward premium (`counts: false`)."""
        started = time.monotonic()
        new = self.new_checkin(registrant, method)
        outcome, why, checkin_id, first_at = Outcome.ACCEPTED, None, None, None
        first_device: str | None = None
        attempt_id = ""
        try:
            stored = self.store.records.add_manual(new, reason=reason, paper=paper)
            checkin_id, attempt_id = stored.checkin_id, stored.attempt_id
        except RecordError as exc:
            code = str(exc)
            if code == "duplicate":
                outcome = Outcome.DUPLICATE
                earlier = self.store.records.live_checkin(self.activity_id, registrant)
                if earlier is not None:
                    checkin_id = earlier.id
                    first_at, first_device = first_story(
                        earlier.scanned_at,
                        earlier.sync_status,
                        earlier.first_device_name,
                        earlier.first_scanned_at,
                    )
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
            activity_id=self.activity_id,
            decided_at=new.scanned_at,
            latency_ms=(time.monotonic() - started) * 1000.0,
            first_at=first_at,
            first_device=first_device,
        )

    def _premium(self, municipalities: tuple[str, ...]) -> PremiumCue:
        """Does the current activity count toward this registrant's premium? Never raises: a
        failed read only loses the cue, never the decision already stored."""
        try:
            activity = self.store.activities.get(self.activity_id)
        except sqlite3.Error:
            return PremiumCue.UNKNOWN
        return registrant_cue(activity, municipalities)

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
        self.store.corrections.void(
            checkin_id, reason="undo at gate", operator=operator, at=self.clock.now()
        )
        return checkin_id

    def undo_last(self, operator: str = "gate") -> str | None:
        """Void the most recent live check-in of this activity."""
        last = self.store.records.last_accepted(self.activity_id)
        return None if last is None else self.undo(last.id, operator)
