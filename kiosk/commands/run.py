"""`kiosk run`: the Textual kiosk, built from the device config (the composition root)."""

from __future__ import annotations

import argparse
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli import EXIT_OK, UsageError
from kiosk.compose import Services, SetupError, build_services, read_config

if TYPE_CHECKING:
    from config.secrets import SecretStore
    from kiosk.closeout import SubmitCloseout
    from kiosk.ports import SyncController
    from screens.app import CoordinatorHook, KioskApp

log = logging.getLogger("kiosk.run")
# Sync starts this long after the App: building it imports the HTTP stack, which would
# otherwise compete with the first screen for the interpreter (see sync.deferred).
SYNC_START_DELAY_S = 2.0


def log_file(services: Services) -> Path:
    """Where the UI logs: the configured folder, else next to the database (never the tty)."""
    config = services.config
    folder = config.logging.directory or Path(config.device.database).parent
    return Path(folder) / "kiosk.log"


def configure_logging(services: Services) -> logging.Handler:
    path = log_file(services)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()  # a read-only disk must not stop the gate
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(services.config.logging.level)
    return handler


def sync_controller(services: Services, secrets: SecretStore) -> SyncController | None:
    """The background sync when `[api]` is configured and the sync package is installed.

    The service itself (and the HTTP stack it imports) is built on a thread
    `SYNC_START_DELAY_S` after the App starts it; see `sync.deferred`."""
    if services.config.api is None or importlib.util.find_spec("sync.service") is None:
        return None
    from kiosk.models import SyncState
    from sync.deferred import DeferredSync

    def build() -> SyncController:
        from sync.service import build_sync_service

        service = build_sync_service(services, secrets)
        if service is None:
            raise RuntimeError("the config has no [api] section")
        return service

    pending = services.store.pending_count()
    initial = SyncState(configured=True, online=True, pending=pending)
    return DeferredSync(build, initial, delay_s=SYNC_START_DELAY_S)


def closeout_submit(services: Services, secrets: SecretStore) -> SubmitCloseout | None:
    """Uploads a close-out with a client made when it is needed (None when offline-only)."""
    api = services.config.api
    if api is None:
        return None

    def submit(payload: dict[str, object]) -> dict[str, object]:
        from kiosk.closeout import closeout_submitter
        from sync.client import ApiClient

        client = ApiClient(str(api.url), token=secrets.device_token, timeout=api.timeout_seconds)
        try:
            return closeout_submitter(client)(payload)
        finally:
            client.close()

    return submit


def coordinator(services: Services, secrets: SecretStore) -> CoordinatorHook | None:
    """The coordinator's PIN + close-out screens, when that package is installed."""
    if importlib.util.find_spec("screens.coordinator") is None:
        return None
    from kiosk.pin import PinGate
    from screens.coordinator import coordinator_hook

    return coordinator_hook(
        pin=PinGate(lambda: secrets.pin_hash),
        export_dir=Path.home(),
        submit_closeout=closeout_submit(services, secrets),
    )


@dataclass
class RunningKiosk:
    """The App as `kiosk run` builds it, and what must be released after it ran."""

    app: KioskApp
    services: Services
    log_handler: logging.Handler

    def close(self) -> None:
        _release(self.services, self.log_handler)


def _release(services: Services, handler: logging.Handler) -> None:
    services.close()
    logging.getLogger().removeHandler(handler)
    handler.close()


def build_kiosk(args: argparse.Namespace) -> RunningKiosk:
    """Everything `kiosk run` does before the first frame (the start-up benchmark runs this)."""
    try:
        config = read_config(args.config)
        services = build_services(config)
    except SetupError as exc:
        raise UsageError(str(exc)) from None
    handler = configure_logging(services)
    try:
        from config.secrets import SecretStore
        from kiosk.scan.settings import settings_from_config
        from kiosk.watchdog import Watchdog
        from screens.app import make_app
        from screens.scanning import pipeline_scanner_factory

        secrets = SecretStore(config.device.id)
        app = make_app(
            services,
            scanner_factory=pipeline_scanner_factory(
                config.camera.source, settings_from_config(config)
            ),
            sync=sync_controller(services, secrets),
            language=getattr(args, "language", None),
            coordinator=coordinator(services, secrets),
            heartbeat=Watchdog.from_environment(),
        )
    except BaseException:
        _release(services, handler)
        raise
    return RunningKiosk(app, services, handler)


def run(args: argparse.Namespace) -> int:
    kiosk = build_kiosk(args)
    try:
        kiosk.app.run()
    finally:
        kiosk.close()
    return EXIT_OK
