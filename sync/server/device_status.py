"""Per activity: every device that may upload to it, when it was last heard from, what it
last declared waiting for upload, and what the server holds from it for the activity.

Closing the day at one gate can name the gates that have not synced yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from sync.server.counting_tables import DeviceContact
from sync.server.tables import Activity, Checkin, Closeout, Device


@dataclass(frozen=True)
class DeviceStatus:
    device_id: str
    name: str
    disabled: bool
    last_contact_at: datetime | None
    pending_uploads: int | None
    pending_reported_at: datetime | None
    checkins_received: int
    last_upload_at: datetime | None
    last_closeout_at: datetime | None

    @property
    def unsynced(self) -> bool:
        """It last said it holds uploads (and it can still send them)."""
        return not self.disabled and bool(self.pending_uploads)


def activity_devices(session: Session, activity: Activity) -> list[DeviceStatus]:
    """Devices enrolled for the activity's organisation or municipality (the ones that can
    upload to it), plus any other device that uploaded to it; ordered by name, then id."""
    uploads = {
        device_id: (int(count), last)
        for device_id, count, last in session.exec(
            select(Checkin.device_id, func.count(), func.max(Checkin.received_at))
            .where(col(Checkin.activity_id) == activity.id)
            .group_by(col(Checkin.device_id))
        ).all()
    }
    closeouts = dict(
        session.exec(
            select(Closeout.device_id, func.max(Closeout.received_at))
            .where(col(Closeout.activity_id) == activity.id)
            .group_by(col(Closeout.device_id))
        ).all()
    )
    eligible = [col(Device.organisation) == activity.organisation] if activity.organisation else []
    eligible.append(
        (col(Device.organisation).is_(None)) & (col(Device.municipality) == activity.municipality)
    )
    devices = session.exec(
        select(Device).where(or_(*eligible, col(Device.id).in_(sorted(uploads))))
    ).all()
    contacts = {
        c.device_id: c
        for c in session.exec(
            select(DeviceContact).where(col(DeviceContact.device_id).in_([d.id for d in devices]))
        ).all()
    }
    out = []
    for device in devices:
        contact = contacts.get(device.id)
        count, last_upload = uploads.get(device.id, (0, None))
        out.append(
            DeviceStatus(
                device_id=device.id,
                name=device.name,
                disabled=device.disabled,
                last_contact_at=contact.last_contact_at if contact else None,
                pending_uploads=contact.pending_uploads if contact else None,
                pending_reported_at=contact.pending_reported_at if contact else None,
                checkins_received=count,
                last_upload_at=_aware(last_upload),
                last_closeout_at=_aware(closeouts.get(device.id)),
            )
        )
    return sorted(out, key=lambda d: (d.name, d.device_id))


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates may bypass the column type: SQLite can hand back naive UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
