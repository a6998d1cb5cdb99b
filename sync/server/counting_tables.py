"""Tables behind true counts: registrations (premium per municipality), device contact
(per-activity sync status) and check-in ids claimed by a second device (conflicts)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from sync.server.db import UTCDateTime


class Registration(SQLModel, table=True):
    """A registrant's registration with a municipality (or prefecture), as the national system
    knows it: from the passes it issues and the verified passes it receives (`mun` claim), or
    entered by an administrator (``national-api register``)."""

    registrant: str = Field(primary_key=True)
    municipality: str = Field(primary_key=True, max_length=6)  # not a foreign key, see above
    source: str  # pass | admin
    recorded_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class DeviceContact(SQLModel, table=True):
    """When a device last made an authenticated request, and what it last said was waiting."""

    device_id: str = Field(primary_key=True)
    last_contact_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    pending_uploads: int | None = None  # the device's `Pending-Uploads` header, when sent
    pending_reported_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class CheckinConflict(SQLModel, table=True):
    """A check-in id that a device uploaded while another device already owned it.

    The owner's check-in stays as it was; the second device is answered `rejected` with
    reason `conflict` every time it sends the id. Kept for audit (a cloned or restored disk)."""

    checkin_id: str = Field(primary_key=True)
    device_id: str = Field(primary_key=True)
    activity_id: str
    first_seen_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
