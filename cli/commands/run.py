"""`kiosk run`: the Textual kiosk, built from the device config."""

from __future__ import annotations

import argparse
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cli.compose import build_services, read_config, sync_worker_for
from cli.errors import EXIT_OK
from kiosk.logs import setup_from_config, stop_logging
from kiosk.services import Services

if TYPE_CHECKING:
    from config.secrets import SecretStore
    from kiosk.closeout import SubmitCloseout
    from kiosk.national import GateStatus, GateStatusSource
    from kiosk.national_counts import FetchCounts
    from kiosk.ports import SyncController
    from screens.app import CoordinatorHook, KioskApp
    from sync.client import ApiClient
    from sync.worker import SyncWorker

# Sync starts this long after the App: building it imports the HTTP stack, which would
# otherwise compete with the first screen for the interpreter (see sync.deferred).
SYNC_START_DELAY_S = 2.0


def sync_controller(services: Services, secrets: SecretStore) -> SyncController | None:
    """The background sync when `[api]` is configured (None for an offline-only device).

    The worker itself (and the HTTP stack it imports) is built on a thread
    `SYNC_START_DELAY_S` after the App starts it; see `sync.deferred`."""
    if services.config.api is None:
        return None
    from kiosk.models import SyncState
    from sync.deferred import DeferredSync

    pending = services.store.outbox.pending_count()
    initial = SyncState(configured=True, online=True, pending=pending)
    return DeferredSync(
        lambda: background_sync(services, secrets), initial, delay_s=SYNC_START_DELAY_S
    )


def background_sync(services: Services, secrets: SecretStore) -> SyncWorker:
    """The sync worker `kiosk run` starts: the device token and the activity code keys in the
    device's secret store, the one trust keeper and verifier of `services`."""
    worker = sync_worker_for(services, lambda: secrets.device_token, secrets=secrets)
    if worker is None:
        raise RuntimeError("the config has no [api] section")
    return worker


def _client(services: Services, secrets: SecretStore) -> ApiClient:
    """A client made when the coordinator needs one; it declares what this device still has
    to upload (``Pending-Uploads``) like the sync worker's."""
    from sync.client import ApiClient

    api = services.config.api
    assert api is not None
    return ApiClient(
        str(api.url),
        token=secrets.device_token,
        timeout=api.timeout_seconds,
        pending=services.store.outbox.pending_count,
    )


def closeout_submit(services: Services, secrets: SecretStore) -> SubmitCloseout | None:
    """Uploads a close-out with a client made when it is needed (None when offline-only)."""
    if services.config.api is None:
        return None

    def submit(payload: dict[str, object]) -> dict[str, object]:
        from kiosk.closeout import closeout_submitter

        with _client(services, secrets) as client:
            return closeout_submitter(client)(payload)

    return submit


def counts_fetch(services: Services, secrets: SecretStore) -> FetchCounts | None:
    """Fetches the national gate + app counts of an activity (None when offline-only)."""
    if services.config.api is None:
        return None

    def fetch(activity_id: str) -> dict[str, object]:
        with _client(services, secrets) as client:
            return client.activity_counts(activity_id)

    return fetch


def gate_status(services: Services, secrets: SecretStore) -> GateStatusSource | None:
    """The other gates of an activity as the national server sees them (None when
    offline-only): `GET /v1/activities/{id}/devices` without this device."""
    if services.config.api is None:
        return None

    def gates(activity_id: str) -> list[GateStatus]:
        from config.secrets import SERVER_DEVICE_ID

        with _client(services, secrets) as client:
            found = client.activity_devices(activity_id)
        own = secrets.get(SERVER_DEVICE_ID)
        return [g for g in found if g.device_id != own]

    return gates


def coordinator(services: Services, secrets: SecretStore) -> CoordinatorHook:
    """The coordinator's PIN + close-out screens. The PIN gate follows `[coordinator]` and
    keeps its failures and lock-out in the database, so a restart does not reset them."""
    from kiosk.pin import PinGate
    from screens.coordinator import coordinator_hook

    return coordinator_hook(
        pin=PinGate.from_config(
            services.config.coordinator,
            lambda: secrets.pin_hash,
            memory=services.store.pin_lockout,
        ),
        export_dir=Path.home() / "furusato-exports",  # made on the first export
        submit_closeout=closeout_submit(services, secrets),
        gate_status=gate_status(services, secrets),
        fetch_counts=counts_fetch(services, secrets),
    )


@dataclass
class RunningKiosk:
    """The App as `kiosk run` builds it, and what must be released after it ran."""

    app: KioskApp
    services: Services

    def close(self) -> None:
        _release(self.services)


def _release(services: Services) -> None:
    services.close()
    stop_logging()


def build_kiosk(args: argparse.Namespace) -> RunningKiosk:
    """Everything `kiosk run` does before the first frame (the start-up benchmark runs this)."""
    config = read_config(args.config)
    services = build_services(config)
    with contextlib.suppress(OSError):  # a read-only disk must not stop the gate
        setup_from_config(config)
    try:
        from config.secrets import SecretStore
        from kiosk.scan.settings import settings_from_config
        from kiosk.watchdog import Watchdog
        from screens.app import make_app
        from screens.scanning import pipeline_scanner_factory

        secrets = SecretStore(config.device.id)
        codes = None
        if config.api is not None:
            from kiosk.activity_code_keys import ActivityCodes

            codes = ActivityCodes(services.store, secrets)
        app = make_app(
            services,
            scanner_factory=pipeline_scanner_factory(
                config.camera.source, settings_from_config(config)
            ),
            sync=sync_controller(services, secrets),
            language=getattr(args, "language", None),
            coordinator=coordinator(services, secrets),
            heartbeat=Watchdog.from_environment(),
            activity_codes=codes,
        )
    except BaseException:
        _release(services)
        raise
    return RunningKiosk(app, services)


def run(args: argparse.Namespace) -> int:
    kiosk = build_kiosk(args)
    try:
        kiosk.app.run()
    finally:
        kiosk.close()
    return EXIT_OK
