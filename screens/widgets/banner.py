"""The result banner: symbol + word + colour for each decision, readable from 2 m."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from kiosk.models import CheckinResult, Outcome
from kiosk.text import sanitize
from screens.i18n import Translator
from screens.validation import local_time

GLYPHS: dict[str, str] = {
    "accepted": "\n".join(
        [
            "          ██",
            "         ██ ",
            "  ██    ██  ",
            "   ██  ██   ",
            "    ████    ",
            "     ██     ",
        ]
    ),
    "duplicate": "\n".join(
        [
            " ◀████████  ",
            " ██      ██ ",
            " ██      ██ ",
            " ██      ██ ",
            "  ████████  ",
            "            ",
        ]
    ),
    "rejected": "\n".join(
        [
            " ██      ██ ",
            "   ██  ██   ",
            "     ██     ",
            "   ██  ██   ",
            " ██      ██ ",
            "            ",
        ]
    ),
    "ready": "\n".join(
        [
            " █▀▀█ ▄ █▀▀█",
            " █▄▄█ ▀ █▄▄█",
            " ▄ ▀▄ █▄ ▄▀ ",
            " █▀▀█ ▀▄█ ▄ ",
            " █▄▄█ █ ▀▄█ ",
            "            ",
        ]
    ),
    "problem": "\n".join(
        [
            "     ██     ",
            "    ████    ",
            "   ██  ██   ",
            "  ██ ██ ██  ",
            " ██████████ ",
            "            ",
        ]
    ),
}
SYMBOLS = {"accepted": "✓", "duplicate": "↺", "rejected": "✗", "ready": "▣", "problem": "⚠"}
STATES = tuple(GLYPHS)


def scaled(glyph: str, factor: int) -> str:
    """The glyph with every cell repeated `factor` times across and down."""
    if factor == 1:
        return glyph
    rows = ["".join(ch * factor for ch in row) for row in glyph.splitlines()]
    return "\n".join(row for row in rows for _ in range(factor))


class ResultBanner(Vertical):
    """Shows `ready`, one decision, a camera problem or the storage-full stop.

    Everything shown is plain `Text`: registrant ids and details never pass through markup.
    """

    def __init__(self, translate: Translator, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.t = translate
        self.state = "ready"
        self.result: CheckinResult | None = None
        self.shown = 0  # how many decisions this banner has shown (tests and benchmark)
        self.scale = 1  # 2 on a large display: the glyph is drawn twice as big

    def compose(self) -> ComposeResult:
        with Horizontal(id="banner-row"):
            yield Static(id="banner-glyph")
            with Vertical(id="banner-text"):
                yield Static(id="banner-title")
                yield Static(id="banner-detail")
                yield Static(id="banner-premium")
                yield Static(id="banner-hint")

    def _paint(
        self, state: str, title: str, detail: str = "", hint: str = "", premium: str = ""
    ) -> None:
        for name in STATES:
            self.set_class(name == state, f"-{name}")
        self.state = state
        self.query_one("#banner-glyph", Static).update(Text(scaled(GLYPHS[state], self.scale)))
        self.query_one("#banner-title", Static).update(Text(f"{SYMBOLS[state]} {title}"))
        self.query_one("#banner-detail", Static).update(Text(sanitize(detail)))
        cue = self.query_one("#banner-premium", Static)
        cue.display = bool(premium)
        cue.update(Text(premium))
        self.query_one("#banner-hint", Static).update(Text(sanitize(hint)))

    def on_resize(self) -> None:
        scale = 2 if self.size.width >= 70 and self.size.height >= 12 else 1
        if scale != self.scale:
            self.scale = scale
            self.query_one("#banner-glyph", Static).update(Text(scaled(GLYPHS[self.state], scale)))

    def show_ready(self, problem: str | None = None, fix: str = "") -> None:
        self.result = None
        if problem is not None:
            self._paint("problem", problem.lstrip("⚠⛔ "), fix)
        else:
            self._paint("ready", self.t("banner.ready"), self.t("banner.ready_hint"))

    def show_storage_full(self) -> None:
        self.result = None
        self._paint(
            "rejected", self.t("banner.storage_full"), "", self.t("banner.storage_full_hint")
        )

    def show_result(self, result: CheckinResult) -> None:
        self.result = result
        self.shown += 1
        self.repaint()

    def repaint(self) -> None:
        """Draw the current decision again (after a language switch)."""
        result, t = self.result, self.t
        if result is None:
            return
        who = t("banner.registrant", id=result.registrant) if result.registrant else ""
        if result.outcome is Outcome.ACCEPTED:
            # A record typed in at the gate is kept, but the national system counts it only
            # once a coordinator vouches for it: the volunteer is told so, truthfully.
            manual = result.method.value in ("manual", "paper")
            title = t("banner.manual_accepted" if manual else "banner.accepted")
            hint = t("banner.manual_hint" if manual else "banner.accepted_hint")
            # Does this count for them? Only a pass says where the registrant is registered.
            premium = t(f"banner.premium_{result.premium.value}") if result.premium else ""
            self._paint("accepted", title, who, hint, premium)
        elif result.outcome is Outcome.DUPLICATE:
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
            self._paint("duplicate", t("banner.duplicate"), detail, t("banner.duplicate_hint"))
        else:
            code = result.reason.value if result.reason else "malformed"
            title = f"{t('banner.rejected')}: {t(f'reason.{code}')}"
            self._paint("rejected", title, who, t(f"next.{code}"))
