"""What the national system says about a day at an activity, read for the close-out: the
other gates' sync status (`GET /v1/activities/{id}/devices`, and a receipt's
`unsynced_devices`) and the counts of a close-out receipt (`POST /v1/closeouts`).

Everything here comes from the API: untrusted. Names and codes are sanitised, numbers that
are not plain non-negative integers are left out, and a malformed entry is skipped rather
than failing the close-out. Nothing here touches Textual or the HTTP client."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.text import sanitize
from kiosk.untrusted_json import aware_datetime

NAME_MAX = 100  # the API's limit for a device name
CODE_MAX = 64


@dataclass(frozen=True, slots=True)
class GateStatus:
    """One device of an activity as the national server sees it."""

    device_id: str
    name: str
    last_contact_at: datetime | None = None
    pending_uploads: int | None = None  # what it last declared waiting (None: never declared)
    pending_reported_at: datetime | None = None
    checkins_received: int = 0
    last_upload_at: datetime | None = None
    last_closeout_at: datetime | None = None
    disabled: bool = False

    @property
    def unsynced(self) -> bool:
        """It last said it holds uploads (and can still send them)."""
        return not self.disabled and bool(self.pending_uploads)

    @property
    def label(self) -> str:
        """How a person names the gate: its enrolled name, else its device id."""
        return self.name or self.device_id


GateStatusSource = Callable[[str], list[GateStatus]]
"""gates(activity_id) -> the other devices of the activity (`GET /v1/activities/{id}/devices`,
this device left out); raises when the national API cannot be asked."""


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _text(value: object, limit: int) -> str:
    return sanitize(value, limit) if isinstance(value, str) else ""


def gate_status(doc: object) -> GateStatus | None:
    """One device entry of the devices report (or of a receipt's `unsynced_devices`)."""
    if not isinstance(doc, Mapping):
        return None
    device_id = _text(doc.get("device_id"), CODE_MAX)
    if not device_id:
        return None
    return GateStatus(
        device_id=device_id,
        name=_text(doc.get("name"), NAME_MAX),
        last_contact_at=aware_datetime(doc.get("last_contact_at")),
        pending_uploads=_count(doc.get("pending_uploads")),
        pending_reported_at=aware_datetime(doc.get("pending_reported_at")),
        checkins_received=_count(doc.get("checkins_received")) or 0,
        last_upload_at=aware_datetime(doc.get("last_upload_at")),
        last_closeout_at=aware_datetime(doc.get("last_closeout_at")),
        disabled=doc.get("disabled") is True,
    )


def gate_statuses(docs: object) -> list[GateStatus]:
    """Every well-formed device entry of a list (anything else: none)."""
    if not isinstance(docs, list):
        return []
    return [g for g in (gate_status(doc) for doc in docs) if g is not None]


def unsynced(gates: Iterable[GateStatus], *, exclude: str | None = None) -> list[GateStatus]:
    """The gates that still declare uploads waiting, by name (`exclude`: this device's id)."""
    return sorted(
        (g for g in gates if g.unsynced and g.device_id != exclude),
        key=lambda g: (g.label, g.device_id),
    )


@dataclass(frozen=True, slots=True)
class ReceiptCounts:
    """The numbers of a close-out receipt: what the national system holds from this device for
    the activity, what it counts, and the activity across every device (None: not in the
    receipt — an older server)."""

    digest_match: bool | None = None
    device_count: int | None = None  # as this device sent it
    server_count: int | None = None  # live check-ins the server holds from this device
    received: int | None = None  # every check-in the server holds from this device
    rejected: int | None = None
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    duplicates: int | None = None
    voided: int | None = None
    counted: int | None = None  # live, and counting toward premium
    combined_unique: int | None = None  # the activity, every device and the app
    combined_counted: int | None = None
    unsynced_gates: tuple[GateStatus, ...] = ()  # other devices still declaring uploads

    @property
    def not_counted(self) -> int | None:
        """Live here but not counting (manual or paper records no coordinator vouched for)."""
        if self.server_count is None or self.counted is None:
            return None
        return max(0, self.server_count - self.counted)


def receipt_counts(receipt: Mapping[str, Any] | None) -> ReceiptCounts:
    """The counts of a stored receipt (an empty `ReceiptCounts` when there is none)."""
    if receipt is None:
        return ReceiptCounts()
    reasons = receipt.get("rejected_reasons")
    match = receipt.get("digest_match")
    return ReceiptCounts(
        digest_match=match if isinstance(match, bool) else None,
        device_count=_count(receipt.get("device_count")),
        server_count=_count(receipt.get("server_count")),
        received=_count(receipt.get("received_count")),
        rejected=_count(receipt.get("rejected_count")),
        rejected_reasons={
            _text(k, CODE_MAX) or "unknown": n
            for k, v in (reasons.items() if isinstance(reasons, Mapping) else ())
            if (n := _count(v)) is not None
        },
        duplicates=_count(receipt.get("duplicate_count")),
        voided=_count(receipt.get("voided_count")),
        counted=_count(receipt.get("counted_count")),
        combined_unique=_count(receipt.get("combined_unique_count")),
        combined_counted=_count(receipt.get("combined_counted_count")),
        unsynced_gates=tuple(unsynced(gate_statuses(receipt.get("unsynced_devices")))),
    )
