"""Render pass strings into camera-like frames: placement, rotation, perspective, blur, motion
blur, noise, glare, dark scenes and dark-mode (inverted) codes. Deterministic for a seed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Image = npt.NDArray[Any]
    Floats = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class CodeSpec:
    """One QR code in a frame.

    module_px: size of one QR module on screen, in frame pixels (before perspective).
    center: code centre as fractions of frame width and height.
    rotation: in-plane rotation in degrees.
    tilt: out-of-plane rotation in degrees (perspective), about an in-plane axis at `tilt_axis`
      degrees.
    inverted: dark-mode phone: light modules on a dark screen.
    """

    payload: str | bytes
    module_px: float = 4.0
    center: tuple[float, float] = (0.5, 0.5)
    rotation: float = 0.0
    tilt: float = 0.0
    tilt_axis: float = 0.0
    inverted: bool = False
    error: str = "m"


@dataclass(frozen=True, slots=True)
class Style:
    """Whole-frame photometric effects (applied in this order)."""

    brightness: float = 1.0  # < 1: dark scene
    contrast: float = 1.0
    glare: float = 0.0  # peak added intensity 0..255 of a specular spot
    glare_center: tuple[float, float] = (0.5, 0.5)
    glare_radius: float = 0.15  # fraction of frame height
    blur: float = 0.0  # gaussian sigma in pixels
    motion: int = 0  # motion-blur length in pixels
    motion_angle: float = 0.0  # degrees
    noise: float = 0.0  # gaussian noise sigma
    jpeg: int = 0  # re-encode at this JPEG quality (0 = no)


def qr_modules(payload: str | bytes, error: str = "m", quiet: int = 4) -> Image:
    """The QR symbol as a (n, n) uint8 array, 1 = dark module, with a quiet zone.

    The mask pattern is picked from a hash of the payload instead of segno's penalty search
    (5x faster; any of the 8 masks is a valid QR code and decoders do not care).
    """
    import zlib

    import numpy as np
    import segno

    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    qr = segno.make(payload, error=error, micro=False, boost_error=False, mask=zlib.crc32(data) % 8)
    matrix = np.array(qr.matrix, dtype=np.uint8)
    padded: Image = np.pad(matrix, quiet, constant_values=0)
    return padded


def _background(width: int, height: int, rng: np.random.Generator) -> Floats:
    """A soft, cluttered scene (drawn at quarter size, then enlarged: it is blurry anyway)."""
    import cv2
    import numpy as np

    small_w, small_h = max(8, width // 4), max(8, height // 4)
    base = rng.uniform(60, 190, size=3).astype(np.float32)
    ys = np.linspace(-1.0, 1.0, small_h, dtype=np.float32)[:, None, None]
    xs = np.linspace(-1.0, 1.0, small_w, dtype=np.float32)[None, :, None]
    slope = rng.uniform(-40, 40, size=(2, 3)).astype(np.float32)
    canvas = np.empty((small_h, small_w, 3), np.float32)
    canvas[...] = base + xs * slope[0] + ys * slope[1]
    for _ in range(int(rng.integers(3, 8))):
        x0, y0 = int(rng.integers(0, small_w)), int(rng.integers(0, small_h))
        w = int(rng.integers(small_w // 10, small_w // 2))
        h = int(rng.integers(small_h // 10, small_h // 2))
        color = tuple(float(c) for c in rng.uniform(30, 230, size=3))
        cv2.rectangle(canvas, (x0, y0), (x0 + w, y0 + h), color, thickness=-1)
    blurred: Floats = cv2.GaussianBlur(canvas, (0, 0), 0.75)
    result: Floats = cv2.resize(blurred, (width, height), interpolation=cv2.INTER_LINEAR)
    return result


def _corners(spec: CodeSpec, side: float, width: int, height: int) -> Floats:
    """Destination corners of the code after rotation, tilt and a pinhole projection."""
    import numpy as np

    half = side / 2.0
    local = np.array(
        [[-half, -half, 0], [half, -half, 0], [half, half, 0], [-half, half, 0]], float
    )
    axis_angle = math.radians(spec.tilt_axis)
    axis = np.array([math.cos(axis_angle), math.sin(axis_angle), 0.0])
    theta = math.radians(spec.tilt)
    # Rodrigues rotation about the in-plane axis (out-of-plane tilt).
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    tilt = np.eye(3) + math.sin(theta) * k + (1 - math.cos(theta)) * (k @ k)
    phi = math.radians(spec.rotation)
    spin = np.array(
        [[math.cos(phi), -math.sin(phi), 0], [math.sin(phi), math.cos(phi), 0], [0, 0, 1]]
    )
    points = local @ (spin @ tilt).T
    focal = 1.2 * max(width, height)
    scale = focal / (focal + points[:, 2])
    cx, cy = spec.center[0] * width, spec.center[1] * height
    projected = np.stack([cx + points[:, 0] * scale, cy + points[:, 1] * scale], axis=1)
    corners: Floats = projected.astype(np.float32)
    return corners


def _place_code(canvas: Floats, spec: CodeSpec) -> None:
    import cv2
    import numpy as np

    height, width = canvas.shape[:2]
    modules = qr_modules(spec.payload, spec.error)
    n = modules.shape[0]
    bezel = max(2, n // 12)  # phone bezel around the screen, in modules
    screen = np.where(modules == 1, 0.0, 255.0).astype(np.float32)
    if spec.inverted:
        screen = 255.0 - screen
        screen *= 0.92  # dark-mode screens are not pure white
        screen += 20.0
    framed = np.pad(screen, bezel, constant_values=35.0)
    scale = max(1, math.ceil(spec.module_px))
    texture = np.ascontiguousarray(np.kron(framed, np.ones((scale, scale), np.float32)))
    side = framed.shape[0] * spec.module_px
    dst = _corners(spec, side, width, height)
    size = float(texture.shape[0])
    src = np.array([[0, 0], [size, 0], [size, size], [0, size]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(texture, matrix, (width, height), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(
        np.ones_like(texture), matrix, (width, height), flags=cv2.INTER_LINEAR
    )
    alpha = mask[:, :, None]
    canvas *= 1.0 - alpha
    canvas += warped[:, :, None] * alpha


def _add_glare(canvas: Floats, style: Style) -> Floats:
    """A specular spot: a gaussian bump of `style.glare` added within 3 radii of its centre."""
    import numpy as np

    height, width = canvas.shape[:2]
    gx, gy = style.glare_center[0] * width, style.glare_center[1] * height
    radius = max(1.0, style.glare_radius * height)
    x0, x1 = max(0, int(gx - 3 * radius)), min(width, int(gx + 3 * radius) + 1)
    y0, y1 = max(0, int(gy - 3 * radius)), min(height, int(gy + 3 * radius) + 1)
    if x0 >= x1 or y0 >= y1:
        return canvas
    ys = np.arange(y0, y1, dtype=np.float32)[:, None]
    xs = np.arange(x0, x1, dtype=np.float32)[None, :]
    spot = style.glare * np.exp(-((xs - gx) ** 2 + (ys - gy) ** 2) / (2 * radius**2))
    canvas[y0:y1, x0:x1] += spot[:, :, None]
    return canvas


def _apply_style(canvas: Floats, style: Style, rng: np.random.Generator) -> Image:
    import cv2
    import numpy as np

    height, width = canvas.shape[:2]
    if style.contrast != 1.0 or style.brightness != 1.0:
        canvas = (canvas - 128.0) * style.contrast + 128.0
        canvas *= style.brightness
    if style.glare > 0:
        canvas = _add_glare(canvas, style)
    if style.blur > 0:
        canvas = cv2.GaussianBlur(canvas, (0, 0), style.blur)
    if style.motion > 1:
        length = int(style.motion)
        line: Floats = np.zeros((length, length), np.float32)
        line[length // 2, :] = 1.0
        rotation = cv2.getRotationMatrix2D(
            ((length - 1) / 2, (length - 1) / 2), style.motion_angle, 1.0
        )
        kernel: Floats = cv2.warpAffine(line, rotation, (length, length))
        kernel /= max(float(kernel.sum()), 1e-6)
        canvas = cv2.filter2D(canvas, -1, kernel)
    if style.noise > 0:  # sensor noise, mostly luminance: one plane shared by the channels
        noise = rng.standard_normal((height, width), dtype=np.float32)
        noise *= style.noise
        canvas = canvas + noise[:, :, None]
    np.clip(canvas, 0, 255, out=canvas)
    image: Image = canvas.astype(np.uint8)
    if style.jpeg:
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, style.jpeg])
        decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR) if ok else None
        if decoded is not None:
            image = decoded
    return image


def render_frame(
    codes: Sequence[CodeSpec],
    *,
    width: int = 1280,
    height: int = 720,
    style: Style | None = None,
    seed: int = 0,
    background: Image | None = None,
) -> Image:
    """A BGR uint8 frame showing `codes` (possibly none) on a random cluttered background,
    or on `background` (a BGR uint8 scene of this size: codes entering the same scene)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    if background is not None:
        if background.shape != (height, width, 3):
            raise ValueError(f"background must be {height}x{width} BGR")
        canvas: Floats = background.astype(np.float32)
    else:
        canvas = _background(width, height, rng)
    for spec in codes:
        _place_code(canvas, spec)
    return _apply_style(canvas, style or Style(), rng)
