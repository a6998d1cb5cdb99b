"""`kiosk demo` end to end, headless: the real demo world (reference server on loopback,
enrolled device, real sync) and the real App on a scripted simulated camera. The network is
switched off for the scans and back on after; the server must end with exactly the kiosk's
accepted set."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import time_machine
import zxingcpp
from rich.text import Text
from sqlmodel import Session, create_engine, select
from textual.widgets import Button, Input, Static

from cli.commands.demo import DEMO_PIN, build_world, make_demo_app
from kiosk.clock import JST
from kiosk.models import Outcome
from kiosk.scan.frames import SourceState
from screens.activity_qr import ActivityQrScreen
from screens.coordinator import CloseoutScreen
from screens.demo import AppCheckedIn
from screens.widgets.notice import NoticeLine
from screens.widgets.qr import QrCode
from sync.server.tables import Checkin as ServerCheckin
from tests.ui.conftest import settle, wait_until
from tests.ui.test_activity_qr import rasterise


async def test_scripted_demo_ends_with_server_equal_to_kiosk(tmp_path: Path) -> None:
    world = build_world(tmp_path / "demo", keep=True)
    try:
        script = world.first_round()
        app = make_demo_app(world, language="en", passes=[t for _, t in script], realtime=False)
        decided: list[str] = []
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            sync = world.sync
            assert sync is not None
            # The first sync pulls the revocation list; only then does the network go away.
            await wait_until(pilot, lambda: sync.state.last_success is not None, limit_s=30.0)
            await pilot.press("f6")  # network off: every check-in queues on the kiosk
            assert world.offline
            await pilot.press("enter")  # start scanning the configured activity
            await wait_until(pilot, lambda: app.camera_state is SourceState.STOPPED, limit_s=120.0)
            store = world.services.store
            activity = world.seed.activity_id
            decided = [a.outcome for a in store.records.attempts(activity)]
            assert store.outbox.pending_count() == len(world.seed.passes)
            await pilot.press("f6")  # network back: the queue drains in batches
            assert not world.offline
            await wait_until(pilot, lambda: store.outbox.pending_count() == 0, limit_s=60.0)
        expected = {label for label, _ in script}
        assert decided.count(Outcome.ACCEPTED.value) == len(world.seed.passes)
        assert decided.count(Outcome.DUPLICATE.value) == 1
        assert decided.count(Outcome.REJECTED.value) == sum(
            label.startswith("rejected") for label in expected
        )
        rejected = {
            a.reason
            for a in store.records.attempts(activity)
            if a.outcome == Outcome.REJECTED.value
        }
        assert rejected == {"expired", "bad_signature", "revoked", "malformed"}
        kiosk_ids = {c.id for c in store.records.checkins(activity, include_voided=False)}
        assert {c.sync_status for c in store.records.checkins(activity)} == {"accepted"}
    finally:
        world.close()
    engine = create_engine(f"sqlite:///{tmp_path / 'demo' / 'national.db'}")
    with Session(engine) as session:
        server = session.exec(
            select(ServerCheckin).where(ServerCheckin.activity_id == activity)
        ).all()
    engine.dispose()
    assert {c.id for c in server if c.status == "accepted"} == kiosk_ids
    assert len(server) == len(kiosk_ids)  # nothing uploaded twice, nothing extra


async def test_demo_rotating_code_and_an_app_checkin_in_the_closeout(tmp_path: Path) -> None:
    """`make demo`'s issue-17 story under time control: the device pins the anchor and accepts
    the signed statement, F7 shows a code a phone can read, F8 plays a registrant's app scanning
    it, and the coordinator's close-out shows that self check-in next to the gate's, matching
    the receipt."""
    noon = datetime(2026, 11, 23, 12, 0, 5, tzinfo=JST)
    with time_machine.travel(noon, tick=True):
        world = build_world(tmp_path / "demo", today=noon.date())
        try:
            gate_passes = [p.token for p in world.seed.passes[:3]]
            app = make_demo_app(world, language="en", passes=gate_passes, realtime=False)
            messages: list[object] = []
            async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
                await settle(pilot)
                store, sync = world.services.store, world.sync
                assert sync is not None
                await wait_until(pilot, lambda: sync.state.last_success is not None, limit_s=30)
                trust = world.services.trust
                assert trust is not None
                assert trust.has_statement  # the pinned anchor signed what the kiosk uses
                assert store.pulled.code_keys()  # today's activity code keys arrived
                await pilot.press("enter")  # scan the three passes at the gate
                await wait_until(pilot, lambda: app.camera_state is SourceState.STOPPED, 60)
                await wait_until(pilot, lambda: store.outbox.pending_count() == 0, 60)

                await pilot.press("f7")
                await settle(pilot)
                screen = app.screen
                assert isinstance(screen, ActivityQrScreen)
                await wait_until(pilot, lambda: screen.code is not None)
                assert screen.code is not None
                qr = screen.query_one(QrCode)
                drawn = qr.content
                assert isinstance(drawn, Text)
                read = zxingcpp.read_barcodes(rasterise(drawn.plain, qr.style_used))
                assert [r.text for r in read] == [screen.code.token]

                await pilot.press("f8")  # a registrant's app scans that code
                await wait_until(
                    pilot, lambda: any(isinstance(m, AppCheckedIn) for m in messages), 30
                )
                answer = next(m for m in messages if isinstance(m, AppCheckedIn)).answer
                assert (answer.status, answer.reason) == ("accepted", "")
                await pilot.press("escape")
                await settle(pilot)

                await pilot.press("f9")
                await settle(pilot)
                await pilot.press(*DEMO_PIN, "enter")
                await settle(pilot)
                closeout = app.screen
                assert isinstance(closeout, CloseoutScreen)
                await pilot.press("c")
                await settle(pilot)
                closeout.app.screen.query_one("#confirm-yes", Button).press()

                def national() -> str:
                    content = closeout.query_one("#coord-national", Static).content
                    return content.plain if isinstance(content, Text) else str(content)

                await wait_until(pilot, lambda: national().endswith("matches the receipt"), 30)
                assert national().startswith("National: gate 3 · app 1 · total 4")
        finally:
            world.close()


async def test_the_demo_says_how_to_leave_it_and_leaves_that_way(tmp_path: Path) -> None:
    world = build_world(tmp_path / "demo")
    try:
        app = make_demo_app(world, language="en", passes=[], realtime=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            notice = app.screen.query_one(NoticeLine)
            await wait_until(pilot, lambda: notice.message == app.sub_title)  # said on start
            notice.clear()
            await pilot.press("ctrl+q")  # Textual's own quit key: not in a kiosk
            await settle(pilot)
            assert app.is_running
            assert notice.message == app.sub_title  # and again on Ctrl+Q
            assert "to quit: F9, PIN, Q" in notice.message
            assert DEMO_PIN in notice.message
            await pilot.press("f9")
            await settle(pilot)
            app.screen.query_one("#pin-input", Input).value = DEMO_PIN
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("q")
            await settle(pilot)
            await pilot.click("#confirm-yes")
            await settle(pilot)
            assert app.return_code == 0
    finally:
        world.close()
