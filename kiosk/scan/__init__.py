"""Camera scanning: frame sources, QR decoders, debounce and the decode pipeline.

Importing this package is cheap: OpenCV, numpy and the decoder libraries load only when a
source starts or a decoder is built. Public names are resolved lazily on first access.

Typical use from the UI (callbacks run on worker threads; wrap them in `post_message`)::

    source = open_source(config.camera.source, settings)     # camera, file, folder, synthetic:
    pipeline = ScanPipeline(
        source, checkin_service, settings=settings,
        on_result=lambda r: app.post_message(Scanned(r)),
        on_state=lambda state, detail: app.post_message(CameraState(state, detail)),
    )
    pipeline.start()            # returns at once; the pipeline runs on its own two threads
    pipeline.request_stop()     # on exit or suspend: returns at once, releases the camera;
                                # on_state(STOPPED) / the `finished` event say when it has

Headless (`kiosk scan`): `for result in iter_decisions(spec, service, settings=...): ...`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.scan.camera import CameraSource
    from kiosk.scan.debounce import Debouncer
    from kiosk.scan.decoders import Decoder, PyzbarDecoder, ZxingDecoder, make_decoder
    from kiosk.scan.frame_decoder import FrameDecoder
    from kiosk.scan.frames import Frame, FrameDemand, FrameSource, SourceError, SourceState
    from kiosk.scan.idle import IdleSchedule
    from kiosk.scan.media import ImageFolderSource, VideoFileSource
    from kiosk.scan.pipeline import DecisionSink, ScanPipeline
    from kiosk.scan.render import CodeSpec, Style
    from kiosk.scan.runner import iter_decisions, iter_wedge_decisions
    from kiosk.scan.settings import Backend, ScanSettings
    from kiosk.scan.sources import SpecError, open_source
    from kiosk.scan.synthetic import LiveFeed, Shot, SyntheticSource
    from kiosk.scan.wedge import WedgeKeyBuffer, iter_wedge_lines

_EXPORTS = {
    "Backend": "settings",
    "CameraSource": "camera",
    "CodeSpec": "render",
    "DecisionSink": "pipeline",
    "Debouncer": "debounce",
    "Decoder": "decoders",
    "Frame": "frames",
    "FrameDecoder": "frame_decoder",
    "FrameDemand": "frames",
    "FrameSource": "frames",
    "IdleSchedule": "idle",
    "ImageFolderSource": "media",
    "LiveFeed": "synthetic",
    "PyzbarDecoder": "decoders",
    "ScanPipeline": "pipeline",
    "ScanSettings": "settings",
    "Shot": "synthetic",
    "SourceError": "frames",
    "SourceState": "frames",
    "SpecError": "sources",
    "Style": "render",
    "SyntheticSource": "synthetic",
    "VideoFileSource": "media",
    "WedgeKeyBuffer": "wedge",
    "ZxingDecoder": "decoders",
    "iter_decisions": "runner",
    "iter_wedge_decisions": "runner",
    "iter_wedge_lines": "wedge",
    "make_decoder": "decoders",
    "open_source": "sources",
}

__all__ = [
    "Backend",
    "CameraSource",
    "CodeSpec",
    "Debouncer",
    "DecisionSink",
    "Decoder",
    "Frame",
    "FrameDecoder",
    "FrameDemand",
    "FrameSource",
    "IdleSchedule",
    "ImageFolderSource",
    "LiveFeed",
    "PyzbarDecoder",
    "ScanPipeline",
    "ScanSettings",
    "Shot",
    "SourceError",
    "SourceState",
    "SpecError",
    "Style",
    "SyntheticSource",
    "VideoFileSource",
    "WedgeKeyBuffer",
    "ZxingDecoder",
    "iter_decisions",
    "iter_wedge_decisions",
    "iter_wedge_lines",
    "make_decoder",
    "open_source",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kiosk.scan' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"kiosk.scan.{module}"), name)
    globals()[name] = value
    return value
