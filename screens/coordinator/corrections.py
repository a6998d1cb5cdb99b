"""The close-out's corrections: void or restore the selected check-in, or add a manual record,
each with a required reason and an operator (audited by the store). `CloseoutScreen` builds on
this; what it shares (the loaded day, the lock, `reload`) is declared here."""

from __future__ import annotations

from kiosk.closeout import DaySummary
from kiosk.models import Outcome
from kiosk.store.tables import Attempt, Checkin
from screens.base import KioskScreen
from screens.coordinator import jobs
from screens.coordinator.attempts import AttemptsTable
from screens.coordinator.context import CoordinatorContext
from screens.coordinator.day_view import local_time, operator_word
from screens.coordinator.manual import ManualEntry, ManualModal
from screens.coordinator.messages import CorrectionDone
from screens.coordinator.reason import Correction, ReasonModal
from screens.i18n import COORDINATOR_CATALOG


class CorrectingScreen(KioskScreen[None]):
    CATALOG = COORDINATOR_CATALOG

    # set by the close-out screen
    context: CoordinatorContext
    activity_id: str
    operator: str
    unlocked: bool
    summary: DaySummary | None
    attempts: list[Attempt]
    checkins: dict[str, Checkin]

    def reload(self) -> None:
        """Load the day again (the close-out screen's)."""
        raise NotImplementedError

    # -- selection ----------------------------------------------------------------------------

    def selected_attempt(self) -> Attempt | None:
        return self.query_one(AttemptsTable).selected(self.attempts)

    def _selected_checkin(self, *, voided: bool) -> tuple[Attempt, Checkin] | None:
        if self.summary is not None and self.summary.closed:
            self.notify(self.t("error.activity_closed"), markup=False, severity="warning")
            return None
        attempt = self.selected_attempt()
        checkin = self.checkins.get(attempt.checkin_id or "") if attempt else None
        if attempt is None or checkin is None or attempt.outcome != Outcome.ACCEPTED.value:
            self.notify(self.t("table.select_accepted"), markup=False, severity="warning")
            return None
        if checkin.voided != voided:
            key = "error.already_voided" if checkin.voided else "error.not_voided"
            self.notify(self.t(key), markup=False, severity="warning")
            return None
        return attempt, checkin

    def _describe(self, attempt: Attempt) -> str:
        return f"{local_time(attempt.at)}  {attempt.registrant or ''}  " + self.t(
            f"method.{attempt.method}"
        )

    def action_void(self) -> None:
        self._correct(voided=False)

    def action_restore(self) -> None:
        self._correct(voided=True)

    def _correct(self, *, voided: bool) -> None:
        if not self.unlocked:
            return
        found = self._selected_checkin(voided=voided)
        if found is None:
            return
        attempt, checkin = found
        action = "restore" if voided else "void"

        def done(correction: Correction | None) -> None:
            if correction is None:
                return
            self.operator = correction.operator
            context = self.context
            self.background(
                lambda: self.post_message(
                    jobs.correct(context, checkin.id, correction, restore=voided)
                ),
                group="coordinator",
            )

        title = self.t(f"{action}.title")
        operator = operator_word(self.t, self.operator)
        self.app.push_screen(ReasonModal(title, self._describe(attempt), operator), done)

    def action_add(self) -> None:
        if not self.unlocked:
            return
        if self.summary is not None and self.summary.closed:
            self.notify(self.t("error.activity_closed"), markup=False, severity="warning")
            return

        def done(entry: ManualEntry | None) -> None:
            if entry is None:
                return
            self.operator = entry.operator
            context, activity_id = self.context, self.activity_id
            self.background(
                lambda: self.post_message(jobs.add_record(context, activity_id, entry)),
                group="coordinator",
            )

        self.app.push_screen(ManualModal(operator_word(self.t, self.operator)), done)

    def on_correction_done(self, message: CorrectionDone) -> None:
        if message.error:
            self.notify(self.t(message.error), markup=False, severity="error")
        else:
            self.notify(self.t(f"{message.action}.done"), markup=False)
        self.reload()
