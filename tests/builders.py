"""Kiosk services on temp files, built the way every command builds them.

`checkin_service` writes nothing but a validated device config in memory and hands it to
`cli.compose.build_services`: the same store, verifier and check-in service `kiosk run` and
`kiosk scan` use, for tests and benchmarks that need only the gate's core."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cli.compose import build_services
from config.schema import KioskConfig
from config.validation import validate
from kiosk.checkins import CheckinService
from kiosk.clock import Clock, SystemClock


def device_config(
    database: Path,
    jwks_file: Path,
    activity_id: str,
    revocations_file: Path | None = None,
    *,
    activity_name: str | None = None,
    synchronous: str = "FULL",
    organisation: str = "",
    ui: Mapping[str, object] | None = None,
) -> KioskConfig:
    """A valid device config for a database and a trust list (Gate 1 of municipality
    131016), validated as `kiosk` validates a config file."""
    trust: dict[str, Any] = {"jwks_file": str(jwks_file)}
    if revocations_file is not None:
        trust["revocations_file"] = str(revocations_file)
    device = {"id": "kiosk-test-01", "name": "Gate 1", "municipality": "131016"}
    if organisation:
        device["organisation"] = organisation
    return validate(
        KioskConfig,
        {
            "device": {**device, "database": str(database)},
            "trust": trust,
            "activity": {"id": activity_id, "name": activity_name or activity_id},
            "storage": {"synchronous": synchronous},
            "ui": dict(ui or {}),
        },
    )


def checkin_service(
    database: Path,
    jwks_file: Path,
    activity_id: str,
    revocations_file: Path | None = None,
    *,
    clock: Clock | None = None,
    activity_name: str | None = None,
    synchronous: str = "FULL",
) -> CheckinService:
    """The check-in service of a kiosk on `database`, deciding for `activity_id`."""
    config = device_config(
        database,
        jwks_file,
        activity_id,
        revocations_file,
        activity_name=activity_name,
        synchronous=synchronous,
    )
    return build_services(config, clock=clock or SystemClock()).checkins
