"""Check-ins: pass string (or typed-in record) in, durable decision out.

`CheckinService` decides for the current activity at the gate — scans from the camera pipeline,
the keyboard wedge and `kiosk scan`, and the volunteer's manual records — and is thread-safe
(the store serialises writes). New check-ins are stamped in `kiosk.new_checkins`."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from kiosk.clock import Clock
from kiosk.models import CheckinResult, Method, Outcome, PremiumCue, Reason, mask_registrant
from kiosk.new_checkins import PAPER_ID, stamped
from kiosk.passes import PassVerifier, is_registrant_id
from kiosk.premium_cue import registrant_cue
from kiosk.store import (
    NewCheckin,
    RecordError,
    StorageFailed,
    StorageFull,
    Store,
    Stored,
)
from kiosk.store.records import first_story
from kiosk.store.tables import Checkin
from kiosk.typed_passes import PassReader

log = logging.getLogger(__name__)

_RECORD_REASONS = {"activity_closed": Reason.ACTIVITY_CLOSED, "no_activity": Reason.NO_ACTIVITY}


@dataclass(slots=True)
class _Got:
    """What a decision stored before it failed (if it did): its attempt is already recorded."""

    stored: Stored | None = None


class CheckinService:
    """Verifies, decides and stores one scan at a time for the current activity."""

    def __init__(
        self, store: Store, verifier: PassVerifier, clock: Clock, activity_id: str
    ) -> None:
        self.store = store
        self.clock = clock
        self.activity_id = activity_id
        self.session_id = str(uuid.uuid4())
        self._session_start = clock.monotonic()
        self._reader = PassReader(verifier)

    @property
    def verifier(self) -> PassVerifier:
        """The pass verifier (the reader's: typed lines and camera text go through it)."""
        return self._reader.verifier

    @verifier.setter
    def verifier(self, verifier: PassVerifier) -> None:
        self._reader.verifier = verifier

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
            monotonic_s=self.session_seconds(),
            operator=operator,
            tier=tier,
            jti=jti,
            pass_token=pass_token,
        )

    def submit(
        self, payload: str, method: Method, captured_at: float | None = None
    ) -> CheckinResult:
        """Decide one scanned pass: exactly one recorded attempt with a decision and a reason.

        Never raises. Bad input is a rejection with its reason, a failing disk is
        `storage_full` / `storage_failed`, and anything unexpected (a bug, never the input's
        fault) is logged with its traceback and recorded as `unreadable`: the gate goes on."""
        started = captured_at if captured_at is not None else self._monotonic()
        return self._decide(
            method, started, lambda got: self._submit(payload, method, started, got)
        )

    def _submit(self, payload: str, method: Method, started: float, got: _Got) -> CheckinResult:
        now = self.clock.now()
        typed = self._reader.read(payload, method, now.timestamp())
        verification, note = typed.verification, typed.note
        claims = verification.claims
        if claims is None:
            reason = verification.reason or Reason.MALFORMED
            detail = "; ".join(d for d in (note, verification.detail) if d)
            rejected = self._rejected(reason, method, started, now, detail)
            return replace(rejected, corrected=typed.corrected)
        new = self.new_checkin(
            claims.sub, method, tier=claims.tier, jti=claims.jti, pass_token=typed.payload
        )
        latency_ms = self._elapsed_ms(started)
        stored = got.stored = self.store.records.record_checkin(
            new, latency_ms=latency_ms, detail=note
        )
        return replace(
            self._stored(stored, method, started, now, claims.sub),
            tier=claims.tier,
            premium=self._premium(claims.mun) if stored.outcome is Outcome.ACCEPTED else None,
            corrected=typed.corrected,
        )

    def refuse(
        self, method: Method, reason: Reason, detail: str = "", captured_at: float | None = None
    ) -> CheckinResult:
        """Record input refused before it could be read as a pass (a line too long, bytes
        that are not text) as one rejection with `reason`. Never raises, like `submit`."""
        started = captured_at if captured_at is not None else self._monotonic()
        return self._decide(
            method,
            started,
            lambda _got: self._rejected(reason, method, started, self.clock.now(), detail),
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
        `paper_registrant()`), described as the gate shows decisions. Never raises: an
        unexpected failure is recorded as `unreadable`, as in `submit`.

        No coordinator vouches for it here, so it is recorded without an attestation: the
        national system keeps it but does not count it toward premium (`counts: false`)."""
        started = self._monotonic()
        return self._decide(
            method,
            started,
            lambda got: self._manual(registrant, method, reason, paper, started, got),
        )

    def _manual(
        self,
        registrant: str,
        method: Method,
        reason: str,
        paper: tuple[str, str, str] | None,
        started: float,
        got: _Got,
    ) -> CheckinResult:
        if not is_registrant_id(registrant) and not PAPER_ID.fullmatch(registrant):
            detail = "not a registrant id or a paper-form placeholder"
            return self._rejected(Reason.MALFORMED, method, started, self.clock.now(), detail)
        new = self.new_checkin(registrant, method)
        first_at: datetime | None = None
        first_device: str | None = None
        try:
            stored = got.stored = self.store.records.add_manual(new, reason=reason, paper=paper)
        except RecordError as exc:  # not recorded: the decision is the attempt alone
            outcome, why, earlier = self._manual_refusal(str(exc), registrant)
            if earlier is not None:
                first_at, first_device = first_story(
                    earlier.scanned_at,
                    earlier.sync_status,
                    earlier.first_device_name,
                    earlier.first_scanned_at,
                )
            stored = got.stored = self.store.records.record_attempt(
                self.activity_id,
                outcome,
                why,
                method,
                new.scanned_at,
                registrant=registrant,
                checkin_id=earlier.id if earlier else None,
                detail=str(exc) if outcome is Outcome.REJECTED else "",
                latency_ms=self._elapsed_ms(started),
            )
        described = self._stored(stored, method, started, new.scanned_at, registrant)
        return replace(described, first_at=first_at, first_device=first_device)

    def _decide(
        self, method: Method, started: float, decide: Callable[[_Got], CheckinResult]
    ) -> CheckinResult:
        """The boundary every input passes: `decide` returns the decision, a failing disk is
        `storage_full` / `storage_failed`, anything else is logged and recorded `unreadable`
        (once: not again when `decide` had stored its attempt before failing)."""
        got = _Got()
        try:
            return decide(got)
        except StorageFull:
            return self._result(Outcome.REJECTED, Reason.STORAGE_FULL, "", method, started)
        except StorageFailed:
            return self._result(Outcome.REJECTED, Reason.STORAGE_FAILED, "", method, started)
        except Exception as exc:  # the boundary: logged and recorded, never raised
            return self._unexpected(exc, method, started, got.stored)

    def _manual_refusal(
        self, code: str, registrant: str
    ) -> tuple[Outcome, Reason | None, Checkin | None]:
        """A manual record the store refused: a duplicate (with the earlier check-in), or a
        rejection with its reason."""
        if code == "duplicate":
            return (
                Outcome.DUPLICATE,
                None,
                self.store.records.live_checkin(self.activity_id, registrant),
            )
        return Outcome.REJECTED, _RECORD_REASONS.get(code, Reason.MALFORMED), None

    def _premium(self, municipalities: tuple[str, ...]) -> PremiumCue:
        """Does the current activity count toward this registrant's premium? Never raises: a
        failed read only loses the cue, never the decision already stored."""
        try:
            activity = self.store.activities.get(self.activity_id)
        except sqlite3.Error:
            return PremiumCue.UNKNOWN
        return registrant_cue(activity, municipalities)

    def _rejected(
        self, reason: Reason, method: Method, started: float, now: datetime, detail: str
    ) -> CheckinResult:
        stored = self.store.records.record_rejection(
            self.activity_id,
            reason,
            method,
            now,
            detail=detail,  # sanitised by the store
            latency_ms=self._elapsed_ms(started),
        )
        return self._result(stored.outcome, reason, stored.attempt_id, method, started)

    def _unexpected(
        self, exc: Exception, method: Method, started: float, stored: Stored | None
    ) -> CheckinResult:
        """The decision for input the kiosk failed to decide: `rejected` / `unreadable`, with
        its attempt recorded unless one already was (exactly one attempt per input)."""
        log.error(
            "deciding a %s input failed unexpectedly; recorded as %s",
            method.value,
            Reason.UNREADABLE.value,
            exc_info=exc,
        )
        now = self._now()
        if stored is None:
            try:
                stored = self.store.records.record_rejection(
                    self.activity_id,
                    Reason.UNREADABLE,
                    method,
                    now,
                    detail=type(exc).__name__,
                    latency_ms=self._elapsed_ms(started),
                )
            except Exception:  # the store itself fails: the screen still gets a decision
                log.exception("could not record the unreadable %s input", method.value)
        if stored is None or stored.outcome is Outcome.REJECTED:
            return self._result(
                Outcome.REJECTED,
                Reason.UNREADABLE,
                stored.attempt_id if stored else "",
                method,
                started,
            )
        # stored, then failed while describing it: report what is stored
        return self._stored(stored, method, started, now, None)

    def _stored(
        self,
        stored: Stored,
        method: Method,
        started: float,
        decided_at: datetime,
        registrant: str | None,
    ) -> CheckinResult:
        """A decision as the store recorded it, described for the screen and `kiosk scan`
        (the registrant masked)."""
        return CheckinResult(
            outcome=stored.outcome,
            reason=stored.reason,
            registrant=mask_registrant(registrant) if registrant else None,
            checkin_id=stored.checkin_id,
            attempt_id=stored.attempt_id,
            method=method,
            activity_id=self.activity_id,
            decided_at=decided_at,
            latency_ms=self._elapsed_ms(started),
            first_at=stored.first_at,
            first_device=stored.first_device,
        )

    def _now(self) -> datetime:
        try:
            return self.clock.now()
        except Exception:  # a failing clock must not cost a decision: the system clock stands in
            log.exception("the clock failed; using the system clock for this decision")
            return datetime.now(UTC)

    def _monotonic(self) -> float:
        try:
            return self.clock.monotonic()
        except Exception:  # a failing clock must not cost a decision
            log.exception("the monotonic clock failed")
            return 0.0

    def _elapsed_ms(self, started: float) -> float:
        return max(0.0, (self._monotonic() - started) * 1000.0)

    def _result(
        self,
        outcome: Outcome,
        reason: Reason | None,
        attempt_id: str,
        method: Method,
        started: float,
    ) -> CheckinResult:
        return CheckinResult(
            outcome=outcome,
            reason=reason,
            registrant=None,
            checkin_id=None,
            attempt_id=attempt_id,
            method=method,
            activity_id=self.activity_id,
            decided_at=self._now(),
            latency_ms=self._elapsed_ms(started),
        )

    def session_seconds(self) -> float:
        """Monotonic seconds since this kiosk session started (`NewCheckin.monotonic_s`)."""
        return self.clock.monotonic() - self._session_start

    def undo(self, checkin_id: str, operator: str = "gate") -> str:
        """Void exactly this check-in with the gate's reason, without the gate's limits (the
        volunteer's F6 goes through `kiosk.undo.undo_at_gate`, which has them)."""
        self.store.corrections.void(
            checkin_id, reason="undo at gate", operator=operator, at=self.clock.now()
        )
        return checkin_id
