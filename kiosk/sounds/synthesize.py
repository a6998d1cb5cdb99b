"""Makes the three WAV cues shipped beside this module, deterministically, from plain math.

    python -m kiosk.sounds.synthesize [FOLDER]     # rewrites accepted/duplicate/rejected.wav

The cues are told apart without looking, by pitch and by rhythm, the same rhythm as the
terminal-bell patterns (`screens.sound.BELL_PATTERNS`):

* accepted: one high, bright ring (G6) that fades like a bell;
* duplicate: two medium notes (A5), "already";
* rejected: three short low buzzes (E4 with odd harmonics, a harsher timbre).

16-bit mono at 11,025 Hz keeps each file under 10 KB; every note starts and ends on a short
ramp so no speaker clicks. A test regenerates them and compares with the committed files.
"""

from __future__ import annotations

import math
import sys
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RATE = 11_025
PEAK = 0.7  # of full scale: loud at the gate, no clipping on a cheap USB speaker
RAMP_SECONDS = 0.006


@dataclass(frozen=True, slots=True)
class Note:
    start: float  # seconds from the start of the cue
    seconds: float
    hertz: float
    harmonics: Sequence[tuple[int, float]]  # (multiple of hertz, relative amplitude)
    decay: float  # per second: 0 holds the note, larger fades faster (a bell)


BRIGHT = ((1, 1.0), (2, 0.35))
ROUND = ((1, 1.0), (2, 0.15))
BUZZ = ((1, 1.0), (3, 0.33), (5, 0.2))

CUES: dict[str, tuple[Note, ...]] = {
    "accepted": (Note(0.0, 0.30, 1567.98, BRIGHT, 9.0),),
    "duplicate": (Note(0.0, 0.12, 880.0, ROUND, 4.0), Note(0.22, 0.12, 880.0, ROUND, 4.0)),
    "rejected": tuple(Note(0.14 * i, 0.09, 329.63, BUZZ, 0.0) for i in range(3)),
}


def _sample(note: Note, t: float) -> float:
    ramp = min(1.0, t / RAMP_SECONDS, (note.seconds - t) / RAMP_SECONDS)
    wave_sum = sum(a * math.sin(2 * math.pi * note.hertz * k * t) for k, a in note.harmonics)
    return ramp * math.exp(-note.decay * t) * wave_sum


def samples(notes: Sequence[Note]) -> list[int]:
    """The cue as signed 16-bit samples."""
    spans = [(note, round(note.start * RATE), round(note.seconds * RATE)) for note in notes]
    out = [0.0] * max(first + count for _, first, count in spans)
    for note, first, count in spans:
        for i in range(count):
            out[first + i] += _sample(note, i / RATE)
    scale = PEAK * 32767 / max(abs(v) for v in out)  # every cue equally loud at its peak
    return [round(v * scale) for v in out]


def write_wav(path: Path, values: Sequence[int]) -> None:
    data = b"".join(v.to_bytes(2, "little", signed=True) for v in values)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(data)


def main(argv: Sequence[str]) -> int:
    folder = Path(argv[0]) if argv else Path(__file__).parent
    for name, notes in CUES.items():
        write_wav(folder / f"{name}.wav", samples(notes))
        print(folder / f"{name}.wav")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
