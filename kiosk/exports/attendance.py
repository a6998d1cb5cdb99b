"""The attendance CSV: one row per accepted (live) participation, Japanese headers, ISO dates
and times in JST, registrant ids masked unless the coordinator asks for full ids.

Each row says what the national system made of it, apart from "accepted here": `national`
is one of `counted` (confirmed and counting toward premium), `not_counted` (recorded, but a
manual or paper record no coordinator vouched for), `rejected` (refused by the server, reason in
`server_reason`), `duplicate` (another gate recorded the person first: that check-in, gate and
time follow) or `pending` (not answered yet)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kiosk.clock import JST
from kiosk.closeout import effective_time, not_counting
from kiosk.exports.words import (
    METHODS,
    NATIONAL,
    OPERATORS,
    SERVER_REASONS,
    SYNC_STATUSES,
    TIERS,
    word,
)
from kiosk.models import mask_registrant
from kiosk.new_checkins import PAPER_PREFIX
from kiosk.store import Store
from kiosk.store.tables import Activity, Checkin, SyncStatus

COLUMNS: tuple[tuple[str, str], ...] = (
    ("activity_id", "活動ID"),
    ("activity_name", "活動名"),
    ("activity_date", "実施日"),
    ("checkin_id", "記録ID"),
    ("registrant", "ふるさと住民ID"),
    ("tier", "登録区分"),
    ("method", "記録方法"),
    ("checked_in_at", "参加日時"),
    ("clock_trusted", "時刻確認済"),
    ("operator", "記録者"),
    ("sync_status", "送信状況"),
    ("national", "全国システムでの扱い"),
    ("server_reason", "サーバ判定理由"),
    ("attested_by", "確認した調整役"),
    ("first_checkin_id", "最初の記録ID"),
    ("first_device", "最初に記録した端末"),
    ("first_checked_in_at", "最初の参加日時"),
    ("tier_code", "登録区分コード"),
    ("method_code", "記録方法コード"),
    ("sync_status_code", "送信状況コード"),
    ("national_code", "全国システムでの扱いコード"),
    ("server_reason_code", "サーバ判定理由コード"),
)
"""(stable key, header shown in Excel), in column order (columns are only ever added).
Cells are Japanese words; every stable code (`premium`, `camera`, `counted`, a server reason)
is in its own `…_code` column at the end, so scripts keep reading codes."""


def registrant_cell(registrant: str, *, full_ids: bool) -> str:
    if registrant.startswith(PAPER_PREFIX):
        return ""  # a paper participant without an id: the placeholder means nothing outside
    return registrant if full_ids else mask_registrant(registrant)


def checked_in_at(checkin: Checkin) -> str:
    return effective_time(checkin).astimezone(JST).isoformat(timespec="seconds")


def national_status(checkin: Checkin) -> str:
    """What the national system made of a live check-in (the `national` column)."""
    status = checkin.sync_status
    if status is SyncStatus.ACCEPTED:
        return "not_counted" if not_counting(checkin) else "counted"
    if status in (SyncStatus.REJECTED, SyncStatus.DUPLICATE):
        return status.value
    return "not_counted" if not_counting(checkin) else "pending"


def _jst(stamp: str | None) -> str:
    if not stamp:
        return ""
    try:
        return datetime.fromisoformat(stamp).astimezone(JST).isoformat(timespec="seconds")
    except ValueError:
        return ""


def attendance_row(activity: Activity, checkin: Checkin, *, full_ids: bool) -> list[str]:
    national = national_status(checkin)
    return [
        activity.id,
        activity.name,
        activity.date,
        checkin.id,
        registrant_cell(checkin.registrant, full_ids=full_ids),
        word(TIERS, checkin.tier or ""),
        word(METHODS, checkin.method),
        checked_in_at(checkin),
        "true" if checkin.clock_trusted else "false",
        word(OPERATORS, checkin.operator),
        word(SYNC_STATUSES, checkin.sync_status),
        word(NATIONAL, national),
        word(SERVER_REASONS, checkin.sync_reason or ""),
        (checkin.attested_by or "") if checkin.attested else "",
        checkin.first_checkin_id or "",
        checkin.first_device_name or checkin.first_device_id or "",
        _jst(checkin.first_scanned_at),
        checkin.tier or "",
        checkin.method,
        checkin.sync_status,
        national,
        checkin.sync_reason or "",
    ]


def attendance_rows(
    store: Store, activities: Sequence[Activity], *, full_ids: bool = False
) -> list[list[str]]:
    """Header plus one row per live check-in, activity by activity, in time order."""
    rows = [[label for _, label in COLUMNS]]
    for activity in activities:
        live = store.records.checkins(activity.id, include_voided=False)
        live.sort(key=lambda c: (effective_time(c), c.id))
        rows.extend(attendance_row(activity, c, full_ids=full_ids) for c in live)
    return rows
