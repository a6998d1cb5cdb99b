"""`kiosk run`: the Textual kiosk, built from the device config (the composition root)."""

from __future__ import annotations

import argparse
import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli import EXIT_OK, UsageError
from kiosk.compose import Services, SetupError, build_services, read_config

if TYPE_CHECKING:
    from config.secrets import SecretStore
    from kiosk.closeout import SubmitCloseout
    from kiosk.ports import SyncController
    from screens.app import CoordinatorHook

log = logging.getLogger("kiosk.run")


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
    """The background sync when `[api]` is configured and the sync package is installed."""
    if services.config.api is None or importlib.util.find_spec("sync.service") is None:
        return None
    from sync.service import build_sync_service

    return build_sync_service(services, secrets)


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


def run(args: argparse.Namespace) -> int:
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
        app.run()
    finally:
        services.close()
        logging.getLogger().removeHandler(handler)
        handler.close()
    return EXIT_OK
