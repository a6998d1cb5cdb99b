"""Offline you cannot miss, against the real reference server on loopback and its fault
switch (the demo world): the first sync pass that fails turns the gate's bar amber — within
one sync interval, since the worker reports every pass — and once the network is back the
pending count on screen reaches 0 with no key pressed."""

from __future__ import annotations

from pathlib import Path

from cli.commands.demo import build_world, make_demo_app
from kiosk.models import SyncState
from kiosk.scan.frames import SourceState
from screens.scan import ScanScreen
from screens.widgets.status import StatusBar, SyncBar
from tests.ui.conftest import settle, wait_until


async def test_offline_turns_amber_and_the_count_drains_by_itself(tmp_path: Path) -> None:
    world = build_world(tmp_path / "demo")
    try:
        passes = [p.token for p in world.seed.passes[:3]]
        app = make_demo_app(world, language="ja", passes=passes, realtime=False)
        seen: list[tuple[bool, bool]] = []  # (online, failing) of each report after the switch
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            sync = world.sync
            assert sync is not None
            await wait_until(pilot, lambda: sync.state.last_success is not None, limit_s=30)

            def record(state: SyncState | None) -> None:
                if state is not None:
                    seen.append((state.online, bool(state.message)))

            app.watch(app, "sync_state", record, init=False)
            world.toggle_network()  # the fault switch: the server drops every request
            await wait_until(pilot, lambda: any(not on or failing for on, failing in seen))
            first = next(i for i, (on, failing) in enumerate(seen) if not on or failing)
            assert first <= 2  # the first pass after the switch reports it (one interval)
            await pilot.press("enter")  # scan the demo activity: every check-in queues
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ScanScreen)
            bar, status = screen.query_one(SyncBar), screen.query_one(StatusBar)
            assert bar.has_class("-shown")
            assert status.has_class("-amber")
            assert bar.text.startswith("⚠ オフライン")
            await wait_until(pilot, lambda: app.camera_state is SourceState.STOPPED, limit_s=60)
            await wait_until(pilot, lambda: "未送信 3 件" in bar.text, limit_s=30)
            assert "未送信 3" in status.render_info(status.info).plain  # type: ignore[arg-type]

            world.toggle_network()  # back online; nobody touches the kiosk
            await wait_until(pilot, lambda: not bar.has_class("-shown"), limit_s=60)
            await wait_until(
                pilot,
                lambda: "未送信 0" in status.render_info(status.info).plain,  # type: ignore[arg-type]
                limit_s=60,
            )
            assert world.services.store.outbox.pending_count() == 0
            assert not status.has_class("-amber")
    finally:
        world.close()
