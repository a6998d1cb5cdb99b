"""The app's self check-in end to end, kiosk side (issue 17), under time control.

A real kiosk (store, secret store, sync worker) pulls its activity code keys from the reference
server running in this process, makes the code F7 shows from the stored key, and the registrant
app (`national-api app-checkin`'s request) redeems it. Time is moved with time-machine, which
the server thread sees too: no sleeps, no skips, no dependence on the hour the suite runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlmodel import Session

from cli.compose import sync_worker_for
from kiosk.activity_code import ActivityCode
from kiosk.activity_code_keys import ActivityCodes, NoCode, Unavailable
from kiosk.clock import JST, server_now
from kiosk.closeout import close_day, closeout_submitter
from kiosk.models import Method, Outcome, PremiumCue
from sync.client import ApiClient
from sync.enroll import enroll_device
from sync.server import admin
from sync.server.cli_trust import post_app_checkin
from sync.server.runner import RunningServer, start_server
from sync.server.trust_anchor import anchor_info
from tests.e2e.sync.harness import Kiosk, make_kiosk

MUN = "131016"
DAY = date(2026, 12, 5)
NOON = datetime.combine(DAY, time(12, 0, 5), JST)  # 5 s into a 60 s window
ACTIVITY = "act-codes-beach"


@dataclass
class World:
    server: RunningServer
    session: Session
    kiosk: Kiosk
    traveller: time_machine.Traveller

    def sync(self) -> None:
        worker = sync_worker_for(self.kiosk.services, self.kiosk.token, secrets=self.kiosk.secrets)
        assert worker is not None
        try:
            report = worker.run_once(pull=True, max_failures=2)
        finally:
            worker.stop()
        assert report.error is None, report.error

    @property
    def codes(self) -> ActivityCodes:
        return ActivityCodes(self.kiosk.store, self.kiosk.secrets)

    def shown(self) -> ActivityCode:
        """The code F7 shows now (server-corrected time, the stored key)."""
        code = self.codes.code(ACTIVITY, server_now(self.kiosk.services.clock))
        assert not isinstance(code, NoCode), code
        return code

    def app(self, pass_token: str, code: str) -> dict[str, object]:
        return post_app_checkin(self.server.url, pass_token, code)

    def pass_for(self, mun: str = MUN) -> str:
        return admin.issue_pass(self.session, mun=[mun]).token


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    url = f"sqlite:///{tmp_path / 'national.db'}"
    engine = admin.open_database(url)
    with time_machine.travel(NOON, tick=False) as traveller, Session(engine) as session:
        admin.create_municipality(session, MUN, "千代田区")
        admin.create_municipality(session, "011002", "札幌市")
        admin.create_activity(session, ACTIVITY, "海岸清掃", DAY, MUN, designated=True)
        admin.create_activity(session, "act-codes-hall", "祭り", DAY, MUN, designated=False)
        server = start_server(url, "admin-token")
        try:
            kiosk = make_kiosk(
                tmp_path / "kiosk",
                device_id="kiosk-codes",
                url=server.url,
                jwks=admin.jwks(session),
                anchor=anchor_info(session).jwks(),
                activity=ACTIVITY,
            )
            token = admin.create_enroll_token(session, municipality=MUN)
            enroll_device(server.url, token, "kiosk-codes", kiosk.secrets)
            yield World(server, session, kiosk, traveller)
            kiosk.close()
        finally:
            server.stop()
    engine.dispose()


def test_app_and_gate_count_once_and_the_closeout_shows_both(world: World) -> None:
    world.sync()
    stored = world.kiosk.store.pulled.code_keys()
    assert {(k.activity_id, k.day) for k in stored} >= {(ACTIVITY, DAY.isoformat())}
    world.server.set_faults(offline=True)  # the code is made offline, from the stored key
    code = world.shown()
    world.server.set_faults(offline=False)
    assert code.not_before <= NOON.timestamp() < code.expires

    app_only, both, gate_only = world.pass_for(), world.pass_for(), world.pass_for("011002")
    assert world.app(app_only, code.token)["status"] == "accepted"
    assert world.app(both, code.token)["status"] == "accepted"
    gate = world.kiosk.services.checkins
    first = gate.submit(both, Method.CAMERA)  # already checked in with the app
    second = gate.submit(gate_only, Method.CAMERA)
    assert (first.outcome, second.outcome) == (Outcome.ACCEPTED, Outcome.ACCEPTED)
    assert (first.premium, second.premium) == (PremiumCue.YOURS, PremiumCue.OTHER)
    world.sync()  # uploads: `both` is a duplicate of its app check-in on the server

    with ApiClient(world.server.url, token=world.kiosk.token()) as client:
        result = close_day(
            world.kiosk.store,
            ACTIVITY,
            "coordinator",
            world.kiosk.services.clock,
            closeout_submitter(client),
            fetch_counts=client.activity_counts,
        )
    national = result.activity_counts
    assert national is not None
    assert (national.total, national.gate, national.app) == (3, 1, 2)  # each person once
    assert national.by_method == {"camera": 1, "wedge": 0, "manual": 0, "paper": 0, "app": 2}
    assert result.receipt is not None
    assert result.receipt["app_count"] == 2
    assert result.receipt["combined_unique_count"] == 3
    assert national.matches_receipt(result.receipt) is True
    assert result.digest_match is True  # this device's own check-in: gate_only
    assert result.count == 1
    kept = world.kiosk.store.activities.server_counts(ACTIVITY)
    assert kept is not None
    assert (kept.gate, kept.app) == (1, 2)


def test_a_code_older_than_its_window_is_refused(world: World) -> None:
    world.sync()
    code = world.shown()
    registrant = world.pass_for()
    world.traveller.move_to(datetime.fromtimestamp(code.expires + 15, JST))  # window + skew
    assert world.app(registrant, code.token)["reason"] == "code_expired"
    fresh = world.shown()  # the kiosk shows the next window's code by now
    assert fresh.token != code.token
    assert world.app(registrant, fresh.token)["status"] == "accepted"


def test_a_screenshot_code_used_the_next_day_is_refused(world: World) -> None:
    world.sync()
    screenshot = world.shown().token
    registrant = world.pass_for()
    world.traveller.move_to(NOON + timedelta(days=1))
    assert world.app(registrant, screenshot)["reason"] == "code_wrong_day"
    # The kiosk has no key for that day either: the activity was yesterday.
    assert world.codes.code(ACTIVITY, server_now(world.kiosk.services.clock)) == NoCode(
        Unavailable.NO_KEY
    )
    # The next sync deletes yesterday's key from the secret store.
    world.sync()
    assert all(k.day > DAY.isoformat() for k in world.kiosk.store.pulled.code_keys())
    assert world.codes.key_for(ACTIVITY, DAY) == NoCode(Unavailable.NO_KEY)
