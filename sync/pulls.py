"""What the device pulls from the national API, incrementally, and keeps for offline use.

* Activities: ``GET /v1/activities?since=<cursor>``; each is upserted into the local store, the
  cursor is kept in the store (`synccursor` "activities.since").
* Trust list: ``GET /v1/trust/jwks`` with ``If-None-Match: <ETag>``. A new JWKS replaces the
  verifier's keys at once and is written atomically to the config's ``trust.jwks_file`` (which
  the kiosk loads at start), so a restart without network keeps it. The ETag is kept only once
  the file is written.
* Revocations: ``GET /v1/revocations?cursor=<cursor>`` page by page; each page's ``jti``/``sub``
  values and the next cursor are stored in one transaction (`revokedentry`), then added to the
  verifier. A revoked pass is therefore rejected offline right after the pull, and after a
  restart (the composition root builds the verifier with every stored revocation).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from config import atomic_file
from kiosk.passes import PassVerifier, TrustListError, parse_jwks
from kiosk.store import Store
from kiosk.store.tables import Activity
from sync.client import ApiClient

log = logging.getLogger("sync.pulls")

ACTIVITIES_CURSOR = "activities.since"
JWKS_ETAG = "jwks.etag"
REVOCATIONS_CURSOR = "revocations.cursor"
MAX_PAGES = 1000  # a safety bound on one pull


@dataclass
class PullSummary:
    activities: int = 0
    jwks_changed: bool = False
    jwks_not_modified: bool = False
    revoked_added: int = 0


def write_atomically(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Replace `path` with `text` (UTF-8) atomically (`config.atomic_file`)."""
    atomic_file.write_atomically(path, text.encode("utf-8"), mode=mode)


def _activity(doc: dict[str, Any]) -> Activity | None:
    try:
        return Activity(
            id=str(doc["id"]),
            name=str(doc["name"]),
            date=date.fromisoformat(str(doc["date"])).isoformat(),
            venue=str(doc.get("venue") or ""),
            organiser=str(doc.get("organiser") or ""),
            municipality=str(doc.get("municipality") or ""),
            designated=bool(doc.get("designated", False)),
            updated_at=str(doc.get("updated_at") or ""),
        )
    except (KeyError, ValueError):
        return None


class Puller:
    """Pulls activities, the trust list and revocations into the store and the verifier."""

    def __init__(
        self,
        store: Store,
        client: ApiClient,
        verifier: PassVerifier,
        *,
        jwks_file: Path | None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.verifier = verifier
        self.jwks_file = jwks_file
        self._now = now or (lambda: datetime.now(UTC))

    def pull_all(self, *, authorized: bool = True) -> PullSummary:
        """Trust list (needs no token), then activities and revocations (need one)."""
        summary = PullSummary()
        self.trust_list(summary)
        if authorized:
            self.activities(summary)
            self.revocations(summary)
        return summary

    def activities(self, summary: PullSummary | None = None) -> int:
        summary = summary or PullSummary()
        since = self.store.pulled.cursor(ACTIVITIES_CURSOR)
        for _ in range(MAX_PAGES):
            page = self.client.activities(since=since)
            for doc in page.activities:
                activity = _activity(doc)
                if activity is not None:
                    self.store.activities.upsert(activity)
                    summary.activities += 1
            if not page.activities or page.next_since == since:
                break
            since = page.next_since
            self.store.pulled.set_cursor(ACTIVITIES_CURSOR, since, at=self._now())
        return summary.activities

    def trust_list(self, summary: PullSummary | None = None) -> bool:
        """True when the keys changed."""
        summary = summary or PullSummary()
        etag = self.store.pulled.cursor(JWKS_ETAG)
        result = self.client.jwks(etag=etag)
        if result.document is None:
            summary.jwks_not_modified = True
            return False
        try:
            keys = parse_jwks(result.document)
        except TrustListError as exc:
            log.warning("ignoring the server's trust list: %s", exc)
            return False
        if not keys:
            log.warning("ignoring an empty trust list from the server")
            return False
        self.verifier.replace_keys(keys)
        summary.jwks_changed = True
        persisted = self.jwks_file is None
        if self.jwks_file is not None:
            try:
                write_atomically(
                    self.jwks_file, json.dumps(result.document, indent=2, sort_keys=True) + "\n"
                )
                persisted = True
            except OSError as exc:
                log.warning("cannot write the trust list to %s: %s", self.jwks_file, exc)
        # Keep the ETag only when a restart would find the same keys on disk.
        self.store.pulled.set_cursor(JWKS_ETAG, result.etag if persisted else None, at=self._now())
        return True

    def revocations(self, summary: PullSummary | None = None) -> int:
        summary = summary or PullSummary()
        cursor = self.store.pulled.cursor(REVOCATIONS_CURSOR)
        added = 0
        for _ in range(MAX_PAGES):
            page = self.client.revocations(cursor=cursor)
            if page.jti or page.sub or page.next_cursor != cursor:
                self.store.pulled.add_revocations(
                    page.jti,
                    page.sub,
                    cursor_name=REVOCATIONS_CURSOR,
                    cursor=page.next_cursor,
                    at=self._now(),
                )
                self.verifier.revoke(page.jti, page.sub)
                added += len(page.jti) + len(page.sub)
            cursor = page.next_cursor
            if not page.has_more:
                break
        summary.revoked_added += added
        return added
