"""`kiosk demo`: everything local. A reference national API on loopback with a demo
municipality, today's activity and sample registrants; an enrolled demo device that pins the
national trust anchor (its trust list comes from signed statements) and holds today's activity
code keys; the kiosk on a simulated camera showing a stream of passes. F7 shows the rotating
activity code; F8 plays a registrant's app scanning it (`national-api app-checkin`'s request),
and the coordinator's close-out shows that self check-in next to the gate's. All of it lives in
one temporary folder that is removed on exit (`--keep` leaves it for inspection)."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cli.compose import build_services, sync_worker_for
from cli.errors import EXIT_OK, CommandFailed
from kiosk.logs import setup_from_config, stop_logging
from kiosk.services import Services

if TYPE_CHECKING:
    from config.secrets import SecretStore
    from screens.demo import DemoKioskApp
    from sync.server.demo import DemoSeed
    from sync.server.runner import RunningServer
    from sync.worker import SyncWorker

DEMO_PIN = "2580"  # shown on screen: the demo's coordinator PIN
DEVICE_ID = "kiosk-demo-01"


def _config_text(folder: Path, api_url: str, seed: DemoSeed) -> str:
    return f"""# Written by `kiosk demo`; removed with its folder on exit.
[device]
id = "{DEVICE_ID}"
name = "デモ受付 1"
municipality = "131016"
organisation = "rmo-demo"
database = "{folder / "kiosk.db"}"

[trust]
jwks_file = "{folder / "jwks.json"}"
anchor_file = "{folder / "anchor.json"}"

[activity]
id = "{seed.activity_id}"
name = "{seed.activity_name}"

[logging]
directory = "{folder / "log"}"

[api]
url = "{api_url}"
sync_interval_seconds = 3
timeout_seconds = 3
"""


@dataclass(frozen=True)
class AppCheckin:
    """What the simulated app got: accepted, duplicate, rejected (+ reason), or why not sent."""

    status: str  # accepted | duplicate | rejected | no_code | offline | failed
    reason: str = ""


@dataclass
class DemoWorld:
    """The running demo: server, seeded data, enrolled device and kiosk services."""

    folder: Path
    server: RunningServer
    seed: DemoSeed
    services: Services
    secrets: SecretStore
    sync: SyncWorker | None
    keep: bool = False
    offline: bool = field(default=False, init=False)
    app_round: Iterator[str] = field(init=False)

    def __post_init__(self) -> None:
        self.app_round = itertools.cycle([p.token for p in self.seed.app_passes])

    def first_round(self) -> list[tuple[str, str]]:
        """(what it shows, pass) in camera order: every outcome the gate can show."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from sync.server.passes import sign_pass

        valid = [p.token for p in self.seed.passes]
        expired, revoked = (p.token for p in self.seed.rejected_passes)
        template = self.seed.passes[0]
        # A forgery: the real key id and claims, signed with someone else's key.
        forged = sign_pass(
            dict(template.claims, sub="FR0000000000"), template.kid, Ed25519PrivateKey.generate()
        )
        order = [("accepted", token) for token in valid]
        order.insert(3, ("duplicate", valid[1]))
        order.insert(6, ("rejected:expired", expired))
        order.insert(9, ("rejected:bad_signature", forged))
        order.insert(12, ("rejected:revoked", revoked))
        order.insert(14, ("rejected:malformed", "https://example.invalid/not-a-pass"))
        return order

    def pass_stream(self) -> Iterator[str]:
        """The simulated camera's feed: the first round, then round again (duplicates)."""
        return itertools.cycle([token for _, token in self.first_round()])

    def app_checkin(self) -> AppCheckin:
        """A registrant's app scans the code F7 shows now and checks in (the next app pass).

        Runs the request `national-api app-checkin` makes; blocking: call it off the UI."""
        from kiosk.activity_code_keys import ActivityCodes, NoCode
        from kiosk.clock import server_now
        from sync.server.cli_trust import AppCheckinFailed, post_app_checkin

        services = self.services
        activity = services.checkins.activity_id
        code = ActivityCodes(services.store, self.secrets).code(
            activity, server_now(services.clock)
        )
        if isinstance(code, NoCode):
            return AppCheckin("no_code", code.reason.value)
        if self.offline:
            return AppCheckin("offline", "")
        try:
            answer = post_app_checkin(self.server.url, next(self.app_round), code.token, timeout=5)
        except AppCheckinFailed as exc:
            return AppCheckin("failed", str(exc))
        return AppCheckin(str(answer.get("status")), str(answer.get("reason") or ""))

    def toggle_network(self) -> bool:
        """Switch the server's fault switch between offline and online; returns offline."""
        self.offline = not self.offline
        self.server.set_faults(offline=self.offline)
        if not self.offline and self.sync is not None:
            self.sync.trigger()
        return self.offline

    def close(self) -> None:
        if self.sync is not None:
            self.sync.stop()
        self.services.close()
        self.server.stop()
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)


