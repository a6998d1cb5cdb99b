"""How the close-out screen words its numbers: pure functions from a day summary to rich
renderables, so the screen module keeps to layout, loading and actions."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.table import Table
from rich.text import Text

from kiosk.clock import JST
from kiosk.closeout import DaySummary
from kiosk.models import Outcome
from kiosk.store.tables import Attempt, Checkin
from kiosk.trust_keeper import TrustStatus
from screens.i18n import Translator


def local_time(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).astimezone(JST).strftime("%H:%M:%S")
    except ValueError:
        return stamp[:19]


def reason_label(t: Translator, code: str | None) -> str:
    if not code:
        return ""
    key = f"reasons.{code}"
    label = t(key)
    return code if label == key else label


def counts_grid(t: Translator, summary: DaySummary) -> Table:
    """The true counts: accepted, unique, duplicates, rejected by reason, voided, sync."""
    c = summary.counts
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column(justify="right")
    rows: list[tuple[str, int]] = [
        (t("counts.accepted"), c.accepted),
        (t("counts.unique"), c.unique_people),
        (t("counts.duplicates"), c.duplicates),
        (t("counts.rejected"), c.rejected),
    ]
    rows += [("  " + reason_label(t, code), n) for code, n in sorted(c.rejected_by_reason.items())]
    rows += [
        (t("counts.voided"), c.voided),
        (t("counts.pending"), c.pending_upload),
        (t("counts.confirmed"), c.confirmed),
        (t("counts.server_duplicates"), c.server_duplicates),
    ]
    for label, value in rows:
        grid.add_row(Text(label), Text(str(value), style="bold"))
    return grid


def status_text(t: Translator, summary: DaySummary, upload_error: str | None) -> Text:
    """'closed, all N confirmed', or exactly what is still pending."""
    if not summary.closed:
        return Text(t("close.open_hint"))
    receipt = summary.receipt
    matched = receipt is not None and bool(receipt.get("digest_match"))
    if matched and not summary.pending_ids and not summary.pending_corrections:
        return Text(t("close.all_confirmed", n=summary.digest_count), style="bold green")
    parts = []
    if summary.pending_ids:
        parts.append(t("close.pending_uploads", n=len(summary.pending_ids)))
    if summary.pending_corrections:
        parts.append(t("close.pending_corrections", n=len(summary.pending_corrections)))
    if receipt is None:
        error = upload_error
        parts.append(t("close.no_receipt") + (f" ({error})" if error else ""))
    elif not matched:
        parts.append(t("close.digest_mismatch"))
    return Text(t("close.pending", items="・".join(parts)), style="bold yellow")


def receipt_text(t: Translator, summary: DaySummary) -> str:
    receipt = summary.receipt
    if receipt is None:
        return ""
    return t(
        "close.receipt",
        receipt=str(receipt.get("receipt_id", ""))[:13],
        combined=receipt.get("combined_unique_count", "?"),
    )


def attempt_row(t: Translator, attempt: Attempt, checkin: Checkin | None) -> list[Text]:
    """One row of the attempts table (untrusted values as plain Text)."""
    created = attempt.outcome == Outcome.ACCEPTED.value and checkin is not None
    if created and checkin is not None:
        state = t("state.voided") if checkin.voided else t("state.live")
        sync = t(f"sync.{checkin.sync_status}")
    else:
        state, sync = "", ""
    style = "strike dim" if created and checkin is not None and checkin.voided else ""
    return [
        Text(local_time(attempt.at)),
        Text(t(f"outcome.{attempt.outcome}"), style=style),
        Text(reason_label(t, attempt.reason)),
        Text(attempt.registrant or ""),
        Text(t(f"method.{attempt.method}")),
        Text(state),
        Text(sync),
    ]


def national_text(t: Translator, summary: DaySummary) -> Text:
    """Gate and app check-ins at the whole activity, as the national system counts them."""
    national = summary.national
    if national is None:
        return Text(t("national.none"))
    when = national.fetched_at.astimezone(JST).strftime("%H:%M")
    text = Text(
        t("national.line", gate=national.gate, app=national.app, total=national.total, time=when)
    )
    match = summary.national_matches_receipt
    if match is not None:
        key = "national.receipt_match" if match else "national.receipt_differs"
        text.append(" · " + t(key), style="bold" if match else "bold yellow")
    return text


def duration(t: Translator, delta: timedelta) -> str:
    """A duration in words of the catalog: 3 日 / 3 d, 5 時間 / 5 h, ..."""
    seconds = abs(int(delta.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return t(f"duration.{unit}", n=seconds // size)
    return t("duration.s", n=seconds)


def trust_text(t: Translator, status: TrustStatus | None, now: datetime) -> Text:
    """How old the trust list in force is, and whether it needs attention."""
    if status is None:
        return Text("")
    if not status.pinned:
        return Text(t("trust.not_pinned"), style="bold yellow")
    issued, expires, checked = status.issued_at, status.expires_at, status.checked_at
    if status.statement is None or issued is None or expires is None or checked is None:
        return Text(t("trust.provisioned"), style="bold yellow")
    seq, age = status.statement.sequence, duration(t, now - issued)
    if status.last_refusal is not None:
        return Text(
            t("trust.refused", reason=status.last_refusal.reason, seq=seq), style="bold yellow"
        )
    if status.expired(now):
        return Text(t("trust.expired", seq=seq, age=age), style="bold red")
    if status.stale(now):
        return Text(
            t("trust.stale", seq=seq, checked=duration(t, now - checked)), style="bold yellow"
        )
    return Text(t("trust.statement", seq=seq, age=age, left=duration(t, expires - now)))
