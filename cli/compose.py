"""Build the kiosk's services from a validated config: the one composition path.

Every command, the UI, the demo, the tests and the benchmarks build through here, so each
service exists once per process: one store, one pass verifier (the config's trust list and
revocations file plus every revocation pulled before, then the last good signed trust statement
when an anchor is pinned), one trust keeper feeding it, one clock, one check-in service, and
the sync worker built on top of those same objects.

`[api]` without an anchor pin is allowed (a municipality may not have the anchor file yet), but
such a device never takes pass keys from the network (a trust list the API sends unsigned is not
a trust list), it says so in its log at every start, and `kiosk doctor` warns about it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from cli.errors import SetupError
from config.load import CONFIG_FILE_ENV, ConfigError, load_config
from config.schema import KioskConfig
from kiosk.checkins import CheckinService
from kiosk.clock import Clock, SystemClock, ntp_synchronised, venue_today
from kiosk.passes import PassVerifier, Revocations, TrustListError, load_jwks_file
from kiosk.services import Services
from kiosk.store import DatabaseError, Store, verify_before_open
from kiosk.trust_anchor import TrustAnchorError, configured_pins
from kiosk.trust_keeper import TrustKeeper

if TYPE_CHECKING:
    from collections.abc import Callable

    from kiosk.activity_code_keys import SecretHolder
    from sync.backoff import Waiter
    from sync.worker import SyncWorker

log = logging.getLogger("kiosk.compose")


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


def open_store(config: KioskConfig) -> Store:
    """The device database, checked first: a damaged file stops the kiosk with recovery
    steps instead of taking scans into it."""
    try:
        verify_before_open(config.device.database, quick=True)
        return Store.open(config.device.database, synchronous=config.storage.synchronous)
    except (DatabaseError, OSError) as exc:
        raise SetupError(f"database {config.device.database}: {exc}") from None


def build_trust(config: KioskConfig, store: Store) -> TrustKeeper:
    """The one pass verifier and the trust keeper that feeds it: the config's trust list, its
    revocations file and every revocation pulled before (so they keep applying after a restart
    without network), then the last good signed statement kept in the store, when an anchor
    is pinned and it still verifies (`TrustKeeper.load`)."""
    trust = config.trust
    try:
        pins = configured_pins(trust.anchor_file, trust.anchor_thumbprint)
        keys = load_jwks_file(trust.jwks_file)
        configured = (
            Revocations.load(trust.revocations_file)
            if trust.revocations_file and trust.revocations_file.exists()
            else Revocations()
        )
    except (TrustListError, TrustAnchorError) as exc:
        raise SetupError(str(exc)) from None
    pulled_jti, pulled_sub = store.pulled.revoked()
    revocations = Revocations(configured.jti | pulled_jti, configured.sub | pulled_sub)
    verifier = PassVerifier(keys, revocations, clock_skew_s=trust.clock_skew_seconds)
    keeper = TrustKeeper(store, verifier, pins, configured, clock_skew_s=trust.clock_skew_seconds)
    if config.api is not None and not pins:
        log.warning(
            "[api] is set but no trust anchor is pinned ([trust] anchor_file or"
            " anchor_thumbprint): pass keys are never refreshed from the national API; the"
            " provisioned trust list %s stays in force",
            trust.jwks_file,
        )
    keeper.load()
    return keeper


def build_verifier(config: KioskConfig, store: Store) -> PassVerifier:
    """The one pass verifier (`build_trust` without keeping the keeper)."""
    return build_trust(config, store).verifier


def build_services(
    config: KioskConfig, *, activity_id: str | None = None, clock: Clock | None = None
) -> Services:
    """Store, verifier, clock and the check-in service for the chosen activity (the
    config's `[activity]` unless `activity_id` names another)."""
    chosen = activity_id or (config.activity.id if config.activity else None)
    if chosen is None:
        raise SetupError("no activity: set [activity] in the config or pass --activity ID")
    store = open_store(config)
    try:
        trust = build_trust(config, store)
    except SetupError:
        store.close()
        raise
    verifier = trust.verifier
    name = config.activity.name if config.activity and chosen == config.activity.id else chosen
    store.activities.ensure(chosen, name, venue_today())
    clock = clock or SystemClock(ntp_synchronised())
    checkins = CheckinService(store, verifier, clock, chosen)
    return Services(config, store, verifier, clock, checkins, trust)


def build_sync_worker(
    config: KioskConfig,
    store: Store,
    verifier: PassVerifier,
    clock: Clock,
    token: Callable[[], str | None],
    *,
    trust: TrustKeeper | None = None,
    secrets: SecretHolder | None = None,
    session_id: str | None = None,
    wait: Waiter | None = None,
) -> SyncWorker | None:
    """The background sync on the kiosk's own store, verifier, trust keeper and clock; None
    for an offline-only device. `token` is asked at every pass, so a re-enrollment (e.g.
    `kiosk provision` in another process) is picked up. Activity code keys are pulled into
    `secrets` (none without it). `wait` replaces the real backoff waits."""
    if config.api is None:
        return None
    from kiosk.activity_code_keys import ActivityCodes
    from sync.worker import SyncWorker  # the HTTP stack loads only when sync is built

    return SyncWorker(
        store=store,
        verifier=verifier,
        clock=clock,
        api=config.api,
        token=token,
        trust=trust,
        codes=ActivityCodes(store, secrets) if secrets is not None else None,
        session_id=session_id,
        wait=wait,
    )


def sync_worker_for(
    services: Services,
    token: Callable[[], str | None],
    *,
    secrets: SecretHolder | None = None,
    wait: Waiter | None = None,
) -> SyncWorker | None:
    """`build_sync_worker` for built services (the kiosk App, the demo, the tests)."""
    return build_sync_worker(
        services.config,
        services.store,
        services.verifier,
        services.clock,
        token,
        trust=services.trust,
        secrets=secrets,
        session_id=services.checkins.session_id,
        wait=wait,
    )
