"""Headless scanning for `kiosk scan`: decisions from any source, as an iterator."""

from __future__ import annotations

import queue
import time
from collections.abc import Generator, Iterable, Iterator
from typing import TextIO

from kiosk.models import CheckinResult, Method
from kiosk.scan.frames import SourceError
from kiosk.scan.pipeline import DecisionSink, ScanPipeline
from kiosk.scan.settings import ScanSettings
from kiosk.scan.sources import open_source
from kiosk.scan.wedge import iter_wedge_lines

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


def iter_wedge_decisions(
    stream: TextIO | Iterable[str], sink: DecisionSink
) -> Iterator[CheckinResult]:
    """`kiosk scan --source -`: one decision per non-empty line typed by a wedge scanner."""
    for payload in iter_wedge_lines(stream):
        yield sink.submit(payload, Method.WEDGE, captured_at=time.monotonic())
