"""How the close-out screen words its numbers: pure functions from a day summary to rich
renderables, so the screen module keeps to layout, loading and actions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from rich.table import Table
from rich.text import Text

from kiosk.clock import JST
from kiosk.closeout import DaySummary, HourCount, not_counting
from kiosk.models import Outcome
from kiosk.national import GateStatus
from kiosk.store.tables import Attempt, Checkin, SyncStatus
from kiosk.text import sanitize
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


def heading_text(t: Translator, summary: DaySummary) -> Text:
    """The activity's name and date, and whether the day is open or closed."""
    a = summary.activity
    # stored sanitised; sanitised again for records an older version stored raw
    heading = Text(f"{sanitize(a.name, 60)}  {a.date}  ", style="bold")
    heading.append(t("screen.closed") if summary.closed else t("screen.open"), style="reverse bold")
    return heading


def axis_text(t: Translator, summary: DaySummary) -> str:
    """The hours the chart of check-ins per hour covers, and its peak."""
    return hours_axis(t, summary.hourly)


def hours_axis(t: Translator, hours: tuple[HourCount, ...]) -> str:
    if not hours:
        return t("counts.no_checkins")
    peak = max(h.count for h in hours)
    if len(hours) == 1:  # not "15:00 〜 15:00"
        return t("counts.axis_one", hour=hours[0].label, peak=peak)
    return t("counts.axis", first=hours[0].label, last=hours[-1].label, peak=peak)


def premium_text(t: Translator, summary: DaySummary) -> str:
    share = summary.premium_share
    if share is None:
        return t("counts.premium_none")
    return t("counts.premium", share=f"{share * 100:.1f}%", n=summary.counts.premium)


def digest_text(t: Translator, summary: DaySummary) -> Text:
    digest = Text(t("close.digest", n=summary.digest_count) + " ")
    digest.append(summary.digest[:16] + "…", style="bold")
    return digest


def _rows_here(t: Translator, summary: DaySummary) -> list[tuple[str, int]]:
    """What this gate decided: accepted here, people, duplicates, refused at the gate."""
    c = summary.counts
    rows = [
        (t("counts.accepted"), c.accepted),
        (t("counts.unique"), c.unique_people),
        (t("counts.duplicates"), c.duplicates),
        (t("counts.rejected"), c.rejected),
    ]
    rows += [("  " + reason_label(t, code), n) for code, n in sorted(c.rejected_by_reason.items())]
    return [*rows, (t("counts.voided"), c.voided)]


def _rows_national(t: Translator, summary: DaySummary) -> list[tuple[str, int]]:
    """What the national system made of them: confirmed, counted or not, refused, elsewhere."""
    c = summary.counts
    rows = [
        (t("counts.pending"), c.pending_upload),
        (t("counts.confirmed"), c.confirmed),
        ("  " + t("counts.counted"), c.counted),
        ("  " + t("counts.not_counted"), c.not_counted),
        (t("counts.server_duplicates"), c.server_duplicates),
        (t("counts.server_rejected"), c.server_rejected),
    ]
    rows += [
        ("  " + reason_label(t, code), n) for code, n in sorted(c.server_rejected_by_reason.items())
    ]
    if c.unattested:
        rows.append((t("counts.unattested"), c.unattested))
    return rows


def summary_lines(t: Translator, summary: DaySummary) -> Text:
    """The counts in a few short lines, for screens too small for the detail panel.

    Line 1: what this gate decided; line 2: what the national system made of it; line 3 (when
    any): rejected at the gate by reason. More counts (issue 17's gate vs app) add segments."""
    c = summary.counts
    here = [
        t("summary.accepted", n=c.accepted),
        t("summary.unique", n=c.unique_people),
        t("summary.duplicates", n=c.duplicates),
        t("summary.rejected", n=c.rejected),
        t("summary.voided", n=c.voided),
    ]
    national = [
        t("summary.pending", n=c.pending_upload),
        t("summary.confirmed", n=c.confirmed),
        t("summary.counted", n=c.counted),
        t("summary.server_duplicates", n=c.server_duplicates),
        t("summary.server_rejected", n=c.server_rejected),
    ]
    text = Text("・".join(here), style="bold")
    text.append("\n" + "・".join(national))
    if c.rejected_by_reason:
        reasons = "・".join(
            f"{reason_label(t, code)} {n}" for code, n in sorted(c.rejected_by_reason.items())
        )
        text.append("\n" + t("summary.by_reason", reasons=reasons))
    return text


def counts_grid(t: Translator, summary: DaySummary) -> Table:
    """The true counts side by side: what this gate accepted, and what the national system
    confirmed, counts toward premium, or refused (with its reasons)."""
    grid = Table.grid(padding=(0, 1))
    for justify in ("left", "right", "left", "left", "right"):
        grid.add_column(justify=justify)
    here, national = _rows_here(t, summary), _rows_national(t, summary)
    grid.add_row(
        Text(t("counts.here"), style="underline"),
        Text(""),
        Text(" "),
        Text(t("counts.national"), style="underline"),
        Text(""),
    )
    for n in range(max(len(here), len(national))):
        left = here[n] if n < len(here) else ("", None)
        right = national[n] if n < len(national) else ("", None)
        grid.add_row(
            Text(left[0]),
            Text("" if left[1] is None else str(left[1]), style="bold"),
            Text("│"),
            Text(right[0]),
            Text("" if right[1] is None else str(right[1]), style="bold"),
        )
    return grid


