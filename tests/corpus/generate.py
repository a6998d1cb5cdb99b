"""Generate the scan test corpus: camera-like images and short videos of real signed passes.

Deterministic for a seed and a UTC day: the signing key, registrant ids and pass ids come
from the seed, and `iat`/`exp` from the start of the day (passes must be valid today).
Small on purpose: ~50 images and 2 videos, written to a temporary folder at test or
benchmark time rather than committed. Ground truth is returned and written to manifest.json.

    python -m tests.corpus.generate OUT_DIR
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kiosk.scan.render import CodeSpec, Style, render_frame
from kiosk.scan.synthetic import EFFECTS, Shot, random_look
from tests.passkit import PassKit, SigningKey, registrant_id

DAY = 86400


def seeded_kit(seed: int) -> PassKit:
    """A pass kit whose Ed25519 key is derived from `seed` (signatures are deterministic)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    secret = random.Random(seed).randbytes(32)
    return PassKit([SigningKey("corpus-key", Ed25519PrivateKey.from_private_bytes(secret))])


class PassMaker:
    """Deterministic valid passes: ids from `rng`, issued at the start of the current UTC day."""

    def __init__(self, kit: PassKit, rng: random.Random) -> None:
        import time

        self.kit = kit
        self.rng = rng
        self.issued = int(time.time()) // DAY * DAY

    def __call__(self) -> str:
        return self.kit.sign(
            sub=registrant_id(self.rng),
            jti=f"{self.rng.getrandbits(64):016x}",
            iat=self.issued,
            exp=self.issued + 365 * DAY,
        )


SIZES: tuple[tuple[int, int], ...] = ((640, 480), (1280, 720))


@dataclass(frozen=True)
class CorpusImage:
    path: Path
    width: int
    height: int
    effect: str
    payloads: tuple[str, ...]  # expected decodes (empty for a frame without a code)


@dataclass(frozen=True)
class CorpusVideo:
    path: Path
    width: int
    height: int
    fps: float
    frames: int
    registrants: tuple[str, ...]  # passes shown, in order, each exactly once


@dataclass
class Corpus:
    root: Path
    jwks: Path
    kit: PassKit
    images: list[CorpusImage] = field(default_factory=list)
    videos: list[CorpusVideo] = field(default_factory=list)

    def images_of(self, height: int) -> list[CorpusImage]:
        return [image for image in self.images if image.height == height]

    @property
    def expected_codes(self) -> int:
        return sum(len(image.payloads) for image in self.images)

    def manifest(self) -> dict[str, object]:
        def rel(item: CorpusImage | CorpusVideo) -> dict[str, object]:
            data = asdict(item)
            data["path"] = item.path.name
            return data

        return {
            "jwks": self.jwks.name,
            "images": [rel(image) for image in self.images],
            "videos": [rel(video) for video in self.videos],
        }


def _write_image(
    path: Path, codes: list[CodeSpec], size: tuple[int, int], style: Style, seed: int
) -> None:
    import cv2

    image = render_frame(codes, width=size[0], height=size[1], style=style, seed=seed)
    if not cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 92]):
        raise OSError(f"cannot write {path}")


