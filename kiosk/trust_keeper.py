"""The trust in force at the gate: the pinned national anchor, the last good trust statement and
the one pass verifier they feed.

The composition root builds one `TrustKeeper` beside the one `PassVerifier`:

* At start-up (`load`) the last good statement kept in the store is re-checked against the
  state saved with it (`kiosk.trust.reload_statement`: signature and sequence, not expiry) and
  its keys and revocations replace the provisioned ones, so a restart without network verifies
  exactly as before. A statement accepted under other anchor pins than the config's now (IT
  staff re-pinned the device) is set aside: the kiosk starts over from the provisioned list.
* The sync worker offers each statement it pulls (`offer`). `kiosk.trust.verify_statement`
  decides with the saved state (anchors and last sequence) and the server-corrected time: an
  accepted statement is stored first, then its keys replace the verifier's and its complete
  revocation list (plus the provisioned revocations file) replaces the revocations; a refused
  one is logged with its stable reason and recorded, and the verifier keeps the last good list.
* `status` says how old the statement in force is, for `kiosk doctor` and the coordinator.

Without a pin (`[trust]` names no anchor) nothing from the network can change the pass keys:
the provisioned `trust.jwks_file` stays the trust list (see README, "Signed national trust").
The provisioned file is never written.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from kiosk.passes import PassVerifier, Revocations
from kiosk.store import Store
from kiosk.store.tables import TrustRefusal, TrustStatementRow, iso
from kiosk.trust import (
    Accepted,
    Refused,
    TrustStatement,
    reload_statement,
    verify_statement,
)
from kiosk.trust_anchor import AnchorPin, TrustAnchorError, TrustState

log = logging.getLogger("kiosk.trust")

STALE_AFTER = timedelta(hours=24)
"""A statement the server has not confirmed for this long is stale: revocations made since are
unknown to the gate (the reference server re-signs an unchanged statement daily)."""


class Offered(StrEnum):
    """What became of a statement offered by the sync worker."""

    ACCEPTED = "accepted"  # newer and valid: now in force
    UNCHANGED = "unchanged"  # the statement already in force
    REFUSED = "refused"  # see `OfferResult.refusal`; the last good list stays in force
    NOT_PINNED = "not_pinned"  # no anchor pinned: nothing from the network is trusted


@dataclass(frozen=True)
class OfferResult:
    outcome: Offered
    sequence: int | None = None  # of the statement in force afterwards
    refusal: Refused | None = None


def pins_signature(pins: tuple[AnchorPin, ...]) -> str:
    """How the store remembers which pins a statement was accepted under."""
    return ",".join(sorted(pin.thumbprint for pin in pins))


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class TrustStatus:
    """The trust list in force, as the coordinator screen and `kiosk doctor` describe it."""

    pinned: bool
    statement: TrustStatementRow | None  # None: the provisioned file is in force
    last_refusal: TrustRefusal | None  # only one newer than the last confirmation

    @classmethod
    def of(
        cls, pinned: bool, row: TrustStatementRow | None, refusal: TrustRefusal | None
    ) -> TrustStatus:
        checked = _when(row.checked_at) if row is not None else None
        refused_at = _when(refusal.at) if refusal is not None else None
        recent = refused_at is not None and (checked is None or refused_at >= checked)
        return cls(pinned, row, refusal if recent else None)

    @property
    def sequence(self) -> int | None:
        return self.statement.sequence if self.statement else None

    @property
    def issued_at(self) -> datetime | None:
        return _epoch(self.statement.issued_at) if self.statement else None

    @property
    def expires_at(self) -> datetime | None:
        return _epoch(self.statement.expires_at) if self.statement else None

    @property
    def checked_at(self) -> datetime | None:
        return _when(self.statement.checked_at) if self.statement else None

    def age(self, now: datetime) -> timedelta | None:
        """How long ago the statement in force was issued."""
        issued = self.issued_at
        return None if issued is None else now - issued

    def expired(self, now: datetime) -> bool:
        expires = self.expires_at
        return expires is not None and now >= expires

    def stale(self, now: datetime) -> bool:
        """Not confirmed by the server for `STALE_AFTER` (or never, on a pinned device)."""
        checked = self.checked_at
        if checked is None:
            return self.pinned
        return now - checked > STALE_AFTER


class TrustKeeper:
    """Keeps the verifier's keys and revocations on the last good signed statement."""

    def __init__(
        self,
        store: Store,
        verifier: PassVerifier,
        pins: tuple[AnchorPin, ...],
        provisioned_revocations: Revocations,
        *,
        clock_skew_s: int = 300,
    ) -> None:
        self.store = store
        self.verifier = verifier
        self.pins = pins
        self.provisioned_revocations = provisioned_revocations
        self.clock_skew_s = clock_skew_s
        self._lock = threading.Lock()
        self._state: TrustState | None = TrustState.initial(pins) if pins else None
        self._token: str | None = None

    @property
    def pinned(self) -> bool:
        return bool(self.pins)

    @property
    def state(self) -> TrustState | None:
        with self._lock:
            return self._state

    @property
    def sequence(self) -> int | None:
        """The sequence of the statement in force (None: the provisioned list is)."""
        with self._lock:
            return self._state.sequence if self._token is not None and self._state else None

    @property
    def has_statement(self) -> bool:
        """A verified statement is in force (not only the provisioned list)."""
        with self._lock:
            return self._token is not None

    def load(self) -> TrustStatement | None:
        """Start-up: put the saved last good statement back in force (None when there is none
        usable; the provisioned list stays in force then)."""
        if not self.pins:
            return None
        row = self.store.trust.saved()
        if row is None:
            return None
        if row.pins != pins_signature(self.pins):
            log.warning(
                "the trust anchor pin changed since statement #%d was accepted: starting over"
                " from the provisioned trust list",
                row.sequence,
            )
            return None
        try:
            state = TrustState.from_json(row.state)
        except TrustAnchorError as exc:
            log.warning("saved trust state unusable (%s): starting over, keeping its sequence", exc)
            with self._lock:
                self._state = TrustState.initial(self.pins).with_sequence(row.sequence)
            return None
        checked = reload_statement(row.token, state)
        with self._lock:
            self._state = state  # its sequence keeps protecting against rollback either way
            if isinstance(checked, Refused):
                log.warning(
                    "saved trust statement #%d no longer verifies (%s %s): using the"
                    " provisioned trust list",
                    row.sequence,
                    checked.reason.value,
                    checked.detail,
                )
                return None
            self._token = row.token
            self._apply(checked)
        log.info(
            "trust statement #%d back in force (%d pass keys)", row.sequence, len(checked.keys)
        )
        return checked

    def offer(self, token: str, now: datetime) -> OfferResult:
        """Verify a statement pulled from the API; accept, or refuse with a logged reason."""
        with self._lock:
            state = self._state
            if state is None:
                return OfferResult(Offered.NOT_PINNED)
            if token.strip() == self._token:
                self.store.trust.mark_checked(now)
                return OfferResult(Offered.UNCHANGED, state.sequence)
            outcome = verify_statement(
                token.strip(), state, now.timestamp(), clock_skew_s=self.clock_skew_s
            )
            if isinstance(outcome, Accepted):
                self._accept(token.strip(), outcome, now)
                return OfferResult(Offered.ACCEPTED, outcome.statement.sequence)
            self.store.trust.record_refusal(outcome.reason.value, outcome.detail, now)
            sequence = state.sequence if self._token is not None else None
        log.warning(
            "trust statement refused: %s%s; the gate keeps verifying with %s",
            outcome.reason.value,
            f" ({outcome.detail})" if outcome.detail else "",
            f"statement #{sequence}" if sequence else "the provisioned trust list",
        )
        return OfferResult(Offered.REFUSED, sequence, outcome)

    def status(self) -> TrustStatus:
        refusals = self.store.trust.refusals(limit=1)
        return TrustStatus.of(
            self.pinned, self.store.trust.saved(), refusals[0] if refusals else None
        )

    # -- inside the lock ----------------------------------------------------------------------

    def _accept(self, token: str, accepted: Accepted, now: datetime) -> None:
        statement, previous = accepted.statement, self._state
        row = TrustStatementRow(
            token=token,
            state=accepted.state.to_json(),
            pins=pins_signature(self.pins),
            sequence=statement.sequence,
            anchor=statement.anchor,
            issued_at=statement.issued_at,
            expires_at=statement.expires_at,
            key_count=len(statement.keys),
            revocation_count=len(statement.revoked_jti) + len(statement.revoked_sub),
            accepted_at=iso(now),
            checked_at=iso(now),
        )
        # Stored before it takes effect: a crash in between leaves the old list in both places.
        self.store.trust.save_accepted(row)
        self._state, self._token = accepted.state, token
        self._apply(statement)
        log.info(
            "trust statement #%d accepted: %d pass keys, %d revocations, expires %s",
            statement.sequence,
            row.key_count,
            row.revocation_count,
            _epoch(statement.expires_at).isoformat(),
        )
        if previous is not None and previous.anchors[0].thumbprint != statement.anchor:
            log.warning("the national trust anchor is now %s", statement.anchor)
        if statement.next_anchor is not None:
            log.info("the national trust anchor announced its successor %s", statement.next_anchor)

    def _apply(self, statement: TrustStatement) -> None:
        base = self.provisioned_revocations
        self.verifier.replace_keys(statement.keys)
        self.verifier.replace_revocations(
            Revocations(base.jti | statement.revoked_jti, base.sub | statement.revoked_sub)
        )
