"""The kiosk's services as one typed bundle: what the UI, the sync worker and the commands
receive. Built once per process by the composition root (`cli.compose.build_services`)."""

from __future__ import annotations

from dataclasses import dataclass

from config.schema import KioskConfig
from kiosk.checkins import CheckinService
from kiosk.clock import Clock
from kiosk.passes import PassVerifier
from kiosk.store import Store
from kiosk.trust_keeper import TrustKeeper


@dataclass
class Services:
    config: KioskConfig
    store: Store
    verifier: PassVerifier  # the one verifier: config trust list and revocations + pulled ones
    clock: Clock
    checkins: CheckinService
    trust: TrustKeeper | None = None  # the anchor pin and last good statement feeding `verifier`

    def close(self) -> None:
        self.store.close()
