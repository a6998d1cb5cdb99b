"""The RMO coordinator's screens: PIN, close-out, corrections, audit log, exports.

The App opens them through a hook (`screens.app.CoordinatorHook`, called with the App):

    hook = coordinator_hook(pin=PinGate(secret_store.pin_hash), export_dir=Path.home(),
                            submit_closeout=submit)      # None on an offline-only device
    app = make_app(services, coordinator=hook)

`open_coordinator(context)` builds the same screen from an explicit `CoordinatorContext`
(tests, other hosts). The screen asks for the PIN before it shows or loads anything.

The close-out screen and what it needs (exports, charts) are imported when the coordinator
first opens it, not at start-up: the gate's first frame does not wait for them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from screens.coordinator.context import CoordinatorContext, PinVerifier

if TYPE_CHECKING:
    from collections.abc import Callable

    from kiosk.closeout import SubmitCloseout
    from kiosk.national import GateStatusSource
    from kiosk.national_counts import FetchCounts
    from screens.app import KioskApp
    from screens.coordinator.closeout import CloseoutScreen

__all__ = [
    "CloseoutScreen",
    "CoordinatorContext",
    "PinVerifier",
    "coordinator_hook",
    "open_coordinator",
]


def open_coordinator(context: CoordinatorContext) -> Screen[Any]:
    """The close-out screen for `context` (locked until the PIN dialog is passed)."""
    from screens.coordinator.closeout import CloseoutScreen

    return CloseoutScreen(context)


def __getattr__(name: str) -> type[CloseoutScreen]:
    if name == "CloseoutScreen":  # re-exported without importing it at start-up
        from screens.coordinator.closeout import CloseoutScreen

        return CloseoutScreen
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def coordinator_hook(
    *,
    pin: PinVerifier,
    export_dir: Path,
    submit_closeout: SubmitCloseout | None = None,
    fetch_counts: FetchCounts | None = None,
    operator: str = "coordinator",
    gate_status: GateStatusSource | None = None,
) -> Callable[[KioskApp], Screen[Any]]:
    """A `CoordinatorHook` for `make_app`: builds the screen from the App's own services.
    Closing the day waits for the App's sync service to upload (when it can flush)."""

    def build(app: KioskApp) -> Screen[Any]:
        from kiosk.ports import UploadFlusher

        services = app.services
        device = services.config.device
        sync = app.sync
        context = CoordinatorContext(
            store=services.store,
            clock=app.clock,
            activity_id=lambda: services.checkins.activity_id,
            pin=pin,
            export_dir=export_dir,
            submit_closeout=submit_closeout,
            device=f"{device.name} ({device.id})",
            operator=operator,
            request_sync=sync.trigger if sync is not None else None,
            flush_uploads=sync.flush if isinstance(sync, UploadFlusher) else None,
            gate_status=gate_status,
            fetch_counts=fetch_counts,
            trust_status=services.trust.status if services.trust is not None else None,
        )
        return open_coordinator(context)

    return build
