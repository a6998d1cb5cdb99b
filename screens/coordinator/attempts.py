"""The close-out screen's table of every attempt of the day: searchable, sortable by any
column, the cursor kept on the selected attempt whatever arrives."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from kiosk.models import mask_registrant
from kiosk.store.tables import Attempt, Checkin
from screens.coordinator.day_view import attempt_row
from screens.coordinator.manual import REGISTRANT
from screens.i18n import Translator

COLUMNS = ("time", "outcome", "reason", "registrant", "method", "state", "sync")
SORT_CYCLE = ("time", "outcome", "method")
COLUMN_WIDTHS = {  # cells, fixed (never dependent on when rows arrived); 80 columns in all
    "time": 8,
    "outcome": 8,
    "reason": 11,  # the catalogs keep every word within its column (a test checks)
    "registrant": 12,
    "method": 7,
    "state": 6,
    "sync": 9,
}


def search_terms(needle: str) -> set[str]:
    """What to look for: the text typed, and for a whole registrant id typed in, the masked
    form the table shows (ids are stored masked)."""
    typed = needle.strip()
    if not typed:
        return set()
    terms = {typed.casefold()}
    compact = typed.replace("-", "").replace(" ", "").upper()
    if REGISTRANT.match(compact):
        terms.add(mask_registrant(compact).casefold())
    return terms


class AttemptsTable(DataTable[Text]):
    """Newest first until a column header is chosen; choosing it again reverses the order."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.sort_column = "time"
        self.sort_reverse = True

    def relabel(self, t: Translator) -> None:
        """The column headers in the current language (the rows are filled by `fill`)."""
        self.clear(columns=True)
        for key in COLUMNS:
            self.add_column(Text(t(f"table.{key}")), key=key, width=COLUMN_WIDTHS[key])

    def sort_by(self, column: str) -> None:
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False

    def cycle_sort(self) -> None:
        """The sort key: time (newest first), then outcome, then method, then time again."""
        order = SORT_CYCLE
        column = self.sort_column if self.sort_column in order else order[-1]
        self.sort_column = order[(order.index(column) + 1) % len(order)]
        self.sort_reverse = self.sort_column == "time"

    def fill(
        self,
        t: Translator,
        attempts: list[Attempt],
        checkins: dict[str, Checkin],
        needle: str,
        paper_names: dict[str, str] | None = None,
    ) -> int:
        """Show the attempts whose cells (or paper-form name) contain `needle` (any case),
        sorted; returns how many are shown."""
        selected = self.selected(attempts)
        names = paper_names or {}
        rows = [
            (
                attempt,
                attempt_row(
                    t,
                    attempt,
                    checkins.get(attempt.checkin_id or ""),
                    names.get(attempt.checkin_id or "", ""),
                ),
            )
            for attempt in attempts
        ]
        needles = search_terms(needle)
        if needles:
            rows = [
                r for r in rows if any(n in cell.plain.casefold() for cell in r[1] for n in needles)
            ]
        column = COLUMNS.index(self.sort_column)
        rows.sort(
            key=lambda r: (r[0].at if column == 0 else r[1][column].plain, r[0].at),
            reverse=self.sort_reverse,
        )
        self.clear()
        for attempt, cells in rows:
            self.add_row(*cells, key=attempt.id)
        if selected is not None and selected.id in self.rows:
            self.move_cursor(row=self.get_row_index(selected.id))
        return len(rows)

    def selected(self, attempts: list[Attempt]) -> Attempt | None:
        """The attempt under the cursor, if any."""
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key
        except Exception:  # the cursor is outside the rows
            return None
        return next((a for a in attempts if a.id == key.value), None)
