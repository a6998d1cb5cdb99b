"""What the scan screen needs from a camera pipeline, and the adapter to `kiosk.scan`.

The pipeline runs on threads of its own (`ScanPipeline`: capture + decode); the screen only
starts and stops it. It decides every code through the CheckinService and reports through
two callbacks that the screen turns into messages with `post_message`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from kiosk.checkins import CheckinService
from kiosk.models import CheckinResult
from kiosk.scan.frames import FrameSource, SourceState, StateCallback
from kiosk.scan.settings import ScanSettings

if TYPE_CHECKING:
    from kiosk.scan.pipeline import ScanPipeline

ResultCallback = Callable[[CheckinResult], None]

PROBLEM_STATES = frozenset(
    {SourceState.NOT_FOUND, SourceState.BUSY, SourceState.RECONNECTING, SourceState.FAILED}
)

log = logging.getLogger(__name__)


class Scanner(Protocol):
    """A camera pipeline bound to a check-in service, running on threads of its own."""

    def start(self, on_result: ResultCallback, on_state: StateCallback) -> None:
        """Start scanning and return at once. The callbacks run on the scanner's threads
        (never call into the UI from them); the end is reported as STOPPED or FAILED."""

    def stop(self) -> None:
        """Ask the scanner to stop and return at once (it releases the camera itself)."""


ScannerFactory = Callable[[CheckinService], Scanner]
"""Builds a scanner for the service of the chosen activity (tests pass a synthetic one)."""


class PipelineScanner:
    """Adapts `kiosk.scan.pipeline.ScanPipeline` to `Scanner`.

    OpenCV and the decoder library load on the pipeline's own threads when they first need
    them, so starting never delays a frame of the UI. `source` is a frame source or a
    zero-argument callable building one (tests pass a synthetic source).
    """

    def __init__(
        self,
        service: CheckinService,
        source: FrameSource | Callable[[], FrameSource],
        settings: ScanSettings | None = None,
    ) -> None:
        self.service = service
        self.source = source
        self.settings = settings
        self.pipeline: ScanPipeline | None = None

    def start(self, on_result: ResultCallback, on_state: StateCallback) -> None:
        from kiosk.scan.pipeline import ScanPipeline

        if self.pipeline is not None:
            raise RuntimeError("scanner already started")
        source = self.source() if callable(self.source) else self.source
        self.pipeline = ScanPipeline(
            source,
            self.service,
            settings=self.settings,
            on_result=on_result,
            on_state=on_state,
            on_error=lambda exc: log.warning("scan pipeline: %s", exc),
        )
        self.pipeline.start()

    def stop(self) -> None:
        if self.pipeline is not None:
            self.pipeline.request_stop()


def pipeline_scanner_factory(spec: str, settings: ScanSettings | None = None) -> ScannerFactory:
    """A ScannerFactory for a source spec (`camera.source` of the config)."""

    def open_spec() -> FrameSource:
        from kiosk.scan.sources import open_source  # cv2 loads on the camera thread

        return open_source(spec, settings)

    def factory(service: CheckinService) -> Scanner:
        return PipelineScanner(service, open_spec, settings)

    return factory
