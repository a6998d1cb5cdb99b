"""Build the kiosk's services from a validated config (used by every command and the UI)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from config.load import CONFIG_FILE_ENV, ConfigError, load_config
from config.schema import KioskConfig
from kiosk.clock import Clock, SystemClock, ntp_synchronised
from kiosk.database import DatabaseError
from kiosk.doctor.database import verify_before_open
from kiosk.passes import PassVerifier, Revocations, TrustListError, load_jwks_file
from kiosk.service import CheckinService, ensure_activity
from kiosk.store import Store


class SetupError(RuntimeError):
    """The kiosk cannot start: the message says exactly why (exit status 2)."""


def resolve_config_path(path: Path | None) -> Path:
    if path is not None:
        return path
    from_env = os.environ.get(CONFIG_FILE_ENV)
    if from_env:
        return Path(from_env)
    raise SetupError(f"no config file: pass --config FILE or set {CONFIG_FILE_ENV}")


def read_config(path: Path | None) -> KioskConfig:
    try:
        return load_config(resolve_config_path(path))
    except ConfigError as exc:
        raise SetupError(str(exc)) from None


@dataclass
class Services:
    config: KioskConfig
    store: Store
    verifier: PassVerifier
    clock: Clock
    checkins: CheckinService

    def close(self) -> None:
        self.store.close()


def build_services(
    config: KioskConfig, *, activity_id: str | None = None, clock: Clock | None = None
) -> Services:
    try:
        # A damaged file must stop the kiosk with recovery steps, not take scans into it.
        verify_before_open(config.device.database, quick=True)
        store = Store.open(config.device.database, synchronous=config.storage.synchronous)
    except (DatabaseError, OSError) as exc:
        raise SetupError(f"database {config.device.database}: {exc}") from None
    try:
        keys = load_jwks_file(config.trust.jwks_file)
        revocations = (
            Revocations.load(config.trust.revocations_file)
            if config.trust.revocations_file and config.trust.revocations_file.exists()
            else Revocations()
        )
    except TrustListError as exc:
        store.close()
        raise SetupError(str(exc)) from None
    # Revocations pulled earlier keep applying after a restart without network.
    pulled_jti, pulled_sub = store.revoked()
    revocations = Revocations(revocations.jti | pulled_jti, revocations.sub | pulled_sub)
    verifier = PassVerifier(keys, revocations, clock_skew_s=config.trust.clock_skew_seconds)
    chosen = activity_id or (config.activity.id if config.activity else None)
    if chosen is None:
        store.close()
        raise SetupError("no activity: set [activity] in the config or pass --activity ID")
    if config.activity and chosen == config.activity.id:
        ensure_activity(store, chosen, config.activity.name)
    elif store.activity(chosen) is None:
        ensure_activity(store, chosen, chosen)
    clock = clock or SystemClock(ntp_synchronised())
    return Services(config, store, verifier, clock, CheckinService(store, verifier, clock, chosen))
