"""The attendance CSV: one row per accepted (live) participation, Japanese headers, ISO dates
and times in JST, registrant ids masked unless the coordinator asks for full ids."""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.checkins import PAPER_PREFIX
from kiosk.clock import JST
from kiosk.closeout import effective_time
from kiosk.exports.words import METHODS, OPERATORS, SYNC_STATUSES, TIERS, word
from kiosk.models import mask_registrant
from kiosk.store import Store
from kiosk.store.tables import Activity, Checkin

COLUMNS: tuple[tuple[str, str], ...] = (
    ("activity_id", "活動ID"),
    ("activity_name", "活動名"),
    ("activity_date", "実施日"),
    ("checkin_id", "記録ID"),
    ("registrant", "ふるさと住民ID"),
    ("tier", "登録区分"),
    ("tier_code", "登録区分コード"),
    ("method", "記録方法"),
    ("method_code", "記録方法コード"),
    ("checked_in_at", "参加日時"),
    ("clock_trusted", "時刻確認済"),
    ("operator", "記録者"),
    ("sync_status", "送信状況"),
    ("sync_status_code", "送信状況コード"),
)
"""(stable key, header shown in Excel), in column order. Words are Japanese; each stable code
(`premium`, `camera`, `accepted`) keeps its own column for scripts."""


def registrant_cell(registrant: str, *, full_ids: bool) -> str:
    if registrant.startswith(PAPER_PREFIX):
        return ""  # a paper participant without an id: the placeholder means nothing outside
    return registrant if full_ids else mask_registrant(registrant)


def checked_in_at(checkin: Checkin) -> str:
    return effective_time(checkin).astimezone(JST).isoformat(timespec="seconds")


def attendance_row(activity: Activity, checkin: Checkin, *, full_ids: bool) -> list[str]:
    return [
        activity.id,
        activity.name,
        activity.date,
        checkin.id,
        registrant_cell(checkin.registrant, full_ids=full_ids),
        word(TIERS, checkin.tier or ""),
        checkin.tier or "",
        word(METHODS, checkin.method),
        checkin.method,
        checked_in_at(checkin),
        "true" if checkin.clock_trusted else "false",
        word(OPERATORS, checkin.operator),
        word(SYNC_STATUSES, checkin.sync_status),
        checkin.sync_status,
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
