"""Device contact: every authenticated request is a sign of life, and may declare what the
device still holds for upload (the `Pending-Uploads` request header: check-ins and
corrections not yet answered by the server, over all activities).

The last contact is written at most every `interval` per device unless the declared count
changes, so a device pulling in a loop does not turn every read into a write."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from sync.server.counting_tables import DeviceContact

PENDING_HEADER = "Pending-Uploads"
PENDING_PATTERN = r"^[0-9]{1,7}$"


class ContactRecorder:
    """Writes device contact to the database; one per app (it remembers what it wrote)."""

    def __init__(self, interval: timedelta = timedelta(seconds=5)) -> None:
        self.interval = interval
        self._written: dict[str, tuple[datetime, int | None]] = {}
        self._lock = threading.Lock()

    def record(self, engine: Engine, device_id: str, pending: int | None, now: datetime) -> None:
        with self._lock:
            last = self._written.get(device_id)
            fresh = last is not None and now - last[0] < self.interval
            if fresh and (pending is None or (last is not None and pending == last[1])):
                return
            declared = pending if pending is not None else (last[1] if last else None)
            self._written[device_id] = (now, declared)
        values: dict[str, object] = {"last_contact_at": now}
        if pending is not None:
            values.update(pending_uploads=pending, pending_reported_at=now)
        with Session(engine) as s:
            if _update(s, device_id, values):
                return
            s.add(DeviceContact(device_id=device_id, **values))  # type: ignore[arg-type]
            try:
                s.commit()
            except IntegrityError:  # another process inserted it first
                s.rollback()
                _update(s, device_id, values)


def _update(s: Session, device_id: str, values: dict[str, object]) -> bool:
    done = s.execute(
        update(DeviceContact).where(col(DeviceContact.device_id) == device_id).values(**values)
    )
    s.commit()
    return bool(done.rowcount)  # type: ignore[attr-defined]
