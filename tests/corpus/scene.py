"""The gate's normal state, an empty camera scene, as frames and as an MJPG clip.

A wall with posters (text in several sizes, a chequered pattern: edges a QR detector may look
at), fixed camera, sensor noise that differs in every frame. Codes can be placed into the same
scene (`with_codes`), so a sequence shows a code entering a still view. Generated at test or
benchmark time; nothing large is committed.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.scan.render import CodeSpec, Style, render_frame

if TYPE_CHECKING:
    import numpy.typing as npt

    Image = npt.NDArray[Any]

CLIP_NOISE = 4.0
"""Sensor noise sigma of a lit indoor scene (grey levels)."""


def wall(width: int = 1280, height: int = 720, seed: int = 1) -> Image:
    """A BGR uint8 wall with posters."""
    import cv2
    import numpy as np

    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    grain = noise.normal(0.0, 6.0, (height, width)).astype(np.float32)
    plaster = cv2.GaussianBlur(grain, (0, 0), 3)
    base = np.full((height, width, 3), (178, 186, 190), np.float32) + plaster[:, :, None]
    image: Image = np.clip(base, 0, 255).astype(np.uint8)
    unit = height / 720.0
    for _ in range(6):
        w, h = int(rng.uniform(120, 320) * unit), int(rng.uniform(160, 380) * unit)
        x, y = rng.randrange(0, width - w), rng.randrange(0, height - h)
        colour = tuple(rng.randrange(20, 240) for _ in range(3))
        cv2.rectangle(image, (x, y), (x + w, y + h), colour, -1)
        cv2.rectangle(image, (x, y), (x + w, y + h), (30, 30, 30), 2)
        ink = (0, 0, 0) if sum(colour) > 380 else (255, 255, 255)
        for line in range(rng.randrange(3, 9)):
            top = y + int((30 + 28 * line) * unit)
            if top > y + h - 10:
                break
            text = "".join(
                rng.choice(string.ascii_uppercase + string.digits + " ") for _ in range(12)
            )
            scale = rng.uniform(0.5, 0.9) * unit
            cv2.putText(image, text, (x + 8, top), cv2.FONT_HERSHEY_SIMPLEX, scale, ink, 2)
        if rng.random() < 0.4:  # a chequered poster
            square = max(4, int(rng.uniform(8, 20) * unit))
            for row, top in enumerate(range(y + 10, min(y + h - square, y + 150), square)):
                for col, left in enumerate(range(x + 10, min(x + w - square, x + 150), square)):
                    if (row + col) % 2 == 0:
                        corner = (left + square - 1, top + square - 1)
                        cv2.rectangle(image, (left, top), corner, (20, 20, 20), -1)
    return image


def with_codes(scene: Image, codes: Sequence[CodeSpec]) -> Image:
    """`scene` showing `codes` (possibly none), without sensor noise."""
    height, width = scene.shape[:2]
    return render_frame(codes, width=width, height=height, style=Style(), background=scene)


def camera_frames(
    view: Image, count: int, *, seed: int = 0, noise: float = CLIP_NOISE
) -> Iterator[Image]:
    """`count` frames of a still `view`: the same picture, different sensor noise in each.

    The noise of each frame is a randomly placed crop of one larger noise field: independent
    enough between frames for a change detector, and ten times cheaper than fresh noise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    height, width = view.shape[:2]
    margin = 64
    field = rng.normal(0.0, noise, (height + margin, width + margin)).astype(np.int16)
    base = view.astype(np.int16)
    for _ in range(count):
        top, left = (int(v) for v in rng.integers(0, margin, size=2))
        frame = base + field[top : top + height, left : left + width, None]
        yield np.clip(frame, 0, 255).astype(np.uint8)


def write_clip(path: Path, frames: Iterator[Image], *, fps: float = 30.0) -> int:
    """Write frames as an MJPG AVI (what a USB camera sends); returns the frame count."""
    import cv2

    writer: Any = None
    count = 0
    try:
        for frame in frames:
            if writer is None:
                size = (frame.shape[1], frame.shape[0])
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, size)
                if not writer.isOpened():
                    raise OSError(f"cannot write video {path}")
            writer.write(frame)
            count += 1
    finally:
        if writer is not None:
            writer.release()
    return count


def write_empty_clip(
    path: Path, frames: int, *, width: int = 1280, height: int = 720, seed: int = 1
) -> int:
    """An MJPG clip of `frames` frames of an empty wall (the empty-scene benchmark's input)."""
    return write_clip(path, camera_frames(wall(width, height, seed), frames, seed=seed))
