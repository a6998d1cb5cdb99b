"""`kiosk doctor [--config FILE] [--json] [--play] [--scanner]`: is this device ready before the
gates open? `--scanner` shows a calibration code to scan with the keyboard-wedge scanner.

Exit status: 0 when no check failed (warnings allowed), 1 when a check failed, 2 when the
config itself is missing or invalid (the other checks still run and are reported)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from cli.doctor import Context, Status, render_json, render_text, run_checks, worst
from cli.doctor.scanner import calibrate
from cli.errors import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE
from config.load import CONFIG_FILE_ENV, ConfigError, load_config
from config.schema import KioskConfig


def _secret_store(config: KioskConfig | None) -> Any:
    from config.secrets import SecretStore

    return SecretStore(config.device.id if config else "doctor")


def run(args: argparse.Namespace) -> int:
    path: Path | None = args.config
    if path is None and os.environ.get(CONFIG_FILE_ENV):
        path = Path(os.environ[CONFIG_FILE_ENV])
    config: KioskConfig | None = None
    error: str | None = None
    if path is None:
        error = f"no config file: pass --config FILE or set {CONFIG_FILE_ENV}"
    else:
        try:
            config = load_config(path)
        except ConfigError as exc:
            error = str(exc)
    ctx = Context(
        config=config,
        config_path=path,
        config_error=error,
        environ=os.environ,
        secret_store=lambda: _secret_store(config),
        play_sounds=args.play,
        scanner_scan=calibrate if args.scanner else None,
    )
    outcomes = run_checks(ctx)
    status = worst(outcomes)
    code = EXIT_USAGE if config is None else (EXIT_RUNTIME if status is Status.FAIL else EXIT_OK)
    if args.json:
        text = render_json(
            outcomes,
            device=config.device.id if config else None,
            config=str(path) if path else None,
            exit=code,
        )
    else:
        who = f"device {config.device.id}" if config else "no valid config"
        text = render_text(outcomes, header=f"kiosk doctor — {who}")
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return code
