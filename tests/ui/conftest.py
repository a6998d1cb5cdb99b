"""UI test fixtures: a real app on a temp SQLite database, a real PassKit-signed trust list,
a fixed clock and a deterministic terminal (no colour overrides, no animation, Tokyo time)."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
import unicodedata
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from cli.compose import build_services
from config.credential_file import CredentialFileKeyring
from config.schema import KioskConfig
from config.secrets import PIN_HASH, SecretStore
from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.models import Method
from kiosk.pin import hash_pin
from kiosk.scan.frames import SourceState, StateCallback
from kiosk.services import Services
from kiosk.store.tables import Activity
from screens.app import CoordinatorHook, KioskApp, make_app
from screens.coordinator.closeout import CloseoutScreen
from screens.scanning import ResultCallback, ScannerFactory
from tests.builders import device_config
from tests.passkit import PassKit

NOW = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # 10:30 in Tokyo
ACTIVITY = "act-2026-11-23-beach"
REGISTRANT = "FR7K3M9Q2XPD"
COORDINATOR_PIN = "739104"

RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture(autouse=True)
def _deterministic_terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("NO_COLOR", "TEXTUAL_THEME", "COLUMNS", "LINES", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


_END_OF_SCRIPT = "end of script"


@dataclass
class ScriptedScanner:
    """A camera pipeline stand-in: plays a script of source states and pass strings on a
    thread of its own, as the real pipeline runs on its own threads.

    Each pass string goes through the real CheckinService exactly as the pipeline would
    submit it; states are reported as a camera would report them.
    """

    service: CheckinService
    script: queue.Queue[SourceState | str] = field(default_factory=queue.Queue)
    running: threading.Event = field(default_factory=threading.Event)

    def start(self, on_result: ResultCallback, on_state: StateCallback) -> None:
        threading.Thread(target=self._play, args=(on_result, on_state), daemon=True).start()

    def stop(self) -> None:
        self.script.put(_END_OF_SCRIPT)

    def _play(self, on_result: ResultCallback, on_state: StateCallback) -> None:
        on_state(SourceState.LIVE, "scripted camera")
        self.running.set()
        while (item := self.script.get()) != _END_OF_SCRIPT:
            if isinstance(item, SourceState):
                on_state(item, "scripted camera")
            else:
                on_result(self.service.submit(item, Method.CAMERA))
        on_state(SourceState.STOPPED, "stop requested")


class ScannerBox:
    """Builds ScriptedScanners and remembers the last one (the test drives it)."""

    def __init__(self) -> None:
        self.scanner: ScriptedScanner | None = None

    def __call__(self, service: CheckinService) -> ScriptedScanner:
        self.scanner = ScriptedScanner(service)
        return self.scanner


@dataclass
class Kiosk:
    """Everything a UI test needs: the services, the pass kit and an app factory."""

    root: Path
    kit: PassKit
    clock: FixedClock
    config: KioskConfig
    services: Services

    def app(
        self,
        *,
        language: str | None = None,
        scanner_factory: ScannerFactory | None = None,
        coordinator: CoordinatorHook | None = None,
        sync: Any = None,
    ) -> KioskApp:
        return make_app(
            self.services,
            scanner_factory=scanner_factory,
            sync=sync,
            language=language,
            coordinator=coordinator,
        )

    def sign(self, sub: str = REGISTRANT, **claims: Any) -> str:
        now = int(NOW.timestamp())
        values: dict[str, Any] = {"sub": sub, "iat": now - 3600, "exp": now + 86400 * 365}
        values.update(claims)
        return self.kit.sign(**values)


def write_config(root: Path, jwks: Path, **ui: object) -> KioskConfig:
    return device_config(
        root / "kiosk.db",
        jwks,
        ACTIVITY,
        activity_name="Beach clean-up",
        organisation="Hamadori RMO",
        ui={"sound": "off", "banner_seconds": 3.0, **ui},
    )


def seed_activities(services: Services) -> None:
    services.store.activities.upsert(
        Activity(
            id=ACTIVITY,
            name="Beach clean-up",
            date="2026-11-23",
            venue="Yuigahama beach",
            organiser="Hamadori RMO",
        )
    )
    services.store.activities.upsert(
        Activity(id="act-2026-11-23-festival", name="Autumn festival setup", date="2026-11-23")
    )


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    kit = PassKit()
    jwks = kit.write_jwks(tmp_path / "jwks.json")
    config = write_config(tmp_path, jwks)
    clock = FixedClock(NOW)
    services = build_services(config, clock=clock)
    seed_activities(services)
    yield Kiosk(tmp_path, kit, clock, config, services)
    services.close()


async def settle(pilot: Pilot[Any]) -> None:
    """Wait on state, however slow the CPU: until no finite worker (the camera's never ends)
    is running and the messages they posted have been handled, twice in a row (a handler may
    start the next worker of a chain: decide -> banner -> counts)."""
    app = pilot.app
    quiet = 0
    while quiet < 2:
        busy = [w for w in app.workers if w.group != "camera" and not w.is_finished]
        if busy:  # an empty list would mean "every worker", the endless camera included
            await app.workers.wait_for_complete(busy)
            quiet = 0
        else:
            quiet += 1
        await pilot.pause()  # returns once every message queued so far has been handled


def blinking_cursor(app: App[Any]) -> str | None:
    """The focused input whose cursor blinks, if any: its phase at the moment of a snapshot
    depends on how fast the CPU got there (on a slow one it has flipped), so a snapshot must
    never show one."""
    focused = app.focused
    if isinstance(focused, Input | TextArea) and focused.cursor_blink:
        return f"{type(focused).__name__}#{focused.id} on {type(app.screen).__name__}"
    return None


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """pytest-textual-snapshot's snap_compare, made independent of CPU speed: after the test's
    own set-up it waits on state (`settle`) and refuses a picture with a blinking cursor."""

    def compare(
        app: App[Any],
        press: tuple[str, ...] = (),
        terminal_size: tuple[int, int] = (80, 24),
        run_before: RunBefore | None = None,
    ) -> bool:
        async def steady(pilot: Pilot[Any]) -> None:
            if run_before is not None:
                await run_before(pilot)
            await settle(pilot)
            blinking = blinking_cursor(pilot.app)
            assert blinking is None, f"a blinking cursor in a snapshot: {blinking}"

        return snap_compare(app, press=press, terminal_size=terminal_size, run_before=steady)

    return compare


async def wait_until(
    pilot: Pilot[Any], predicate: Callable[[], bool], limit_s: float = 30.0
) -> None:
    """For events that cross from another thread (the camera): poll the UI until true.
    `limit_s` only bounds a failure (generous: a slow CPU must not fail a passing test)."""
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await settle(pilot)
        await asyncio.sleep(0.01)


async def to_scan(pilot: Pilot[Any]) -> None:
    """From the start screen, start scanning the highlighted (configured) activity."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def wedge_type(pilot: Pilot[Any], text: str, *, enter: bool = True) -> None:
    """Type like a keyboard-wedge scanner: key events arrive in one burst, as from the driver
    (`pilot.press` waits for idle after every key, far slower than a scanner types)."""
    app = pilot.app
    for char in text:
        key = char if char.isalnum() else unicodedata.name(char).lower().replace(" ", "_")
        app.post_message(events.Key(key, char))
    if enter:
        app.post_message(events.Key("enter", "\r"))
    await pilot.pause()


def coordinator_secrets(kiosk: Kiosk, pin: str = COORDINATOR_PIN) -> SecretStore:
    """The kiosk's secret store (a credential file under its folder) holding the PIN's hash."""
    store = SecretStore(kiosk.config.device.id, backend=CredentialFileKeyring(kiosk.root / "creds"))
    store.set(PIN_HASH, hash_pin(pin))
    return store


async def open_closeout(pilot: Pilot[Any], pin: str = COORDINATOR_PIN) -> CloseoutScreen:
    """F9 and the PIN: the coordinator's close-out screen."""
    await pilot.press("f9")
    await settle(pilot)
    pilot.app.screen.query_one("#pin-input", Input).value = pin
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CloseoutScreen)
    return screen
