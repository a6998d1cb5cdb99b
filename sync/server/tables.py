"""Database tables of the reference national server (SQLModel; `kiosk.store` holds the kiosk's)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Column, Index, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from sync.server.db import UTCDateTime


class Municipality(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=6)
    name: str


class Organisation(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    kind: str = "other"  # jichikai, rmo, fire_brigade, pta, npo, dmo, chamber, other
    municipality: str = Field(foreign_key="municipality.code", index=True)


class Activity(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    date: dt.date = Field(index=True)
    venue: str = ""
    organiser: str = ""
    municipality: str = Field(foreign_key="municipality.code", index=True)
    organisation: str | None = Field(default=None, foreign_key="organisation.id", index=True)
    designated: bool = False
    revision: int = Field(index=True, unique=True)
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Counter(SQLModel, table=True):
    """Monotonic counters (e.g. the activity revision) kept in the database."""

    name: str = Field(primary_key=True)
    value: int = 0


class EnrollmentToken(SQLModel, table=True):
    token_hash: str = Field(primary_key=True)
    municipality: str | None = Field(default=None, foreign_key="municipality.code")
    organisation: str | None = Field(default=None, foreign_key="organisation.id")
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    used_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    device_id: str | None = None


class Device(SQLModel, table=True):
    id: str = Field(primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    name: str = ""
    municipality: str | None = Field(default=None, foreign_key="municipality.code")
    organisation: str | None = Field(default=None, foreign_key="organisation.id")
    enrolled_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    disabled: bool = False


class SigningKey(SQLModel, table=True):
    kid: str = Field(primary_key=True)
    private_key: str  # raw 32-byte Ed25519 seed, base64url (reference server only)
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    active: bool = False  # the key new passes are signed with


class Revocation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("kind", "value"),)

    seq: int | None = Field(default=None, primary_key=True)
    kind: str  # "jti" | "sub"
    value: str
    reason: str = ""
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


LIVE = "status = 'accepted' AND NOT voided AND registrant IS NOT NULL"


class Checkin(SQLModel, table=True):
    """One uploaded check-in with the server's decision (stored for every status).

    A live participation is `status == "accepted"` and not `voided`: only those count (premium,
    close-out digests, duplicate detection). `voided` is set and cleared by corrections."""

    __table_args__ = (
        Index(
            "one_live_per_registrant",
            "activity_id",
            "registrant",
            unique=True,
            sqlite_where=text(LIVE),
            postgresql_where=text(LIVE),
        ),
    )

    id: str = Field(primary_key=True)  # UUID made on the device, canonical lower-case form
    device_id: str = Field(index=True)
    activity_id: str = Field(index=True)  # not a foreign key: unknown activities are recorded
    registrant: str | None = Field(default=None, index=True)
    method: str
    pass_jti: str | None = None
    tier: str | None = None
    scanned_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    scanned_at_corrected: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    clock_trusted: bool = True
    status: str  # accepted | duplicate | rejected
    reason: str | None = None
    first_checkin_id: str | None = Field(default=None, index=True)  # duplicates prove firsts
    received_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    voided: bool = Field(
        default=False, sa_column=Column(Boolean(), nullable=False, server_default=false())
    )
    # Backed by a verified pass, or by a coordinator's attestation (manual and paper records):
    # only evidenced participations count toward premium (sync/server/participation.py).
    evidenced: bool = Field(
        default=False, sa_column=Column(Boolean(), nullable=False, server_default=false())
    )
    attested_by: str | None = None  # the coordinator who vouched for a manual/paper record
    attestation_reason: str | None = None


class Correction(SQLModel, table=True):
    """A void or restore a device sent (`POST /v1/checkins:corrections`), with the answer.

    Stored for every answer, so a repeated correction id is answered from here (`unchanged`
    when it was applied) and the history of a check-in can be audited."""

    id: str = Field(primary_key=True)  # UUID made on the device, canonical lower-case form
    device_id: str = Field(index=True)
    checkin_id: str = Field(index=True)
    action: str  # void | restore
    reason: str = ""
    at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))  # device time
    status: str  # applied | unchanged | rejected
    result_reason: str | None = None
    received_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class IdempotentResponse(SQLModel, table=True):
    """The stored response of a batch, replayed for a retry with the same Idempotency-Key."""

    device_id: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    request_hash: str
    status_code: int
    body: str
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Closeout(SQLModel, table=True):
    receipt_id: str = Field(primary_key=True)
    activity_id: str = Field(index=True)
    device_id: str = Field(index=True)
    date: dt.date
    device_count: int
    device_digest: str
    server_digest: str
    server_count: int
    digest_match: bool
    combined_unique_count: int
    received_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # What the server confirms, next to what the device sent (sync/server/closeouts.py).
    received_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    rejected_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    duplicate_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    voided_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    counted_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    combined_counted_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    details: str = Field(default="{}", sa_column_kwargs={"server_default": "{}"})  # JSON


# -- national trust (trust anchor, signed statements) and activity codes --------------------


class TrustAnchorKey(SQLModel, table=True):
    """An Ed25519 trust-anchor key: signs trust statements (never passes)."""

    kid: str = Field(primary_key=True)  # RFC 7638 thumbprint of the public key
    public_x: str  # raw public key, base64url
    private_key: str  # raw seed, base64url; "" once retired (reference server only)
    state: str = Field(index=True)  # current | next | retired
    announcement: str | None = None  # furusato-anchor+jwt naming this key, by its predecessor
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TrustStatementRecord(SQLModel, table=True):
    """Every trust statement issued: the sequence number is the primary key (monotonic)."""

    seq: int = Field(primary_key=True)
    anchor_kid: str
    content_hash: str  # of header + content without seq/iat/exp: reissue only on change
    token: str
    issued_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ServerSecret(SQLModel, table=True):
    """Server-only secrets, e.g. the master key activity code keys are derived from."""

    name: str = Field(primary_key=True)
    value: str  # base64url


class CloseoutTotals(SQLModel, table=True):
    """What a receipt says about the whole activity at close-out: gate and app together."""

    receipt_id: str = Field(primary_key=True, foreign_key="closeout.receipt_id")
    app_count: int
    by_method: str  # JSON object: method -> live check-ins
    activity_digest: str  # over every live check-in id at the activity (devices and app)
