"""Headless scanning for `kiosk scan`: decisions from any source, as an iterator."""

from __future__ import annotations

import queue
import time
from collections.abc import Generator, Iterator
from typing import Protocol

from kiosk.models import CheckinResult, Method, Reason
from kiosk.scan.frames import SourceError
from kiosk.scan.pipeline import DecisionSink, ScanPipeline
from kiosk.scan.settings import ScanSettings
from kiosk.scan.sources import open_source
from kiosk.scan.wedge import LineReader, iter_wedge_lines

_END = object()


def iter_decisions(
    source_spec: str,
    sink: DecisionSink,
    *,
    settings: ScanSettings | None = None,
) -> Generator[CheckinResult, None, None]:
    """Yield one decision per admitted scan from a camera, video, image folder or synthetic feed.

    Ends at end of input; closing the generator early stops the pipeline. Raises `SpecError`
    for a spec that cannot be understood (bad usage) and `SourceError` when the source cannot
    deliver (file missing, camera not found or busy); the camera is released on every exit
    path, including when the caller stops iterating early.
    """
    settings = settings or ScanSettings()
    source = open_source(source_spec, settings, fail_fast=True)
    results: queue.SimpleQueue[object] = queue.SimpleQueue()
    pipeline = ScanPipeline(
        source,
        sink,
        settings=settings,
        on_result=results.put,
        on_finished=lambda: results.put(_END),  # the pipeline's last call
    )
    pipeline.start()
    try:
        while (item := results.get()) is not _END:
            assert isinstance(item, CheckinResult)
            yield item
    finally:
        pipeline.stop()
    if isinstance(pipeline.error, SourceError):
        raise pipeline.error
    if pipeline.error is not None:
        raise SourceError(f"{source.describe()}: {pipeline.error}") from pipeline.error


class LineSink(DecisionSink, Protocol):
    """What wedge lines are decided by (`kiosk.checkins.CheckinService`): a pass string, or
    a line refused before it could be one (too long, not UTF-8)."""

    def refuse(
        self, method: Method, reason: Reason, detail: str = "", captured_at: float | None = None
    ) -> CheckinResult: ...


def iter_wedge_decisions(stream: LineReader, sink: LineSink) -> Iterator[CheckinResult]:
    """`kiosk scan --source -`: one decision per non-empty line of a binary stream (stdin),
    whatever the line holds."""
    for line in iter_wedge_lines(stream):
        captured = time.monotonic()
        if line.refusal is not None:
            yield sink.refuse(Method.WEDGE, line.refusal, line.detail, captured_at=captured)
        else:
            yield sink.submit(line.payload, Method.WEDGE, captured_at=captured)
