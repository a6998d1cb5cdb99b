"""Tunable knobs of the scan pipeline, one frozen value shared by sources, decoders and CLI."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Backend(StrEnum):
    """QR decoding library. See `kiosk.scan.decoders` for why zxing-cpp is the default."""

    ZXING = "zxing"
    PYZBAR = "pyzbar"


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """Everything the camera pipeline can be tuned with.

    - backend: QR decoder library.
    - downscale_width: frames wider than this are first decoded at this width (cheap); the
      full-resolution frame is tried only when the small pass finds nothing. 0 disables.
    - rearm_s: the same payload seen again within this many seconds of its last sighting is
      not submitted again (a held code yields one decision, not thirty).
    - camera_width / camera_height / camera_fps: requested capture format (0 = driver default).
    - camera_backend: OpenCV capture API name ("any", "v4l2", "gstreamer", "ffmpeg", ...).
    - camera_read_timeout_s: a read that takes longer marks the camera as hung -> reconnect.
    - reconnect_initial_s / reconnect_max_s: exponential back-off between reopen attempts.
    - realtime: play video files, image folders and synthetic sources at their frame rate
      (False = as fast as possible, lossless, for benchmarks and batch runs).
    - cascade_budget_ms: time bound of the recovery cascade run when a frame yields nothing.
    - cascade_share: on live sources, the cascade's average share of wall-clock time (bounds
      a moving scene without a code; a held code still gets recovery attempts every few frames).
    - idle_settle_s: after this long without change in the scene and without a code, the scene
      is idle: frames that do not differ from it are compared, not decoded (0 = decode every
      frame). See `kiosk.scan.idle`.
    - idle_refresh_s: while idle, one frame per this interval is decoded anyway.
    - idle_every: while idle, the source delivers only every n-th frame (1 = all). 2 keeps a
      code that appears decided on the first or second frame showing it.
    - image_fps: frame rate used to pace an image folder.
    """

    backend: Backend = Backend.ZXING
    downscale_width: int = 640
    rearm_s: float = 3.0
    camera_width: int = 1280
    camera_height: int = 720
    camera_fps: float = 30.0
    camera_backend: str = "any"
    camera_read_timeout_s: float = 2.0
    reconnect_initial_s: float = 0.5
    reconnect_max_s: float = 5.0
    realtime: bool = True
    cascade_budget_ms: float = 30.0
    cascade_share: float = 0.25
    idle_settle_s: float = 1.0
    idle_refresh_s: float = 1.0
    idle_every: int = 2
    image_fps: float = 30.0

    def __post_init__(self) -> None:
        if self.downscale_width < 0:
            raise ValueError("downscale_width must be >= 0")
        if self.rearm_s < 0:
            raise ValueError("rearm_s must be >= 0")
        if self.camera_read_timeout_s <= 0:
            raise ValueError("camera_read_timeout_s must be > 0")
        if self.reconnect_initial_s <= 0 or self.reconnect_max_s < self.reconnect_initial_s:
            raise ValueError("reconnect back-off must satisfy 0 < initial <= max")
        if self.cascade_budget_ms < 0:
            raise ValueError("cascade_budget_ms must be >= 0")
        if not 0 < self.cascade_share <= 1:
            raise ValueError("cascade_share must be in (0, 1]")
        if self.idle_settle_s < 0 or self.idle_refresh_s <= 0 or self.idle_every < 1:
            raise ValueError("idle_settle_s >= 0, idle_refresh_s > 0, idle_every >= 1 required")
        if self.image_fps <= 0 or self.camera_fps < 0:
            raise ValueError("frame rates must be positive")


def settings_from_config(
    service_config: Any = None, *, backend: str | None = None, realtime: bool = True
) -> ScanSettings:
    """ScanSettings from a device config's `[camera]` and `[decoder]` sections.

    Duck-typed (any object with `camera` / `decoder` attributes, e.g. `config.KioskConfig`) so
    the scan package does not depend on the config package. `backend` overrides the decoder
    backend (the `kiosk scan --backend` flag).
    """
    defaults = ScanSettings()
    camera = getattr(service_config, "camera", None)
    decoder = getattr(service_config, "decoder", None)

    def pick(section: Any, name: str, fallback: Any) -> Any:
        value = getattr(section, name, None) if section is not None else None
        return fallback if value is None else value

    return ScanSettings(
        backend=Backend(backend or pick(decoder, "backend", defaults.backend)),
        downscale_width=int(pick(decoder, "downscale_width", defaults.downscale_width)),
        rearm_s=float(pick(decoder, "rearm_seconds", defaults.rearm_s)),
        cascade_budget_ms=float(pick(decoder, "cascade_budget_ms", defaults.cascade_budget_ms)),
        camera_width=int(pick(camera, "width", defaults.camera_width)),
        camera_height=int(pick(camera, "height", defaults.camera_height)),
        camera_fps=float(pick(camera, "fps", defaults.camera_fps)),
        camera_backend=str(pick(camera, "backend", defaults.camera_backend)),
        camera_read_timeout_s=float(
            pick(camera, "read_timeout_seconds", defaults.camera_read_timeout_s)
        ),
        realtime=realtime,
    )
