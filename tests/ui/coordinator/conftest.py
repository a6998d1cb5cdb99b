"""Fixtures for the coordinator screens: a real store with a varied day, a PIN gate with an
injected monotonic clock (no scrypt, no sleeps), and a small host App that opens the screen
the way the kiosk's coordinator hook does."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.reactive import reactive
from textual.widgets import Static

from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.closeout import SubmitCloseout
from kiosk.models import Method
from kiosk.pin import PinGate
from kiosk.store import NewCheckin
from kiosk.store.tables import Activity
from screens.coordinator import CoordinatorContext, open_coordinator
from screens.i18n import Translator
from tests.builders import checkin_service
from tests.passkit import PassKit, SigningKey

ACTIVITY_ID = "act-2026-11-23-beach"
START = datetime(2026, 11, 23, 0, 5, tzinfo=UTC)  # 09:05 JST
PIN = "2468"
SIZE = (120, 40)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Day:
    service: CheckinService
    clock: FixedClock
    mono: FakeMonotonic
    gate: PinGate
    export_dir: Path

    @property
    def store(self) -> Any:
        return self.service.store

    def context(self, submit: SubmitCloseout | None = None) -> CoordinatorContext:
        return CoordinatorContext(
            store=self.service.store,
            clock=self.clock,
            activity_id=lambda: self.service.activity_id,
            pin=self.gate,
            export_dir=self.export_dir,
            submit_closeout=submit,
            device="Gate 1 (kiosk-test-01)",
        )


def _fixed_uuids() -> Iterator[uuid.UUID]:
    for n in itertools.count(1):
        yield uuid.UUID(int=n, version=4)


@pytest.fixture
def day(
    tmp_path: Path, jwks_file: Path, kit: PassKit, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Day]:
    ids = _fixed_uuids()
    monkeypatch.setattr(uuid, "uuid4", lambda: next(ids))  # every id the store makes
    clock = FixedClock(START)
    service = checkin_service(tmp_path / "kiosk.db", jwks_file, ACTIVITY_ID, clock=clock)
    service.store.activities.upsert(
        Activity(
            id=ACTIVITY_ID,
            name="浜辺の清掃活動",
            date="2026-11-23",
            venue="由比ヶ浜海岸",
            organiser="由比ヶ浜地域運営組織",
            municipality="131016",
        )
    )
    seed(service, kit, clock)
    mono = FakeMonotonic()
    gate = PinGate(
        lambda: PIN,
        max_failures=3,
        lockout_seconds=30.0,
        clock=mono,
        verify=lambda pin, stored: pin == stored,
    )
    export_dir = tmp_path / "exports"
    export_dir.mkdir()
    yield Day(service, clock, mono, gate, export_dir)
    service.store.close()


def sign(kit: PassKit, clock: FixedClock, sub: str, tier: str = "premium", **extra: Any) -> str:
    now = int(clock.now().timestamp())
    return kit.sign(sub=sub, tier=tier, iat=now - 60, exp=now + 86400, **extra)


def seed(service: CheckinService, kit: PassKit, clock: FixedClock) -> None:
    """09:05-11:35 JST: 6 accepted (2 basic), 1 duplicate, 2 rejected, 1 paper record."""
    subs = ["FR0000000001", "FR0000000002", "FR0000000003", "FR0000000004", "FR0000000005"]
    for n, sub in enumerate(subs):
        service.submit(sign(kit, clock, sub, "basic" if n in (1, 3) else "premium"), Method.CAMERA)
        clock.advance(1200)
    service.submit(sign(kit, clock, subs[0]), Method.CAMERA)  # duplicate
    clock.advance(600)
    stranger = PassKit([SigningKey("unknown-kid")])
    service.submit(sign(stranger, clock, "FR0000000009"), Method.CAMERA)  # unknown key
    now = int(clock.now().timestamp())
    service.submit(kit.sign(sub="FR0000000008", iat=now - 99999, exp=now - 7200), Method.WEDGE)
    clock.advance(1800)
    service.store.records.add_manual(
        NewCheckin(
            activity_id=ACTIVITY_ID,
            registrant="PAPER-0000000001",
            method=Method.PAPER,
            scanned_at=clock.now(),
            clock_trusted=True,
            monotonic_s=clock.monotonic(),
            session_id="seed",
            operator="coordinator",
        ),
        reason="paper form",
        paper=("山田 花子", "090-0000-0000", "鎌倉市"),
    )
    clock.advance(300)


class HostApp(App[None]):
    """Stands in for the kiosk App with what the coordinator screens use of it (the
    translator, the `language` and `sync_state` reactives) and a screen beneath theirs."""

    language: reactive[str] = reactive("ja", init=False)
    sync_state: reactive[object] = reactive(None, init=False)

    def __init__(self, day: Day, language: str = "ja", submit: SubmitCloseout | None = None):
        super().__init__()
        self.translator = Translator(language)
        self.set_reactive(HostApp.language, language)
        self.context = day.context(submit)

    def watch_language(self, language: str) -> None:
        self.translator.language = language  # as KioskApp.action_toggle_language does

    def compose(self) -> ComposeResult:
        yield Static("gate", id="gate")

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(open_coordinator(self.context))
