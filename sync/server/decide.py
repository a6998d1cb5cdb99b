"""Deciding a batch of uploaded check-ins with a few set-based queries (not several per item).

Order of the checks for a new check-in id: the activity (`unknown_activity`,
`activity_not_permitted`), the scan time (`scanned_in_future`, `scanned_outside_activity_day`,
sync/server/rules.py), the pass (verification codes, expiry judged at the rules' bound), the
method (`pass_required`, `registrant_required`), revocation (judged at the same bound), then
one participation per registrant and activity (`duplicate`). An id another device already
owns is answered `rejected` / `conflict` and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import insert
from sqlmodel import Session, col, select

from sync.server.answers import Result, answer_all
from sync.server.counting_tables import CheckinConflict
from sync.server.keys import public_keys
from sync.server.passes import verify_pass
from sync.server.registrations import record_registrations
from sync.server.rules import ScanRules
from sync.server.schemas import CheckinIn
from sync.server.tables import Activity, Checkin, Device, Revocation

PASS_METHODS = ("camera", "wedge")
CONFLICT = "conflict"
_CHUNK = 500


def activity_visible(activity: Activity, device: Device) -> bool:
    """A device sees its municipality's activities, or its organisation's."""
    if device.organisation is not None:
        return activity.organisation == device.organisation
    return activity.municipality == device.municipality


def select_in(session: Session, model: Any, column: Any, values: list[str]) -> list[Any]:
    """Rows whose `column` is one of `values`, in chunks (bound-parameter limits)."""
    out: list[Any] = []
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        out.extend(session.exec(select(model).where(col(column).in_(chunk))).all())
    return out


class BatchDecider:
    """One batch, one session: stored ids answer as stored, new ids are decided and inserted."""

    def __init__(
        self,
        session: Session,
        device: Device,
        items: list[CheckinIn],
        rules: ScanRules | None = None,
    ) -> None:
        self.session, self.device = session, device
        self.rules = rules or ScanRules()
        self.keys: dict[str, Ed25519PublicKey] = public_keys(session)
        ids = list({item.id.lower() for item in items})
        self.known: dict[str, dict[str, Any]] = {
            row.id: row.model_dump() for row in select_in(session, Checkin, Checkin.id, ids)
        }
        activity_ids = list({item.activity_id for item in items})
        self.activities = {a.id: a for a in select_in(session, Activity, Activity.id, activity_ids)}
        self.revoked: dict[tuple[str, str], datetime] = {}
        self.first: dict[tuple[str, str], str] = {}  # (activity, registrant) -> accepted id
        self.claims: dict[str, list[str]] = {}  # registrant -> `mun` of a verified pass

    def decide_all(self, items: list[CheckinIn], now: datetime) -> list[Result]:
        drafts = [self._draft(item, now) for item in items]
        self._load_context(drafts)
        rows: list[dict[str, Any] | None] = []  # None: the id belongs to another device
        new_rows: list[dict[str, Any]] = []
        conflicts: dict[str, dict[str, Any]] = {}
        for draft in drafts:
            known = self.known.get(draft["id"])
            if known is None:  # first time this id is seen (also within this batch)
                self._finish(draft)
                self.known[draft["id"]] = known = draft
                new_rows.append(draft)
            if known["device_id"] != self.device.id:
                conflicts[draft["id"]] = draft
                rows.append(None)
            else:
                rows.append(known)
        if new_rows:
            self.session.execute(insert(Checkin), new_rows)
        self._record_conflicts(list(conflicts.values()), now)
        record_registrations(self.session, self.claims, now)
        return answer_all(self.session, [d["id"] for d in drafts], rows)

    def _draft(self, item: CheckinIn, now: datetime) -> dict[str, Any]:
        attestation = item.attestation
        draft: dict[str, Any] = {
            "id": item.id.lower(),
            "device_id": self.device.id,
            "activity_id": item.activity_id,
            "registrant": item.registrant,
            "method": item.method,
            "pass_jti": None,
            "tier": item.tier,
            "scanned_at": item.scanned_at,
            "scanned_at_corrected": item.scanned_at_corrected,
            "clock_trusted": item.clock_trusted,
            "status": "rejected",
            "reason": None,
            "first_checkin_id": None,
            "received_at": now,
            "voided": False,
            "evidenced": attestation is not None,
            "attested_by": attestation.operator if attestation else None,
            "attestation_reason": attestation.reason if attestation else None,
        }
        if draft["id"] not in self.known:
            draft["reason"] = self._item_reason(item, draft)
        return draft

    def _item_reason(self, item: CheckinIn, draft: dict[str, Any]) -> str | None:
        """Everything decidable from the item alone: activity, scan time, pass, method."""
        activity = self.activities.get(item.activity_id)
        if activity is None:
            return "unknown_activity"
        if not activity_visible(activity, self.device):
            return "activity_not_permitted"
        scanned = _scan_time(draft)
        received: datetime = draft["received_at"]
        time_reason = self.rules.time_reason(scanned, received, activity.date)
        if time_reason is not None:
            return time_reason
        if item.pass_ is not None:
            judged = self.rules.judged_at(scanned, received)
            check = verify_pass(item.pass_, self.keys, scanned, expiry_at=judged)
            if check.claims is None:
                return check.reason
            if draft["registrant"] not in (None, check.claims["sub"]):
                return "registrant_mismatch"
            draft["registrant"], draft["tier"] = check.claims["sub"], check.claims["tier"]
            draft["pass_jti"] = check.claims["jti"]
            draft["evidenced"] = True
            self.claims[check.claims["sub"]] = list(check.claims["mun"])
        elif item.method in PASS_METHODS:
            return "pass_required"
        elif item.method == "manual" and draft["registrant"] is None:
            return "registrant_required"
        return None

    def _load_context(self, drafts: list[dict[str, Any]]) -> None:
        live = [d for d in drafts if d["reason"] is None and d["id"] not in self.known]
        jtis = {d["pass_jti"] for d in live if d["pass_jti"] is not None}
        subs = {d["registrant"] for d in live if d["registrant"] is not None}
        for rev in select_in(self.session, Revocation, Revocation.value, list(jtis | subs)):
            self.revoked[(rev.kind, rev.value)] = rev.created_at
        for row in select_in(self.session, Checkin, Checkin.registrant, list(subs)):
            if row.status == "accepted" and not row.voided and row.registrant is not None:
                self.first[(row.activity_id, row.registrant)] = row.id

    def _finish(self, draft: dict[str, Any]) -> None:
        at = self.rules.judged_at(_scan_time(draft), draft["received_at"])
        for kind, key in (("jti", "pass_jti"), ("sub", "registrant")):
            revoked_at = self.revoked.get((kind, draft[key])) if draft[key] else None
            if draft["reason"] is None and revoked_at is not None and revoked_at <= at:
                draft["reason"] = "revoked"
        if draft["reason"] is not None:
            draft["evidenced"] = False
            return
        registrant = draft["registrant"]
        first = self.first.get((draft["activity_id"], registrant)) if registrant else None
        if first is not None:
            draft["status"], draft["first_checkin_id"] = "duplicate", first
            return
        draft["status"] = "accepted"
        if registrant is not None:
            self.first[(draft["activity_id"], registrant)] = draft["id"]

    def _record_conflicts(self, drafts: list[dict[str, Any]], now: datetime) -> None:
        """Note each id this device sent that another device owns (once per id and device)."""
        for draft in drafts:
            key = (draft["id"], self.device.id)
            if self.session.get(CheckinConflict, key) is None:
                self.session.add(
                    CheckinConflict(
                        checkin_id=draft["id"],
                        device_id=self.device.id,
                        activity_id=draft["activity_id"],
                        first_seen_at=now,
                    )
                )
        self.session.flush()


def _scan_time(row: dict[str, Any]) -> datetime:
    corrected: datetime | None = row["scanned_at_corrected"]
    return corrected or row["scanned_at"]
