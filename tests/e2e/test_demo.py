"""`kiosk demo` end to end, headless: the real demo world (reference server on loopback,
enrolled device, real sync) and the real App on a scripted simulated camera. The network is
switched off for the scans and back on after; the server must end with exactly the kiosk's
accepted set."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, create_engine, select

from cli.commands.demo import build_world, make_demo_app
from kiosk.models import Outcome
from kiosk.scan.frames import SourceState
from sync.server.tables import Checkin as ServerCheckin
from tests.ui.conftest import settle, wait_until


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
