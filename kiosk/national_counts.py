"""The national system's count of an activity's check-ins: every gate device and the registrant
app, side by side (seed 004's main path is the app's self check-in, which no kiosk sees).

The close-out fetches `GET /v1/activities/{id}/counts` through an injected `FetchCounts`
callable (this module never imports the API client) and keeps the answer in the store, so the
coordinator screen and the printable summary show it offline too, with the time it was fetched.

Digest rules (all SHA-256 over lower-case check-in ids, sorted, joined by "\\n"):

* the device digest (`kiosk.closeout.checkin_digest`) covers this device's counted check-ins;
  the receipt's `digest_match` compares it with what the server holds from this device;
* the activity digest (`digest` here, `activity_digest` in a receipt) covers every live
  check-in at the activity: every device's and the app's. A kiosk cannot recompute it (it never
  sees other devices' or the app's ids); it checks that the receipt and the counts describe the
  same state (`matches_receipt`): same app count, same per-method counts, same activity digest.

Nothing here touches the network or Textual.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.store import Store
from kiosk.store.tables import ServerCounts, iso
from kiosk.text import sanitize

FetchCounts = Callable[[str], Mapping[str, Any]]
"""`GET /v1/activities/{id}/counts` for an activity id; raises on failure."""

METHODS = ("camera", "wedge", "manual", "paper", "app")
_DIGEST_LENGTH = 64


def _count(value: object) -> int | None:
    return value if type(value) is int and 0 <= value < 10**9 else None


@dataclass(frozen=True)
class NationalCounts:
    """Live check-ins at one activity as the national system counts them."""

    activity_id: str
    total: int
    gate: int  # every device, every method but app
    app: int  # the registrant app's self check-ins
    by_method: dict[str, int]
    digest: str  # over every live check-in id at the activity
    fetched_at: datetime

    @classmethod
    def from_api(
        cls, activity_id: str, body: Mapping[str, Any], fetched_at: datetime
    ) -> NationalCounts | None:
        """The counts in an API answer, or None when it is not shaped as the contract says."""
        total, gate, app = (_count(body.get(k)) for k in ("total", "gate", "app"))
        methods = body.get("by_method")
        digest = body.get("digest")
        if total is None or gate is None or app is None or not isinstance(methods, Mapping):
            return None
        by_method = {m: _count(methods.get(m, 0)) for m in METHODS}
        if any(v is None for v in by_method.values()) or total != gate + app:
            return None
        if not isinstance(digest, str) or len(digest) != _DIGEST_LENGTH:
            return None
        if str(body.get("activity_id", activity_id)) != activity_id:
            return None
        return cls(
            activity_id=activity_id,
            total=total,
            gate=gate,
            app=app,
            by_method={m: int(v or 0) for m, v in by_method.items()},
            digest=sanitize(digest, _DIGEST_LENGTH),
            fetched_at=fetched_at,
        )

    @classmethod
    def from_row(cls, row: ServerCounts) -> NationalCounts:
        methods = json.loads(row.by_method)
        return cls(
            activity_id=row.activity_id,
            total=row.total,
            gate=row.gate,
            app=row.app,
            by_method={m: int(methods.get(m, 0)) for m in METHODS},
            digest=row.digest,
            fetched_at=datetime.fromisoformat(row.fetched_at),
        )

    def to_row(self) -> ServerCounts:
        return ServerCounts(
            activity_id=self.activity_id,
            total=self.total,
            gate=self.gate,
            app=self.app,
            by_method=json.dumps(self.by_method, sort_keys=True),
            digest=self.digest,
            fetched_at=iso(self.fetched_at),
        )

    def matches_receipt(self, receipt: Mapping[str, object] | None) -> bool | None:
        """Whether a close-out receipt states the same app count, per-method counts and
        activity digest (None without a receipt, or one from before app counts existed)."""
        if receipt is None or "activity_digest" not in receipt:
            return None
        methods = receipt.get("by_method")
        same_methods = isinstance(methods, Mapping) and all(
            methods.get(m, 0) == n for m, n in self.by_method.items()
        )
        return (
            receipt.get("app_count") == self.app
            and same_methods
            and receipt.get("activity_digest") == self.digest
        )


def stored_counts(store: Store, activity_id: str) -> NationalCounts | None:
    row = store.activities.server_counts(activity_id)
    return NationalCounts.from_row(row) if row is not None else None


def refresh_counts(
    store: Store, activity_id: str, fetch: FetchCounts, now: datetime
) -> NationalCounts | str:
    """Fetch and keep the national counts; a short reason (for the screen) when that fails.
    Never raises for a network or server failure."""
    try:
        body = fetch(activity_id)
    except Exception as exc:  # any transport or server failure: the stored counts stay
        return sanitize(str(exc) or type(exc).__name__, 120)
    counts = NationalCounts.from_api(activity_id, body, now)
    if counts is None:
        return "the national system's counts are malformed"
    store.activities.store_server_counts(counts.to_row())
    return counts
