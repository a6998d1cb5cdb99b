"""Deciding a batch of uploaded check-ins with a few set-based queries (not several per item)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import insert
from sqlmodel import Session, col, select

from sync.server.keys import public_keys
from sync.server.passes import verify_pass
from sync.server.schemas import CheckinIn
from sync.server.tables import Activity, Checkin, Device, Revocation

PASS_METHODS = ("camera", "wedge")
_CHUNK = 500
Result = dict[str, str | None]


def activity_visible(activity: Activity, device: Device) -> bool:
    """A device sees its municipality's activities, or its organisation's."""
    if device.organisation is not None:
        return activity.organisation == device.organisation
    return activity.municipality == device.municipality


def _result(row: dict[str, Any]) -> Result:
    return {k: row[k] for k in ("id", "status", "reason", "first_checkin_id")}


class BatchDecider:
    """One batch, one session: stored ids answer as stored, new ids are decided and inserted."""

    def __init__(self, session: Session, device: Device, items: list[CheckinIn]) -> None:
        self.session, self.device = session, device
        self.keys: dict[str, Ed25519PublicKey] = public_keys(session)
        ids = list({item.id.lower() for item in items})
        self.known: dict[str, dict[str, Any]] = {
            row.id: row.model_dump() for row in self._in(Checkin, Checkin.id, ids)
        }
        activity_ids = list({item.activity_id for item in items})
        self.activities = {a.id: a for a in self._in(Activity, Activity.id, activity_ids)}
        self.revoked: dict[tuple[str, str], datetime] = {}
        self.first: dict[tuple[str, str], str] = {}  # (activity, registrant) -> accepted id

    def _in(self, model: Any, column: Any, values: list[str]) -> list[Any]:
        out: list[Any] = []
        for start in range(0, len(values), _CHUNK):
            chunk = values[start : start + _CHUNK]
            out.extend(self.session.exec(select(model).where(col(column).in_(chunk))).all())
        return out

    def decide_all(self, items: list[CheckinIn], now: datetime) -> list[Result]:
        drafts = [self._draft(item, now) for item in items]
        self._load_context(drafts)
        results, new_rows = [], []
        for draft in drafts:
            known = self.known.get(draft["id"])
            if known is None:  # first time this id is seen (also within this batch)
                self._finish(draft)
                self.known[draft["id"]] = known = draft
                new_rows.append(draft)
            results.append(_result(known))
        if new_rows:
            self.session.execute(insert(Checkin), new_rows)
        return results

    def _draft(self, item: CheckinIn, now: datetime) -> dict[str, Any]:
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
        }
        if draft["id"] not in self.known:
            draft["reason"] = self._item_reason(item, draft)
        return draft

    def _item_reason(self, item: CheckinIn, draft: dict[str, Any]) -> str | None:
        """Everything decidable from the item alone: activity, pass, method."""
        activity = self.activities.get(item.activity_id)
        if activity is None:
            return "unknown_activity"
        if not activity_visible(activity, self.device):
            return "activity_not_permitted"
        if item.pass_ is not None:
            check = verify_pass(item.pass_, self.keys, item.scanned_at_corrected or item.scanned_at)
            if check.claims is None:
                return check.reason
            if draft["registrant"] not in (None, check.claims["sub"]):
                return "registrant_mismatch"
            draft["registrant"], draft["tier"] = check.claims["sub"], check.claims["tier"]
            draft["pass_jti"] = check.claims["jti"]
        elif item.method in PASS_METHODS:
            return "pass_required"
        elif item.method == "manual" and draft["registrant"] is None:
            return "registrant_required"
        return None

    def _load_context(self, drafts: list[dict[str, Any]]) -> None:
        live = [d for d in drafts if d["reason"] is None and d["id"] not in self.known]
        jtis = {d["pass_jti"] for d in live if d["pass_jti"] is not None}
        subs = {d["registrant"] for d in live if d["registrant"] is not None}
        for rev in self._in(Revocation, Revocation.value, list(jtis | subs)):
            self.revoked[(rev.kind, rev.value)] = rev.created_at
        for row in self._in(Checkin, Checkin.registrant, list(subs)):
            if row.status == "accepted" and not row.voided and row.registrant is not None:
                self.first[(row.activity_id, row.registrant)] = row.id

    def _finish(self, draft: dict[str, Any]) -> None:
        at: datetime = draft["scanned_at_corrected"] or draft["scanned_at"]
        for kind, key in (("jti", "pass_jti"), ("sub", "registrant")):
            revoked_at = self.revoked.get((kind, draft[key])) if draft[key] else None
            if draft["reason"] is None and revoked_at is not None and revoked_at <= at:
                draft["reason"] = "revoked"
        if draft["reason"] is not None:
            return
        registrant = draft["registrant"]
        first = self.first.get((draft["activity_id"], registrant)) if registrant else None
        if first is not None:
            draft["status"], draft["first_checkin_id"] = "duplicate", first
            return
        draft["status"] = "accepted"
        if registrant is not None:
            self.first[(draft["activity_id"], registrant)] = draft["id"]
