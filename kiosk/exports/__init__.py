"""Exports the municipality can use: the attendance CSV, the activity-record-form layout
(実績記録用様式) as CSV, and the printable day summary (plain text for A4).

`export_day` is what `kiosk export` and the coordinator's export button both call. Every
export is bytes in the requested encoding: UTF-8 with a BOM (Japanese Excel opens it
correctly) or cp932, where a character cp932 lacks becomes 〓 instead of failing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from config.atomic_file import write_atomically
from kiosk.closeout import activities_on, summarize
from kiosk.exports.attendance import COLUMNS, attendance_rows
from kiosk.exports.cells import ENCODINGS, REPLACEMENT, csv_text, encode_text, neutralise
from kiosk.exports.record_form import form_rows
from kiosk.exports.summary import summary_text
from kiosk.store import Store
from kiosk.store.tables import Activity

__all__ = [
    "COLUMNS",
    "ENCODINGS",
    "REPLACEMENT",
    "ExportFormat",
    "ExportResult",
    "export_activities",
    "export_day",
    "export_filename",
    "neutralise",
    "write_export",
]


class ExportFormat(StrEnum):
    CSV = "csv"  # attendance, one row per accepted participation
    FORM = "form"  # 実績記録用様式 layout
    SUMMARY = "summary"  # printable text


_SUFFIX = {
    ExportFormat.CSV: "attendance.csv",
    ExportFormat.FORM: "record-form.csv",
    ExportFormat.SUMMARY: "summary.txt",
}


@dataclass(frozen=True, slots=True)
class ExportResult:
    data: bytes
    activities: tuple[str, ...]  # ids of the activities exported
    rows: int  # participations written (all activities; the form leaves out refused ones)
    replaced: int  # characters the encoding lacked, written as 〓


def export_activities(
    store: Store,
    activities: list[Activity],
    fmt: ExportFormat | str,
    *,
    encoding: str = "utf-8-sig",
    full_ids: bool = False,
    generated_at: datetime,
    device: str = "",
) -> ExportResult:
    fmt = ExportFormat(fmt)
    if encoding not in ENCODINGS:
        raise ValueError(f"unsupported encoding {encoding!r}")
    counts = [store.records.counts(a.id) for a in activities]
    rows = sum(c.accepted for c in counts)
    if fmt is ExportFormat.FORM:  # the form leaves out what the national server refused
        rows -= sum(c.server_rejected + c.server_duplicates for c in counts)
    if fmt is ExportFormat.CSV:
        text = csv_text(attendance_rows(store, activities, full_ids=full_ids))
    elif fmt is ExportFormat.FORM:
        text = csv_text(form_rows(store, activities, full_ids=full_ids))
    else:
        summaries = [summarize(store, a.id) for a in activities]
        text = summary_text(summaries, generated_at=generated_at, device=device)
    encoded = encode_text(text, encoding)
    return ExportResult(encoded.data, tuple(a.id for a in activities), rows, encoded.replaced)


def export_day(
    store: Store,
    on_date: str,
    fmt: ExportFormat | str = ExportFormat.CSV,
    *,
    activity_id: str | None = None,
    encoding: str = "utf-8-sig",
    full_ids: bool = False,
    generated_at: datetime,
    device: str = "",
) -> ExportResult:
    """Export every activity held on `on_date` (ISO), or only `activity_id`."""
    return export_activities(
        store,
        activities_on(store, on_date, activity_id),
        fmt,
        encoding=encoding,
        full_ids=full_ids,
        generated_at=generated_at,
        device=device,
    )


def export_filename(on_date: str, fmt: ExportFormat | str, activity_id: str | None = None) -> str:
    """A safe default file name, e.g. furusato-2026-11-23-act-1-attendance.csv."""
    safe = "".join(
        ch if (ch.isascii() and ch.isalnum()) or ch in "-_" else "_" for ch in (activity_id or "")
    )
    middle = f"-{safe[:60]}" if safe else ""
    return f"furusato-{on_date}{middle}-{_SUFFIX[ExportFormat(fmt)]}"


def write_export(path: Path, data: bytes) -> None:
    """Write an export atomically with owner-only permissions (it may hold personal data).

    Raises OSError; a partial file never replaces an earlier export, and an existing file's
    mode or a planted temporary-file symlink never carries over (`config.atomic_file`)."""
    write_atomically(path, data, mode=0o600)