def build_world(
    folder: Path | None = None, *, keep: bool = False, today: date | None = None
) -> DemoWorld:
    """Start the reference server, seed it, enroll the device, build the kiosk services."""
    from config.load import load_config
    from config.secrets import PIN_HASH, SecretStore
    from kiosk.clock import venue_today
    from kiosk.pin import hash_pin
    from sync.enroll import enroll_device
    from sync.server.admin import export_jwks, open_database
    from sync.server.demo import seed_demo
    from sync.server.runner import start_server

    folder = folder or Path(tempfile.mkdtemp(prefix="furusato-demo-"))
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Demo secrets live and die with the demo folder, never in a real device's store.
    os.environ["KIOSK_CREDENTIALS_DIR"] = str(folder / "credentials")
    database_url = f"sqlite:///{folder / 'national.db'}"
    engine = open_database(database_url)
    seed = seed_demo(engine, today or venue_today())
    from sqlmodel import Session

    with Session(engine) as session:
        export_jwks(session, folder / "jwks.json")
    engine.dispose()
    # The demo device pins the national trust anchor, as `national-api anchor export` writes it.
    (folder / "anchor.json").write_text(json.dumps(seed.anchor_jwks), encoding="utf-8")
    server = start_server(database_url, admin_token=secrets.token_urlsafe(16))
    try:
        config_path = folder / "kiosk.toml"
        config_path.write_text(_config_text(folder, server.url, seed), encoding="utf-8")
        config = load_config(config_path, environ={})
        store = SecretStore(config.device.id)
        enroll_device(server.url, seed.enroll_token, config.device.id, store)
        store.set(PIN_HASH, hash_pin(DEMO_PIN))
        services = build_services(config)
        sync = sync_worker_for(services, lambda: store.device_token, secrets=store)
    except BaseException:
        server.stop()
        raise
    return DemoWorld(folder, server, seed, services, store, sync, keep=keep)


def make_demo_app(
    world: DemoWorld,
    *,
    language: str = "ja",
    passes: Iterable[str] | None = None,
    realtime: bool = True,
) -> DemoKioskApp:
    """The real kiosk App on the demo world: simulated camera, live sync, coordinator.

    `passes` replaces the endless demo feed (the end-to-end test scripts a finite one)."""
    from cli.commands.run import coordinator
    from kiosk.activity_code_keys import ActivityCodes
    from kiosk.checkins import CheckinService
    from kiosk.scan.settings import ScanSettings
    from kiosk.scan.synthetic import SyntheticSource
    from screens.demo import DemoKioskApp
    from screens.scanning import PipelineScanner

    def camera() -> SyntheticSource:
        # One person every ~3 s: the pass is held up for 1 s, then 2 s without a code.
        return SyntheticSource.from_passes(
            world.pass_stream() if passes is None else passes,
            width=960,
            height=540,
            hold_frames=30,
            gap_frames=60,
            realtime=realtime,
        )

    def scanner(service: CheckinService) -> PipelineScanner:
        return PipelineScanner(service, camera, ScanSettings(realtime=realtime))

    services = world.services
    return DemoKioskApp(
        services.config,
        services,
        scanner_factory=scanner,
        sync=world.sync,
        clock=services.clock,
        language=language,
        coordinator=coordinator(services, world.secrets),
        demo=world,
        pin=DEMO_PIN,
        activity_codes=ActivityCodes(services.store, world.secrets),
    )


def run(args: argparse.Namespace) -> int:
    try:
        world = build_world(keep=args.keep)
    except OSError as exc:
        raise CommandFailed(f"cannot start the demo: {exc}") from None
    try:
        with contextlib.suppress(OSError):  # logging is best effort
            setup_from_config(world.services.config)
        make_demo_app(world, language=args.language).run()
    finally:
        world.close()
        stop_logging()
        if args.keep:
            print(f"demo folder kept: {world.folder}")
    return EXIT_OK
