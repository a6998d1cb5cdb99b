"""What one upload request carries: its items (`checkin_payload`, `correction_payload`) and the
`Idempotency-Key` derived from its content (SHA-256 over the sorted ids and the canonical
body), so a retry of the same batch — in the same process or after a crash and restart — sends
the same key, and the server replays its stored answer instead of deciding again."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.store import OutboxItem
from kiosk.store.tables import Correction
from kiosk.text import sanitize

_REGISTRANT = re.compile(r"^FR[0-9A-HJKMNP-TV-Z]{10}$")
CORRECTION_REASON_MAX = 500  # the API's limit for a correction's reason
ATTESTATION_OPERATOR_MAX = 100  # the API's limits for an attestation
ATTESTATION_REASON_MAX = 500
ATTESTED_METHODS = ("manual", "paper")


@dataclass(frozen=True, slots=True)
class Batch:
    items: tuple[dict[str, Any], ...]
    key: str

    @property
    def ids(self) -> list[str]:
        return [str(item["id"]) for item in self.items]

    def __len__(self) -> int:
        return len(self.items)

    @classmethod
    def of(cls, items: Sequence[Mapping[str, Any]]) -> Batch:
        frozen = tuple(dict(item) for item in items)
        return cls(frozen, idempotency_key(frozen))


def idempotency_key(items: Sequence[Mapping[str, Any]]) -> str:
    """Stable key for a batch: SHA-256 over the sorted ids and the canonical body."""
    ids = sorted(str(item["id"]) for item in items)
    body = json.dumps(list(items), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256()
    digest.update("\n".join(ids).encode("ascii"))
    digest.update(b"\x00")
    digest.update(body.encode("ascii"))
    return "fk1-" + digest.hexdigest()


def item_of(outbox: OutboxItem) -> dict[str, Any]:
    """The API payload for one pending check-in."""
    c = outbox.checkin
    return checkin_payload(
        checkin_id=c.id,
        activity_id=c.activity_id,
        method=c.method,
        scanned_at=c.scanned_at,
        scanned_at_corrected=c.scanned_at_corrected,
        clock_trusted=c.clock_trusted,
        pass_token=c.pass_token,
        registrant=c.registrant,
        tier=c.tier,
        attestation=(c.attested_by, c.attestation_reason) if c.attested else None,
    )


def correction_item(correction: Correction) -> dict[str, Any]:
    """The API payload for one pending correction."""
    return correction_payload(
        correction_id=correction.id,
        checkin_id=correction.checkin_id,
        action=correction.action,
        reason=correction.reason,
        at=correction.at,
    )


def checkin_payload(
    *,
    checkin_id: str,
    activity_id: str,
    method: str,
    scanned_at: str,
    scanned_at_corrected: str | None,
    clock_trusted: bool,
    pass_token: str | None,
    registrant: str | None,
    tier: str | None,
    attestation: tuple[str | None, str | None] | None = None,
) -> dict[str, Any]:
    """One item of `POST /v1/checkins:batch` (optional fields left out when unknown).

    `attestation` (operator, reason): a coordinator vouched for a manual or paper record, so
    the national system counts it; only sent for those methods (a pass is its own evidence)."""
    item: dict[str, Any] = {
        "id": checkin_id,
        "activity_id": activity_id,
        "method": method,
        "scanned_at": scanned_at,
        "clock_trusted": clock_trusted,
    }
    if scanned_at_corrected:
        item["scanned_at_corrected"] = scanned_at_corrected
    if pass_token:
        item["pass"] = pass_token
    if registrant and _REGISTRANT.match(registrant):
        item["registrant"] = registrant
    if tier in ("basic", "premium"):
        item["tier"] = tier
    if attestation is not None and method in ATTESTED_METHODS:
        operator = sanitize(attestation[0] or "", ATTESTATION_OPERATOR_MAX).strip()
        reason = sanitize(attestation[1] or "", ATTESTATION_REASON_MAX).strip()
        if operator and reason:
            item["attestation"] = {"operator": operator, "reason": reason}
    return item


def correction_payload(
    *, correction_id: str, checkin_id: str, action: str, reason: str, at: str
) -> dict[str, Any]:
    """One item of `POST /v1/checkins:corrections`."""
    return {
        "id": correction_id,
        "checkin_id": checkin_id,
        "action": action,
        "reason": reason[:CORRECTION_REASON_MAX],
        "at": at,
    }