def write_video(
    path: Path,
    shots: list[Shot],
    *,
    width: int,
    height: int,
    fps: float = 30.0,
) -> int:
    """Write shots as an MJPG AVI; returns the number of frames written."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"cannot write video {path}")
    count = 0
    try:
        for shot in shots:
            frame = render_frame(
                shot.codes, width=width, height=height, style=shot.style, seed=shot.seed
            )
            for _ in range(shot.frames):
                writer.write(frame)
                count += 1
    finally:
        writer.release()
    return count


def video_shots(
    passes: list[str], rng: random.Random, *, height: int, hold: int = 12, gap: int = 6
) -> list[Shot]:
    """Each pass held for `hold` frames with a mild look, separated by `gap` empty frames."""
    shots: list[Shot] = [Shot((), Style(noise=3.0), gap, rng.randrange(1 << 30))]
    looks = ("plain", "rotate", "noise", "inverted", "glare", "dark")
    for number, payload in enumerate(passes):
        spec, style = random_look(payload, looks[number % len(looks)], rng, height=height)
        shots.append(Shot((spec,), style, hold, rng.randrange(1 << 30)))
        shots.append(Shot((), Style(noise=3.0), gap, rng.randrange(1 << 30)))
    return shots


def large_and_small(pair: tuple[str, str], rng: random.Random, *, height: int) -> list[CodeSpec]:
    """Two people at once: a phone held close (large code) and one further back (small code).

    The large code decodes on the downscaled pass; the small one needs full resolution."""
    unit = height / 720.0
    large = CodeSpec(
        pair[0],
        module_px=rng.uniform(4.5, 6.0) * unit,
        center=(rng.uniform(0.25, 0.35), rng.uniform(0.4, 0.6)),
        rotation=rng.uniform(-15, 15),
    )
    small = CodeSpec(
        pair[1],
        module_px=rng.uniform(1.9, 2.4) * max(unit, 1.0),
        center=(rng.uniform(0.68, 0.8), rng.uniform(0.35, 0.65)),
        rotation=rng.uniform(-15, 15),
    )
    return [large, small]


def generate(
    out: Path,
    *,
    seed: int = 2026,
    per_effect: int = 2,
    sizes: tuple[tuple[int, int], ...] = SIZES,
    video_passes: int = 4,
    empty_frames: int = 1,
    kit: PassKit | None = None,
) -> Corpus:
    """Write the corpus into `out` (created if needed) and return its ground truth."""
    out.mkdir(parents=True, exist_ok=True)
    kit = kit or seeded_kit(seed)
    rng = random.Random(seed)
    make_pass = PassMaker(kit, random.Random(seed + 7))
    corpus = Corpus(root=out, jwks=kit.write_jwks(out / "jwks.json"), kit=kit)
    for width, height in sizes:
        for effect in EFFECTS:
            for number in range(per_effect):
                payload = make_pass()
                spec, style = random_look(payload, effect, rng, height=height)
                path = out / f"{height}p-{effect}-{number}.jpg"
                _write_image(path, [spec], (width, height), style, rng.randrange(1 << 30))
                corpus.images.append(CorpusImage(path, width, height, effect, (payload,)))
        pair = (make_pass(), make_pass())
        unit = height / 720.0
        codes = [
            CodeSpec(pair[0], module_px=3.4 * unit, center=(0.27, 0.5), rotation=-8),
            CodeSpec(pair[1], module_px=3.4 * unit, center=(0.73, 0.5), rotation=6),
        ]
        path = out / f"{height}p-two-codes.jpg"
        _write_image(path, codes, (width, height), Style(noise=4.0), rng.randrange(1 << 30))
        corpus.images.append(CorpusImage(path, width, height, "two", pair))
        for number in range(empty_frames):
            path = out / f"{height}p-empty-{number}.jpg"
            _write_image(path, [], (width, height), Style(noise=4.0), rng.randrange(1 << 30))
            corpus.images.append(CorpusImage(path, width, height, "empty", ()))
    for width, height in sizes:
        passes = [make_pass() for _ in range(video_passes)]
        path = out / f"video-{height}p.avi"
        frames = write_video(
            path, video_shots(passes, rng, height=height), width=width, height=height
        )
        corpus.videos.append(CorpusVideo(path, width, height, 30.0, frames, tuple(passes)))
    # Added later (issue 18), with their own random stream so the frames above stay the same.
    # Only where the kiosk decodes a downscaled copy first (wider than 800 px): the case in
    # which a large code found there could hide a small one.
    rng = random.Random(seed + 18)
    for width, height in sizes:
        if width <= 800:
            continue
        for number in range(2 * per_effect):
            pair = (make_pass(), make_pass())
            codes = large_and_small(pair, rng, height=height)
            path = out / f"{height}p-large-small-{number}.jpg"
            style = Style(noise=rng.uniform(2, 5), jpeg=rng.choice((0, 85, 92)))
            _write_image(path, codes, (width, height), style, rng.randrange(1 << 30))
            corpus.images.append(CorpusImage(path, width, height, "large-small", pair))
    (out / "manifest.json").write_text(
        json.dumps(corpus.manifest(), indent=1, default=str), encoding="utf-8"
    )
    return corpus


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.corpus.generate OUT_DIR", file=sys.stderr)
        return 2
    corpus = generate(Path(argv[0]))
    print(f"{len(corpus.images)} images, {len(corpus.videos)} videos in {corpus.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
