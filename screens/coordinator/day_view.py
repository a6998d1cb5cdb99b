"""How the close-out screen words its numbers: pure functions from a day summary to rich
renderables, so the screen module keeps to layout, loading and actions."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text

from kiosk.clock import JST
from kiosk.closeout import DaySummary
from kiosk.models import Outcome
from kiosk.store.tables import Attempt, Checkin
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
