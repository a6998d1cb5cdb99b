"""What the scan screen needs from a camera pipeline, and the adapter to `kiosk.scan`.

The pipeline runs on its own thread (a Textual thread worker started by the scan screen). It
decides every code through the CheckinService and reports through two callbacks that the
screen turns into messages with `post_message`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from kiosk.checkins import CheckinService
from kiosk.models import CheckinResult
from kiosk.scan.frames import FrameSource, SourceState, StateCallback
from kiosk.scan.settings import ScanSettings

ResultCallback = Callable[[CheckinResult], None]

PROBLEM_STATES = frozenset(
    {SourceState.NOT_FOUND, SourceState.BUSY, SourceState.RECONNECTING, SourceState.FAILED}
)


class Scanner(Protocol):
    """A camera pipeline bound to a check-in service."""

    def run(
        self, stop: threading.Event, on_result: ResultCallback, on_state: StateCallback
    ) -> None:
        """Scan until `stop` is set or the source ends; never call into the UI directly."""


ScannerFactory = Callable[[CheckinService], Scanner]
"""Builds a scanner for the service of the chosen activity (tests pass a synthetic one)."""


class PipelineScanner:
    """Adapts `kiosk.scan.pipeline.ScanPipeline` to `Scanner`.

    The camera stack (cv2, the decoder) is imported on the worker thread when scanning
    starts, so it never delays the first frame of the UI. `source` is a frame source or a
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

    def run(
        self, stop: threading.Event, on_result: ResultCallback, on_state: StateCallback
    ) -> None:
        import logging

        from kiosk.scan.pipeline import ScanPipeline

        log = logging.getLogger(__name__)
        source = self.source() if callable(self.source) else self.source
        pipeline = ScanPipeline(
            source,
            self.service,
            settings=self.settings,
            on_result=on_result,
            on_state=on_state,
            on_error=lambda exc: log.warning("scan pipeline: %s", exc),
        )
        pipeline.start()
        try:
            while pipeline.running and not stop.wait(0.1):
                pass
        finally:
            pipeline.stop()


def pipeline_scanner_factory(spec: str, settings: ScanSettings | None = None) -> ScannerFactory:
    """A ScannerFactory for a source spec (`camera.source` of the config)."""

    def open_spec() -> FrameSource:
        from kiosk.scan.sources import open_source  # cv2 loads on the camera thread

        return open_source(spec, settings)

    def factory(service: CheckinService) -> Scanner:
        return PipelineScanner(service, open_spec, settings)

    return factory
