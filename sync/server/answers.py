"""The per-item answers of `POST /v1/checkins:batch`: status, reason, whether the participation
counts, and for a duplicate the story of the first check-in (id, device, time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from sync.server.participation import counts_clause
from sync.server.tables import Checkin, Device

Result = dict[str, Any]
_CHUNK = 500


def _conflict(checkin_id: str) -> Result:
    return {
        "id": checkin_id,
        "status": "rejected",
        "reason": "conflict",
        "counts": False,
        "first_checkin_id": None,
        "first_device_id": None,
        "first_device_name": None,
        "first_scanned_at": None,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


class _Lookup:
    """First check-ins, device names and counting participations, loaded once per batch."""

    def __init__(self, session: Session, rows: list[dict[str, Any]]) -> None:
        firsts = {r["first_checkin_id"] for r in rows if r["first_checkin_id"]}
        self.firsts: dict[str, Checkin] = {}
        for chunk in _chunks(sorted(firsts)):
            for row in session.exec(select(Checkin).where(col(Checkin.id).in_(chunk))).all():
                self.firsts[row.id] = row
        devices = sorted({row.device_id for row in self.firsts.values()})
        self.names: dict[str, str] = {}
        for chunk in _chunks(devices):
            for device in session.exec(select(Device).where(col(Device.id).in_(chunk))).all():
                self.names[device.id] = device.name
        participations = {r["id"] for r in rows if r["status"] == "accepted"} | firsts
        self.counting: set[str] = set()
        for chunk in _chunks(sorted(participations)):
            query = select(Checkin.id).where(col(Checkin.id).in_(chunk), counts_clause())
            self.counting.update(session.exec(query).all())

    def answer(self, row: dict[str, Any]) -> Result:
        result: Result = {
            "id": row["id"],
            "status": row["status"],
            "reason": row["reason"],
            "counts": False,
            "first_checkin_id": row["first_checkin_id"],
            "first_device_id": None,
            "first_device_name": None,
            "first_scanned_at": None,
        }
        if row["status"] == "accepted":
            result["counts"] = row["id"] in self.counting
        elif row["status"] == "duplicate":
            first_id = row["first_checkin_id"]
            result["counts"] = not row["voided"] and first_id in self.counting
            first = self.firsts.get(first_id)
            if first is not None:
                result["first_device_id"] = first.device_id
                result["first_device_name"] = self.names.get(first.device_id, "")
                result["first_scanned_at"] = _iso(first.scanned_at_corrected or first.scanned_at)
        return result


def answer_all(session: Session, ids: list[str], rows: list[dict[str, Any] | None]) -> list[Result]:
    """One answer per item in request order; a None row is an id another device owns."""
    session.flush()
    lookup = _Lookup(session, [r for r in rows if r is not None])
    return [
        _conflict(checkin_id) if row is None else lookup.answer(row)
        for checkin_id, row in zip(ids, rows, strict=True)
    ]


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]
