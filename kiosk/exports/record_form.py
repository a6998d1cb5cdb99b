"""The activity-record-form layout (令和8年4月以降における担い手活動実績記録用様式).

Municipalities record volunteer activities held before the national app could issue 2D codes
on this form and enter them into the national system later. The CSV keeps the form's shape:
a heading block (activity name, date, organiser, venue, municipality), then one row per
participant with name, contact and municipality of registration for paper records, and the
registrant id for pass check-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from kiosk.closeout import effective_time
from kiosk.exports.attendance import checked_in_at, registrant_cell
from kiosk.store import Store
from kiosk.store.tables import Activity

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
}
PURGED = "（保存期間経過により消去済み）"


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
        live.sort(key=lambda c: (effective_time(c), c.id))
        for number, checkin in enumerate(live, start=1):
            paper = store.records.paper_record(checkin.id)
            if paper is None:
                name = contact = municipality = note = ""
            elif paper.purged_at is not None:
                name, contact, municipality, note = "", "", "", PURGED
            else:
                name, contact, municipality, note = (
                    paper.name,
                    paper.contact,
                    paper.municipality,
                    "",
                )
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
        rows.append(["参加者数", str(len(live))])
    return rows
