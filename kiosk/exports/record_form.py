"""The activity-record-form layout (令和8年4月以降における担い手活動実績記録用様式).

Municipalities record volunteer activities held before the national app could issue 2D codes
on this form and enter them into the national system later. The CSV keeps the form's shape:
a heading block (activity name, date, organiser, venue, municipality), then one row per
participant with name, contact and municipality of registration for paper records, and the
registrant id for pass check-ins.

Only participations this device counts are listed: a check-in the national server refused
(e.g. a pass revoked before an offline scan) or recorded first at another gate is left out
(their numbers follow the participant count; the day summary lists them). The 備考 column
says when the national system has not confirmed a row yet, or will not count it toward
premium (a manual or paper record no coordinator vouched for).

Self check-ins with the registrant app are recorded by the national system itself, which shares
their number, not who they were: the form states that number (and the activity's total, every
gate and the app) below the participants, as last fetched, instead of listing them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from kiosk.clock import JST
from kiosk.closeout import counted, effective_time, not_counting
from kiosk.exports.attendance import checked_in_at, registrant_cell
from kiosk.national_counts import stored_counts
from kiosk.store import Store
from kiosk.store.tables import Activity, Checkin, SyncStatus

TITLE = "令和8年4月以降における担い手活動実績記録用様式"
PARTICIPANT_COLUMNS = (
    "No.",
    "氏名",
    "連絡先",
    "登録市区町村",
    "ふるさと住民ID",
    "参加日時",
    "記録方法",
    "備考",
)
METHOD_LABELS = {
    "camera": "二次元コード",
    "wedge": "二次元コード",
    "manual": "ID入力",
    "paper": "紙様式",
    "app": "アプリ（本人読取）",
}
APP_LABEL = "アプリでの本人受付（全国システム集計）"
TOTAL_LABEL = "全受付数（全端末＋アプリ、全国システム集計）"
NOT_FETCHED = "全国システムで集計（未取得）"
PURGED = "（保存期間経過により消去済み）"
NOT_ATTESTED = "調整役の確認なし（プレミアム集計対象外）"
UNCONFIRMED = "全国システム未確認"
EXCLUDED_REJECTED = "全国システムで不受理（記載対象外）"
EXCLUDED_DUPLICATE = "他の端末で記録済み（記載対象外）"


def _note(checkin: Checkin, purged: bool) -> str:
    notes = [PURGED] if purged else []
    if not_counting(checkin):
        notes.append(NOT_ATTESTED)
    elif checkin.sync_status is not SyncStatus.ACCEPTED:
        notes.append(UNCONFIRMED)
    return "・".join(notes)


def wareki(iso_date: str) -> str:
    """A date in the Japanese era calendar (令和 from 2019-05-01), e.g. 令和8年11月23日."""
    try:
        day = date.fromisoformat(iso_date)
    except ValueError:
        return ""
    if day < date(2019, 5, 1):
        return ""
    year = day.year - 2018
    return f"令和{'元' if year == 1 else year}年{day.month}月{day.day}日"


def form_rows(
    store: Store, activities: Sequence[Activity], *, full_ids: bool = False
) -> list[list[str]]:
    """The form for each activity, one block after another, separated by an empty row."""
    rows: list[list[str]] = []
    for index, activity in enumerate(activities):
        if index:
            rows.append([])
        rows.extend(
            [
                [TITLE],
                ["活動名", activity.name],
                ["実施日", activity.date, wareki(activity.date)],
                ["実施団体（主催者）", activity.organiser],
                ["実施場所", activity.venue],
                ["市区町村コード", activity.municipality],
                ["活動ID", activity.id],
                [],
                list(PARTICIPANT_COLUMNS),
            ]
        )
        live = store.records.checkins(activity.id, include_voided=False)
        listed = counted(live)
        listed.sort(key=lambda c: (effective_time(c), c.id))
        for number, checkin in enumerate(listed, start=1):
            paper = store.records.paper_record(checkin.id)
            purged = paper is not None and paper.purged_at is not None
            if paper is None or purged:
                name = contact = municipality = ""
            else:
                name, contact, municipality = paper.name, paper.contact, paper.municipality
            note = _note(checkin, purged)
            rows.append(
                [
                    str(number),
                    name,
                    contact,
                    municipality,
                    registrant_cell(checkin.registrant, full_ids=full_ids),
                    checked_in_at(checkin),
                    METHOD_LABELS.get(checkin.method, checkin.method),
                    note,
                ]
            )
        rows.append(["参加者数", str(len(listed))])
        rejected = sum(c.sync_status is SyncStatus.REJECTED for c in live)
        duplicates = sum(c.sync_status is SyncStatus.DUPLICATE for c in live)
        if rejected:
            rows.append([EXCLUDED_REJECTED, str(rejected)])
        if duplicates:
            rows.append([EXCLUDED_DUPLICATE, str(duplicates)])
        activity_counts = stored_counts(store, activity.id)
        if activity_counts is None:
            rows.append([APP_LABEL, NOT_FETCHED])
        else:
            when = activity_counts.fetched_at.astimezone(JST).isoformat(timespec="minutes")
            rows.append([APP_LABEL, str(activity_counts.app), f"{when} 時点"])
            rows.append([TOTAL_LABEL, str(activity_counts.total), f"{when} 時点"])
    return rows
