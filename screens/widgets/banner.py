"""The result banner: for each decision a large symbol and word, colour, the next step in plain
words and the running scan number, readable from two metres at any terminal size.

`ResultBanner` fills the gate screen; `ResultOverlay` is the same banner as a full-width band
over any other screen (manual entry, history, activity QR, coordinator), so no decision is
made out of sight. What they show comes from `banner_content` (pure: catalog words only)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from kiosk.models import CheckinResult, Outcome
from kiosk.text import sanitize
from screens.i18n import Translator
from screens.results import Shown
from screens.validation import local_time
from screens.widgets.bigtext import fit_banner

SYMBOLS = {"accepted": "✓", "duplicate": "↺", "rejected": "✗", "ready": "▣", "problem": "⚠"}
STATES = tuple(SYMBOLS)


@dataclass(frozen=True, slots=True)
class BannerContent:
    """Everything one banner state says, already in the current language."""

    state: str  # ready | accepted | duplicate | rejected | problem
    big: str  # the word drawn large
    title: str  # one line: symbol, result word and the reason
    detail: str = ""  # whose pass, when first checked in
    hint: str = ""  # what to do next, in plain words
    premium: str = ""  # does it count for them: "designated by your municipality" (issue 17)


def result_content(t: Translator, result: CheckinResult) -> BannerContent:
    who = t("banner.registrant", id=result.registrant) if result.registrant else ""
    if result.outcome is Outcome.ACCEPTED:
        # A record typed in at the gate is kept, but the national system counts it only
        # once a coordinator vouches for it: the volunteer is told so, truthfully.
        manual = result.method.value in ("manual", "paper")
        title = t("banner.manual_accepted" if manual else "banner.accepted")
        hint = t("banner.manual_hint" if manual else "banner.accepted_hint")
        # Does this count for them? Only a pass says where the registrant is registered.
        premium = t(f"banner.premium_{result.premium.value}") if result.premium else ""
        return BannerContent("accepted", t("big.accepted"), f"✓ {title}", who, hint, premium)
    if result.outcome is Outcome.DUPLICATE:
        first = (
            t(
                "banner.duplicate_first_at",
                gate=result.first_device,
                time=local_time(result.first_at),
            )
            if result.first_device
            else t("banner.duplicate_first", time=local_time(result.first_at))
        )
        detail = f"{who}  {first}" if who else first
        return BannerContent(
            "duplicate",
            t("big.duplicate"),
            f"↺ {t('banner.duplicate')}",
            detail,
            t("banner.duplicate_hint"),
        )
    code = result.reason.value if result.reason else "malformed"
    title = f"✗ {t('banner.rejected')}: {t(f'reason.{code}')}"
    return BannerContent("rejected", t("big.rejected"), title, who, t(f"next.{code}"))


def ready_content(t: Translator, problem: str | None = None, fix: str = "") -> BannerContent:
    if problem is not None:
        return BannerContent("problem", t("big.problem"), "⚠ " + problem.lstrip("⚠⛔ "), "", fix)
    return BannerContent(
        "ready", t("big.ready"), f"▣ {t('banner.ready')}", "", t("banner.ready_hint")
    )


def storage_full_content(t: Translator) -> BannerContent:
    return BannerContent(
        "rejected",
        t("big.storage_full"),
        f"✗ {t('banner.storage_full')}",
        "",
        t("banner.storage_full_hint"),
    )


class BigSign(Widget):
    """The symbol and the word, drawn as large as the widget's size allows."""

    DEFAULT_CSS = """
    BigSign { width: 1fr; height: 1fr; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.symbol = "ready"
        self.word = ""
        self.word_rows = 0  # how tall the word was drawn last (0: not drawn)

    def show(self, symbol: str, word: str) -> None:
        self.symbol, self.word = symbol, word
        self.refresh()

    def render(self) -> Text:
        drawing = fit_banner(self.symbol, self.word, self.size.width, self.size.height)
        self.word_rows = drawing.word_rows
        # the block is centred as a whole: lines keep their offsets within it
        top = max(0, (self.size.height - len(drawing.lines)) // 2)
        left = " " * max(0, (self.size.width - drawing.width) // 2)
        lines = [""] * top + [left + line for line in drawing.lines]
        return Text("\n".join(lines), no_wrap=True, overflow="crop")


class ResultBanner(Vertical):
    """Shows `ready`, one decision, a camera problem or the storage-full stop.

    Everything shown is plain `Text`: registrant ids and details never pass through markup.
    """

    def __init__(self, translate: Translator, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.t = translate
        self.state = "ready"
        self.result: CheckinResult | None = None
        self.number = 0  # running scan number of the result shown (0: none)
        self.waiting = 0  # results queued behind the one shown
        self.shown = 0  # how many decisions this banner has shown (tests and benchmark)
        self.content = ready_content(translate)
        self._problem: tuple[str | None, str] = (None, "")
        self._storage_full = False

    def compose(self) -> ComposeResult:
        yield BigSign(id="banner-big")
        with Horizontal(id="banner-titlebar"):
            yield Static(id="banner-title")
            yield Static(id="banner-number")
        yield Static(id="banner-detail")
        yield Static(id="banner-premium")
        yield Static(id="banner-hint")
        yield Static(id="banner-waiting")

    def on_mount(self) -> None:
        self._paint()

    def _paint(self) -> None:
        content = self.content
        for name in STATES:
            self.set_class(name == content.state, f"-{name}")
        self.state = content.state
        self.query_one(BigSign).show(content.state, content.big)
        self.query_one("#banner-title", Static).update(Text(sanitize(content.title)))
        number = self.t("banner.number", n=self.number) if self.number else ""
        self.query_one("#banner-number", Static).update(Text(number))
        self.query_one("#banner-detail", Static).update(Text(sanitize(content.detail)))
        cue = self.query_one("#banner-premium", Static)
        cue.display = bool(content.premium)
        cue.update(Text(sanitize(content.premium)))
        self.query_one("#banner-hint", Static).update(Text(sanitize(content.hint)))
        waiting = self.t("banner.waiting", n=self.waiting) if self.waiting else ""
        self.query_one("#banner-waiting", Static).update(Text(waiting))
        self.set_class(bool(self.waiting), "-waiting")

    def show_ready(self, problem: str | None = None, fix: str = "") -> None:
        self.result, self.number, self._storage_full = None, 0, False
        self._problem = (problem, fix)
        self.content = ready_content(self.t, problem, fix)
        self._paint()

    def show_storage_full(self) -> None:
        self.result, self.number, self._storage_full = None, 0, True
        self.content = storage_full_content(self.t)
        self._paint()

    def show(self, shown: Shown, waiting: int = 0) -> None:
        """Put one numbered decision up (a new number counts as one more shown)."""
        if shown.number != self.number:
            self.shown += 1
        self.result, self.number, self.waiting = shown.result, shown.number, waiting
        self._storage_full = False
        self.content = result_content(self.t, shown.result)
        self._paint()

    def set_waiting(self, waiting: int) -> None:
        if waiting != self.waiting:
            self.waiting = waiting
            self._paint()

    def repaint(self) -> None:
        """Draw the current state again in the current language."""
        if self.result is not None:
            self.content = result_content(self.t, self.result)
        elif self._storage_full:
            self.content = storage_full_content(self.t)
        else:
            self.content = ready_content(self.t, *self._problem)
        self._paint()


class ResultOverlay(ResultBanner):
    """The banner as a band across the top of another screen; hidden while nothing new is up.
    A tap hides it (the result stays on the gate screen).

    Docked, not floating: the screen's own widgets move down while it is up. A floating band
    would lose half of a double-width character wherever it crosses the edge of a widget
    beneath it."""

    DEFAULT_CSS = """
    ResultOverlay {
        dock: top; width: 100%; height: 45%; min-height: 10; padding: 0 2;
        display: none;
    }
    ResultOverlay.-visible { display: block; }
    ResultOverlay #banner-detail { display: none; }
    """

    tapped = 0  # the scan number a tap hid (it does not come back for that result)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.tapped = self.number
        self.set_class(False, "-visible")
