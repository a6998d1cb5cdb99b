"""What the device pulls from the national API, incrementally, and keeps for offline use. Every
pull needs the device token.

* Activities: ``GET /v1/activities?since=<cursor>``; each is upserted into the local store, the
  cursor is kept in the store (`synccursor` "activities.since").
* Trust (device with an anchor pin): ``GET /v1/trust/statement`` with ``If-None-Match``. The
  statement goes to `kiosk.trust_keeper.TrustKeeper.offer`, which accepts it only when it is
  signed by the pinned anchor (or one it announced), newer than the last accepted one and not
  expired (judged on server-corrected time), keeps it in the store and puts its keys and
  revocations in force; a refused one is logged with its reason and the gate keeps the last
  good list. The unsigned ``/v1/trust/jwks`` and ``/v1/revocations`` are not pulled at all.
  The provisioned ``trust.jwks_file`` is never written.
* Trust (device without a pin): pass keys never change from the network (the provisioned file
  stays the trust list). Revocations are still pulled unsigned, page by page
  (``GET /v1/revocations?cursor=``, `revokedentry` + cursor in one transaction): they can only
  make the gate stricter, and a revoked pass must be refused even on such a device.
* Activity code keys: ``GET /v1/activity-code-keys`` (today and tomorrow); each certificate is
  checked against the pass keys in force and the keys go to the secret store
  (`kiosk.activity_code_keys.ActivityCodes`); keys of past days are deleted. The answer holds
  secrets and is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from kiosk.activity_code import ActivityCodeError, ActivityCodeKey, verify_code_key
from kiosk.activity_code_keys import ActivityCodes
from kiosk.clock import venue_today
from kiosk.passes import PassVerifier
from kiosk.store import Store
from kiosk.store.tables import Activity
from kiosk.text import sanitize
from kiosk.trust_keeper import Offered, TrustKeeper
from sync.api_errors import ApiError, Unauthorized
from sync.client import ApiClient

log = logging.getLogger("sync.pulls")

ACTIVITIES_CURSOR = "activities.since"
STATEMENT_ETAG = "trust.statement.etag"
REVOCATIONS_CURSOR = "revocations.cursor"
MAX_PAGES = 1000  # a safety bound on one pull
CODE_KEY_DAYS = 2  # today and tomorrow: a kiosk set up the evening before has its codes


@dataclass
class PullSummary:
    activities: int = 0
    trust: str = "not_pulled"  # an `Offered` value, or "not_pulled"
    trust_sequence: int | None = None  # the statement in force after the pull
    trust_refusal: str | None = None  # the reason a statement was refused
    revoked_added: int = 0
    code_keys: int = 0  # activity code keys stored


def _activity(doc: dict[str, Any]) -> Activity | None:
    """The activity a pulled document describes, or None when it cannot be one. Its texts
    (name, venue, organiser) are sanitised by the store on the way in; an id that is not plain
    text is refused whole, since it names the activity to the national API."""
    activity_id = str(doc.get("id") or "")
    if not activity_id or sanitize(activity_id, 128) != activity_id:
        log.warning("ignoring a pulled activity whose id is empty or not plain text")
        return None
    try:
        return Activity(
            id=activity_id,
            name=str(doc["name"]),
            date=date.fromisoformat(str(doc["date"])).isoformat(),
            venue=str(doc.get("venue") or ""),
            organiser=str(doc.get("organiser") or ""),
            municipality=str(doc.get("municipality") or ""),
            designated=bool(doc.get("designated", False)),
            updated_at=str(doc.get("updated_at") or ""),
        )
    except (KeyError, ValueError, TypeError):
        return None


def _optional(what: str, exc: ApiError) -> None:
    """An endpoint the server may not offer: log and go on; anything else: raise."""
    if isinstance(exc, Unauthorized) or exc.retryable:
        raise exc
    log.warning("%s not pulled: %s", what, exc)


class Puller:
    """Pulls activities, the trust statement (or unsigned revocations) and activity code keys
    into the store, the trust keeper and the secret store."""

    def __init__(
        self,
        store: Store,
        client: ApiClient,
        verifier: PassVerifier,
        *,
        trust: TrustKeeper | None = None,
        codes: ActivityCodes | None = None,
        now: Callable[[], datetime] | None = None,
        server_now: Callable[[], datetime] | None = None,
    ) -> None:
        """`now` stamps what is stored; `server_now` (server-corrected time) judges expiry."""
        self.store = store
        self.client = client
        self.verifier = verifier
        self.trust = trust
        self.codes = codes
        self._now = now or (lambda: datetime.now(UTC))
        self._server_now = server_now or self._now

    @property
    def pinned(self) -> bool:
        return self.trust is not None and self.trust.pinned

    def pull_all(self, *, authorized: bool = True) -> PullSummary:
        """Activities, trust, then code keys (their certificates need the keys in force)."""
        summary = PullSummary()
        if not authorized:
            return summary  # every pull needs the device token
        self.activities(summary)
        if self.pinned:
            self.trust_statement(summary)
        else:
            summary.trust = Offered.NOT_PINNED.value
            self.revocations(summary)
        self.activity_code_keys(summary)
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

    def trust_statement(self, summary: PullSummary | None = None) -> Offered | None:
        """Pull the signed statement and offer it to the trust keeper (None: not pulled)."""
        summary = summary or PullSummary()
        trust = self.trust
        if trust is None or not trust.pinned:
            summary.trust = Offered.NOT_PINNED.value
            return Offered.NOT_PINNED
        # Without a statement in force, ask for the whole thing (a 304 would leave us without).
        etag = self.store.pulled.cursor(STATEMENT_ETAG) if trust.has_statement else None
        try:
            result = self.client.trust_statement(etag=etag)
        except ApiError as exc:
            _optional("trust statement", exc)
            return None
        if result.token is None:
            self.store.trust.mark_checked(self._now())
            summary.trust, summary.trust_sequence = Offered.UNCHANGED.value, trust.sequence
            return Offered.UNCHANGED
        offered = trust.offer(result.token, self._server_now())
        summary.trust, summary.trust_sequence = offered.outcome.value, offered.sequence
        if offered.refusal is not None:
            summary.trust_refusal = offered.refusal.reason.value
        keep = offered.outcome in (Offered.ACCEPTED, Offered.UNCHANGED)
        # The ETag only for a statement in force: a refused one is fetched (and logged) again.
        self.store.pulled.set_cursor(STATEMENT_ETAG, result.etag if keep else None, at=self._now())
        return offered.outcome

    def declare(self, summary: PullSummary | None = None) -> None:
        """One cheap authenticated call that is useful anyway, so the request's
        ``Pending-Uploads`` tells the server what is left: the trust statement with its ETag
        (usually a 304) on a pinned device, the unsigned revocations on one without a pin."""
        if self.pinned:
            self.trust_statement(summary)
        else:
            self.revocations(summary)

    def revocations(self, summary: PullSummary | None = None) -> int:
        """Unsigned revocations, for a device without an anchor pin only."""
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

    def activity_code_keys(self, summary: PullSummary | None = None) -> int:
        """Store today's and tomorrow's code keys whose certificates verify; drop past days."""
        summary = summary or PullSummary()
        codes = self.codes
        if codes is None:
            return 0
        try:
            body = self.client.activity_code_keys(days=CODE_KEY_DAYS)
        except ApiError as exc:
            _optional("activity code keys", exc)
            return 0
        entries, window = body.get("keys"), body.get("window_seconds")
        pass_keys = self.verifier.keys
        checked: list[ActivityCodeKey] = []
        for entry in entries if isinstance(entries, list) else []:
            try:
                checked.append(verify_code_key(entry, window, pass_keys))
            except ActivityCodeError as exc:  # the reason only: the entry holds a secret
                which = entry.get("activity_id") if isinstance(entry, dict) else None
                log.warning("activity code key for %s refused: %s", sanitize(str(which), 80), exc)
        now = self._now()
        summary.code_keys = codes.keep(checked, at=now)
        codes.forget_before(venue_today(self._server_now()))
        return summary.code_keys
