"""How the close-out screen words its numbers: pure functions from a day summary to rich
renderables, so the screen module keeps to layout, loading and actions."""

from __future__ import annotations

import re
from datetime import datetime

from rich.table import Table
from rich.text import Text

from kiosk.clock import JST
from kiosk.closeout import DaySummary, HourCount
from kiosk.models import Outcome
from kiosk.store.tables import Attempt, Checkin
from kiosk.text import sanitize
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


def hours_axis(t: Translator, hours: tuple[HourCount, ...]) -> str:
    """Under the hourly chart: the hours it spans and the busiest hour's count."""
    if not hours:
        return t("counts.no_checkins")
    peak = max(h.count for h in hours)
    if len(hours) == 1:
        return t("counts.axis_one", hour=hours[0].label, peak=peak)
    return t("counts.axis", first=hours[0].label, last=hours[-1].label, peak=peak)


def summary_lines(t: Translator, summary: DaySummary) -> Text:
    """The counts in two or three short lines, for screens too small for the detail panel.

    Line 1: people; line 2: uploads; line 3 (when any): rejected by reason. Other counts
    (issue 16's confirmed-by-the-national-system, 17's gate vs app) add segments here."""
    c = summary.counts
    people = [
        t("summary.accepted", n=c.accepted),
        t("summary.unique", n=c.unique_people),
        t("summary.duplicates", n=c.duplicates),
        t("summary.rejected", n=c.rejected),
        t("summary.voided", n=c.voided),
    ]
    uploads = [
        t("summary.pending", n=c.pending_upload),
        t("summary.confirmed", n=c.confirmed),
        t("summary.server_duplicates", n=c.server_duplicates),
    ]
    text = Text("・".join(people), style="bold")
    text.append("\n" + "・".join(uploads))
    if c.rejected_by_reason:
        reasons = "・".join(
            f"{reason_label(t, code)} {n}" for code, n in sorted(c.rejected_by_reason.items())
        )
        text.append("\n" + t("summary.by_reason", reasons=reasons))
    return text


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
        parts.append(t("close.no_receipt"))
    elif not matched:
        parts.append(t("close.digest_mismatch"))
    text = Text(t("close.pending", items="・".join(parts)), style="bold yellow")
    if receipt is None and upload_error:
        text.append("\n" + t("close.next_offline"), style="bold")  # what happens next
    return text


def receipt_text(t: Translator, summary: DaySummary) -> str:
    receipt = summary.receipt
    if receipt is None:
        return ""
    return t(
        "close.receipt",
        receipt=str(receipt.get("receipt_id", ""))[:13],
        combined=receipt.get("combined_unique_count", "?"),
    )


def attempt_row(
    t: Translator, attempt: Attempt, checkin: Checkin | None, paper_name: str = ""
) -> list[Text]:
    """One row of the attempts table (untrusted values as plain Text). A paper-form record
    shows the name written on the form instead of its placeholder id."""
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
        Text(
            t("table.paper_name", name=sanitize(paper_name, 30))
            if paper_name
            else attempt.registrant or ""
        ),
        Text(t(f"method.{attempt.method}")),
        Text(state),
        Text(sync),
    ]


SYSTEM_REASONS = {
    "undo at gate": "audit_reason.undo_at_gate",
    "manual entry at gate (registrant id)": "audit_reason.manual_id",
    "paper activity-record form at gate": "audit_reason.manual_paper",
}
"""Audit reasons the kiosk itself writes (stable texts in the database), shown in words."""
_RETENTION = re.compile(r"^retention: (\d+) paper records, (\d+) rejected-scan details$")


def audit_reason(t: Translator, reason: str) -> str:
    """A system-written audit reason in the current language; what a person typed, as typed."""
    key = SYSTEM_REASONS.get(reason)
    if key is not None:
        return t(key)
    retention = _RETENTION.match(reason)
    if retention is not None:
        return f"{t('audit_reason.retention')} ({retention[1]}/{retention[2]})"
    return sanitize(reason, 200)


def operator_word(t: Translator, operator: str) -> str:
    """`gate`, `coordinator`, `retention`: the kiosk's own operator names, in words."""
    key = f"operator.{operator}"
    return t(key) if t.has(key) else sanitize(operator, 64)
