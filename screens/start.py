"""Start: choose today's activity; device, municipality and organiser at a glance."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kiosk.clock import venue_today
from kiosk.models import PremiumCue
from kiosk.premium_cue import activity_cue
from kiosk.store.tables import Activity
from kiosk.text import sanitize
from screens.base import KioskScreen
from screens.messages import ActivitiesLoaded
from screens.widgets.keybar import KeyBar


class StartScreen(KioskScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "start", "key.start", priority=True)]

    def __init__(self) -> None:
        super().__init__(id="start-screen")
        self.activities: list[Activity] = []
        self.loaded = False
        self._synced_at: object = None

    def compose(self) -> ComposeResult:
        yield Static(id="start-title")
        with Horizontal(id="start-body"):
            with Vertical(id="start-info"):
                yield Static(id="info-device", classes="info")
                yield Static(id="info-municipality", classes="info")
                yield Static(id="info-organiser", classes="info")
                yield Static(id="info-venue", classes="info")
                yield Static(id="info-premium", classes="info")
            with Vertical(id="start-pick"):
                yield Static(id="start-heading")
                yield OptionList(id="activities")
                yield Static(id="start-hint")
        yield KeyBar(self.t, id="keybar")

    def on_mount(self) -> None:
        self.query_one("#activities", OptionList).focus()
        self.background(self._load, group="activities", exclusive=True)
        # activities pulled from the national system bring their organiser and venue names
        self.watch(self.app, "sync_state", self._sync_changed, init=False)

    def _sync_changed(self, state: object) -> None:
        if getattr(state, "last_success", None) != self._synced_at:
            self._synced_at = getattr(state, "last_success", None)
            self.background(self._load, group="activities", exclusive=True)

    def _load(self) -> None:
        """Worker thread: today's activities, or every activity when none is today."""
        store = self.kiosk.services.store
        today = venue_today(self.kiosk.clock.now()).isoformat()
        activities = store.activities.by_date(on_date=today) or store.activities.by_date()
        self.post_message(ActivitiesLoaded(activities))

    def on_activities_loaded(self, message: ActivitiesLoaded) -> None:
        message.stop()
        self.activities = message.activities
        self.loaded = True
        options = self.query_one("#activities", OptionList)
        options.clear_options()
        current = self.kiosk.services.checkins.activity_id
        for activity in self.activities:
            label = Text(sanitize(activity.name, 60), style="bold")
            details = "  ".join(sanitize(v, 40) for v in (activity.date, activity.venue) if v)
            label.append(f"\n{details}", style="dim")
            options.add_option(Option(label, id=activity.id))
        ids = [a.id for a in self.activities]
        if ids:
            options.highlighted = ids.index(current) if current in ids else 0
        self.translate_ui()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._show_info()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_start()

    def _chosen(self) -> Activity | None:
        index = self.query_one("#activities", OptionList).highlighted
        if index is None or not 0 <= index < len(self.activities):
            return None
        return self.activities[index]

    def _show_info(self) -> None:
        t, config = self.t, self.kiosk.config
        activity = self._chosen()
        # names, never ids: the organisation id of the config (e.g. "rmo-demo") means nothing
        # to a volunteer; until the activity is pulled the screen says so
        organiser = activity.organiser if activity else ""
        if not organiser and config.activity is not None and activity is not None:
            organiser = config.activity.organiser if config.activity.id == activity.id else ""
        venue = activity.venue if activity else ""
        unknown = t("start.unknown")
        rows = {
            "info-device": (t("start.device"), config.device.name),
            "info-municipality": (t("start.municipality"), config.device.municipality),
            "info-organiser": (t("start.organiser"), organiser or unknown),
            "info-venue": (t("start.venue"), venue or unknown),
        }
        rows["info-premium"] = (t("start.premium"), self._premium_line(activity))
        for widget_id, (label, value) in rows.items():
            text = Text(f"{label}\n", style="dim")
            text.append(sanitize(value, 80), style="bold")
            self.query_one(f"#{widget_id}", Static).update(text)

    def _premium_line(self, activity: Activity | None) -> str:
        """Designated (by which municipality) or not: what the activity counts for."""
        cue = activity_cue(activity)
        if cue is PremiumCue.DESIGNATED and activity is not None:
            return self.t("start.premium_designated", municipality=activity.municipality)
        return self.t(f"start.premium_{cue.value}")

    def translate_ui(self) -> None:
        t = self.t
        self.query_one("#start-title", Static).update(Text(t("app.title")))
        self.query_one("#start-heading", Static).update(Text(t("start.heading")))
        if not self.loaded:
            hint = t("start.loading")
        else:
            hint = t("start.hint") if self.activities else t("start.no_activities")
        self.query_one("#start-hint", Static).update(Text(hint))
        self._show_info()

    def action_start(self) -> None:
        activity = self._chosen()
        if activity is not None:
            self.kiosk.start_scanning(activity.id)
