"""Build a frame source from a spec string (config `camera.source` or `kiosk scan --source`).

Specs:
  "0", "1", ...          camera by index
  "/dev/videoN"          camera by device path
  "synthetic:FILE[?k=v&...]"
                         render the pass strings of FILE (one per line) as a simulated camera;
                         options: size=WxH, fps, hold (frames per pass), gap (empty frames
                         between passes), effects (comma-separated names), seed
  a directory            every image in it, in name order
  any other path         a video file
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

from kiosk.scan.camera import CameraSource, parse_camera_target
from kiosk.scan.frames import FrameSource, SourceError
from kiosk.scan.media import ImageFolderSource, VideoFileSource
from kiosk.scan.settings import ScanSettings
from kiosk.scan.wedge import clean_line

SYNTHETIC_PREFIX = "synthetic:"


class SpecError(ValueError):
    """The source spec is not understood (bad usage: exit status 2)."""


def _synthetic(spec: str, settings: ScanSettings) -> FrameSource:
    from kiosk.scan.synthetic import EFFECTS, SyntheticSource

    body = spec[len(SYNTHETIC_PREFIX) :]
    path_text, _, query = body.partition("?")
    if not path_text:
        raise SpecError("synthetic source needs a file of pass strings: synthetic:FILE")
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = set(options) - {"size", "fps", "hold", "gap", "effects", "seed"}
    if unknown:
        raise SpecError(f"unknown synthetic option(s): {', '.join(sorted(unknown))}")
    try:
        width, height = (int(v) for v in options.get("size", "1280x720").lower().split("x"))
        fps = float(options.get("fps", "30"))
        hold = int(options.get("hold", "15"))
        gap = int(options.get("gap", "8"))
        seed = int(options.get("seed", "0"))
    except ValueError as exc:
        raise SpecError(f"bad synthetic option: {exc}") from None
    effects = tuple(e for e in options.get("effects", ",".join(EFFECTS)).split(",") if e)
    bad = [e for e in effects if e not in EFFECTS]
    if bad:
        raise SpecError(f"unknown effect(s) {', '.join(bad)}; choose from {', '.join(EFFECTS)}")
    if width <= 0 or height <= 0 or fps <= 0 or hold <= 0 or gap < 0:
        raise SpecError("synthetic size, fps and hold must be positive, gap >= 0")
    path = Path(path_text)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SourceError(f"cannot read pass file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SourceError(f"pass file {path} is not UTF-8 text") from None
    passes = [payload for payload in map(clean_line, lines) if payload]
    return SyntheticSource.from_passes(
        passes,
        width=width,
        height=height,
        fps=fps,
        hold_frames=hold,
        gap_frames=gap,
        effects=effects,
        seed=seed,
        realtime=settings.realtime,
    )


def open_source(
    spec: str, settings: ScanSettings | None = None, *, fail_fast: bool = False
) -> FrameSource:
    """The frame source a spec names. Nothing is opened until frames are requested.

    fail_fast: a camera that cannot be opened at all ends the run with SourceError instead of
    retrying forever (batch runs); the kiosk UI leaves it False and shows the state.
    """
    settings = settings or ScanSettings()
    spec = spec.strip()
    if not spec or spec == "-":
        raise SpecError("'-' (wedge lines on stdin) is not a frame source")
    if spec.startswith(SYNTHETIC_PREFIX):
        return _synthetic(spec, settings)
    if parse_camera_target(spec) is not None:
        return CameraSource.open(spec, settings, fail_fast=fail_fast)
    path = Path(spec)
    if path.is_dir():
        return ImageFolderSource(path, fps=settings.image_fps, realtime=settings.realtime)
    return VideoFileSource(path, realtime=settings.realtime)
