"""Anchor rotation on the reference server (`national-api anchor announce` / `switch`), followed
by real kiosks: one that saw the announcement and one that missed it, both pinned to the first
anchor. A module of its own: the rotation changes the shared server's anchor."""

from __future__ import annotations

from cli.compose import build_services, sync_worker_for
from config.load import load_config
from kiosk.models import Method
from sync.worker import SyncReport
from tests.e2e.sync.conftest import KioskFactory
from tests.e2e.sync.harness import Kiosk, ServerProcess


def _sync(kiosk: Kiosk) -> SyncReport:
    worker = sync_worker_for(kiosk.services, kiosk.token)
    assert worker is not None
    try:
        return worker.run_once(pull=True)
    finally:
        worker.stop()


def _anchors(kiosk: Kiosk) -> list[str]:
    trust = kiosk.services.trust
    assert trust is not None
    state = trust.state
    assert state is not None
    return [pin.thumbprint for pin in state.anchors]


def test_kiosks_follow_an_announced_anchor_rotation(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    first = server.anchor()["keys"][0]["kid"]
    attentive, late = new_kiosk("kiosk-attentive"), new_kiosk("kiosk-late")
    assert _sync(attentive).pulls.trust == "accepted"

    announced = str(server.call("anchor_announce")["kid"])
    seen = _sync(attentive)
    assert seen.pulls.trust == "accepted"
    assert _anchors(attentive) == [first, announced]  # trusted next to the pinned one

    assert str(server.call("anchor_switch")["kid"]) == announced
    switched = _sync(attentive)
    assert switched.pulls.trust == "accepted"
    assert _anchors(attentive) == [announced]
    # The late kiosk never saw the announcement: the new anchor's statement carries the
    # succession proof its pinned anchor signed.
    missed = _sync(late)
    assert missed.pulls.trust == "accepted"
    assert _anchors(late) == [announced]

    # Both still decide with the server's keys, also after a restart without network.
    token = server.passes(1)[0]
    assert late.services.checkins.submit(token, Method.CAMERA).outcome == "accepted"
    late.close()
    server.faults(offline=True)
    restarted = build_services(load_config(late.config_path))
    try:
        assert restarted.trust is not None
        assert restarted.trust.sequence == missed.pulls.trust_sequence
        again = restarted.checkins.submit(server.passes(1)[0], Method.WEDGE)
        assert again.outcome == "accepted"
    finally:
        restarted.close()
