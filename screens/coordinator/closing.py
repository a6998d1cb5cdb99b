"""How closing the day is worded: the confirmation names the other gates that still hold
uploads (asked of the national API first), and while the close waits for this gate's upload
the status line shows its progress. Pure functions over plain values; the screen does the rest."""

from __future__ import annotations

from textual.notifications import SeverityLevel

from kiosk.closeout import CloseoutResult, DaySummary
from kiosk.models import SyncState
from kiosk.national import GateStatus
from screens.coordinator.day_view import gate_list
from screens.i18n import Translator


def close_question(
    t: Translator,
    summary: DaySummary,
    gates: list[GateStatus] | None,
    error: str = "",
    *,
    online: bool = True,
) -> str:
    """What the coordinator confirms: the day's numbers, a warning when this kiosk is offline
    or still holds uploads, and which other gates have not uploaded everything yet (or that
    this is not known: in plain words; `error` is for the log)."""
    c = summary.counts
    if summary.closed:
        question = t("close.resend_question")
    else:
        question = t("close.question", accepted=c.accepted, pending=c.pending_upload)
    lines = [question]
    if not online:
        lines.append(t("close.warn_offline"))
    if c.pending_upload:
        lines.append(t("close.warn_pending", n=c.pending_upload))
    if gates is None:
        lines.append(t("close.gates_unknown", error=t("close.offline")))
    elif gates:
        lines.append(t("close.gates_waiting", gates=gate_list(t, gates)))
    else:
        lines.append(t("close.gates_synced"))
    return "\n".join(lines)


def upload_progress(t: Translator, state: SyncState | None) -> str:
    """'Uploading before closing… done / total' from the sync worker's state."""
    total = state.backlog_at_start if state is not None else 0
    pending = state.pending if state is not None else 0
    done = max(0, total - pending)
    return t("close.uploading", done=done, total=max(total, done))


def upload_error_text(t: Translator, result: CloseoutResult) -> str:
    """Why the close-out has no receipt yet, as the status line shows it: in plain words (the
    transport's own message, e.g. `RemoteProtocolError: Server disconnected`, goes to the log)."""
    return t("close.offline") if result.upload_error else ""


def closed_notices(t: Translator, result: CloseoutResult) -> list[tuple[str, SeverityLevel]]:
    """What to tell the coordinator after closing: confirmed, waiting for the upload, or
    pending; and the other gates that had not synced when the receipt was made."""
    if result.waiting_for_upload:
        notices: list[tuple[str, SeverityLevel]] = [(t("close.waiting_for_upload"), "warning")]
    elif result.all_confirmed:
        notices = [(t("close.all_confirmed", n=result.count), "information")]
    elif result.receipt is None and result.upload_error:
        notices = [(t("close.closed_offline"), "warning")]  # and what happens next
    else:
        notices = [(t("close.closed_pending"), "warning")]
    if result.unsynced_gates:
        gates = gate_list(t, result.unsynced_gates)
        notices.append((t("close.unsynced", gates=gates), "warning"))
    return notices