def gate_list(t: Translator, gates: tuple[GateStatus, ...] | list[GateStatus]) -> str:
    """Gates and what each still holds, e.g. 'Gate 2 (4 not uploaded), Gate 3 (1 …)'."""
    return t("close.gate_separator").join(
        t("close.gate", name=g.label, n=g.pending_uploads or 0) for g in gates
    )


def status_text(t: Translator, summary: DaySummary, upload_error: str | None) -> Text:
    """'closed, all N confirmed', or exactly what is still pending (and the other gates that
    had not synced when the receipt was made)."""
    if not summary.closed:
        return Text(t("close.open_hint"))
    receipt = summary.receipt
    matched = receipt is not None and bool(receipt.get("digest_match"))
    others = summary.national.unsynced_gates
    if matched and not summary.pending_ids and not summary.pending_corrections:
        text = Text(t("close.all_confirmed", n=summary.digest_count), style="bold green")
        if others:
            text.append("  " + t("close.unsynced", gates=gate_list(t, others)), style="bold yellow")
        return text
    parts = []
    if summary.pending_ids:
        parts.append(t("close.pending_uploads", n=len(summary.pending_ids)))
    if summary.pending_corrections:
        parts.append(t("close.pending_corrections", n=len(summary.pending_corrections)))
    if receipt is None:
        parts.append(t("close.no_receipt"))
    elif not matched:
        parts.append(t("close.digest_mismatch"))
    if others:
        parts.append(t("close.unsynced", gates=gate_list(t, others)))
    text = Text(t("close.pending", items="・".join(parts)), style="bold yellow")
    if receipt is None and upload_error:
        text.append("\n" + t("close.next_offline"), style="bold")  # what happens next
    return text


def receipt_text(t: Translator, summary: DaySummary) -> str:
    """The receipt and its counts: what the national system holds from this gate and counts."""
    receipt = summary.receipt
    if receipt is None:
        return ""
    text = t(
        "close.receipt",
        receipt=str(receipt.get("receipt_id", ""))[:13],
        combined=receipt.get("combined_unique_count", "?"),
    )
    national = summary.national
    if national.received is not None and national.counted is not None:
        text += "\n" + t(
            "close.receipt_counts",
            received=national.received,
            rejected=national.rejected or 0,
            counted=national.counted,
            combined=national.combined_counted if national.combined_counted is not None else "?",
        )
    return text


def server_detail(t: Translator, checkin: Checkin) -> str:
    """What the national server said about a check-in accepted here, for the reason column:
    why it refused it, where the person was first checked in, or that it does not count."""
    if checkin.sync_status is SyncStatus.REJECTED:
        return reason_label(t, checkin.sync_reason or "unknown")
    if checkin.sync_status is SyncStatus.DUPLICATE:
        gate = checkin.first_device_name or checkin.first_device_id or ""
        at = local_time(checkin.first_scanned_at)[:5] if checkin.first_scanned_at else ""
        return " ".join(part for part in (gate, at) if part)
    if not_counting(checkin):
        return t("sync.not_counted")
    return ""


def attempt_row(
    t: Translator, attempt: Attempt, checkin: Checkin | None, paper_name: str = ""
) -> list[Text]:
    """One row of the attempts table (untrusted values as plain Text). A paper-form record
    shows the name written on the form instead of its placeholder id."""
    created = attempt.outcome == Outcome.ACCEPTED.value and checkin is not None
    reason = reason_label(t, attempt.reason)
    if created and checkin is not None:
        state = t("state.voided") if checkin.voided else t("state.live")
        sync = t(f"sync.{checkin.sync_status}")
        reason = reason or server_detail(t, checkin)
    else:
        state, sync = "", ""
    style = "strike dim" if created and checkin is not None and checkin.voided else ""
    return [
        Text(local_time(attempt.at)),
        Text(t(f"outcome.{attempt.outcome}"), style=style),
        Text(sanitize(reason)),
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


def activity_counts_text(t: Translator, summary: DaySummary) -> Text:
    """Gate and app check-ins at the whole activity, as the national system counts them."""
    national = summary.activity_counts
    if national is None:
        return Text(t("activity_counts.none"))
    when = national.fetched_at.astimezone(JST).strftime("%H:%M")
    text = Text(
        t(
            "activity_counts.line",
            gate=national.gate,
            app=national.app,
            total=national.total,
            time=when,
        )
    )
    match = summary.counts_match_receipt
    if match is not None:
        key = "activity_counts.receipt_match" if match else "activity_counts.receipt_differs"
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


def scanner_text(t: Translator, summary: DaySummary) -> Text:
    """The scanner needs setting up: how many scans were read by correcting its keyboard
    settings, and what to change (empty when every scan was read as typed)."""
    found = summary.keyboard_corrections
    if not found:
        return Text("")
    settings = dict.fromkeys(m for mismatches in found for m in mismatches)
    fix = t("scanner.fix_separator").join(t(f"scanner.{m.value}") for m in settings)
    return Text("⚠ " + t("scanner.corrected", n=sum(found.values()), fix=fix), style="bold yellow")
