"""The shipped sound cues: real files the Pi example's command plays, valid, short, distinct."""

from __future__ import annotations

import itertools
import wave
from pathlib import Path

import pytest

from config.load import load_config
from kiosk.models import Outcome
from kiosk.sounds import cue_path, resolve_command
from kiosk.sounds.synthesize import CUES, RATE, samples
from screens.sound import command_for, run_sound_command

PI_EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "examples" / "pi-beach-cleanup.toml"


def frames(path: Path) -> list[int]:
    with wave.open(str(path), "rb") as cue:
        data = cue.readframes(cue.getnframes())
    return [int.from_bytes(data[i : i + 2], "little", signed=True) for i in range(0, len(data), 2)]


def bursts(values: list[int], *, quiet: int = 300, gap_seconds: float = 0.03) -> list[list[int]]:
    """The stretches of sound separated by more than `gap_seconds` of near-silence."""
    loud = [i for i, value in enumerate(values) if abs(value) > quiet]
    gap = int(gap_seconds * RATE)
    starts = [loud[0]] + [b for a, b in itertools.pairwise(loud) if b - a > gap]
    ends = [a for a, b in itertools.pairwise(loud) if b - a > gap] + [loud[-1]]
    return [values[a : b + 1] for a, b in zip(starts, ends, strict=True)]


def pitch(values: list[int]) -> float:
    """Fundamental frequency (Hz) from sign changes: two per period."""
    crossings = sum(1 for a, b in itertools.pairwise(values) if (a < 0) != (b < 0))
    return crossings / 2 / (len(values) / RATE)


def test_the_pi_example_command_plays_real_files() -> None:
    config = load_config(PI_EXAMPLE, environ={})
    assert config.ui.sound == "command"
    played = {o: command_for(config.ui.sound_command, o) for o in Outcome}
    for outcome, argv in played.items():
        assert argv[:2] == ["aplay", "-q"]
        path = Path(argv[2])
        assert path.is_absolute()
        assert path.is_file()
        assert path.name == f"{outcome.value}.wav"
    assert len({argv[2] for argv in played.values()}) == 3


def test_a_sound_command_receives_the_cue_itself(tmp_path: Path) -> None:
    copy = tmp_path / "played.wav"
    run_sound_command(command_for(["cp", "{sound}", str(copy)], Outcome.DUPLICATE))
    assert copy.read_bytes() == cue_path(Outcome.DUPLICATE).read_bytes()


def test_outcome_placeholder_names_your_own_files() -> None:
    template = ["paplay", "--volume=60000", "/srv/gate/{outcome}.wav"]
    assert resolve_command(template, Outcome.REJECTED) == [
        "paplay",
        "--volume=60000",
        "/srv/gate/rejected.wav",
    ]
    assert resolve_command(["true"], Outcome.ACCEPTED) == ["true"]


@pytest.mark.parametrize("outcome", list(Outcome), ids=str)
def test_each_cue_is_a_small_short_wav(outcome: Outcome) -> None:
    path = cue_path(outcome)
    assert path.stat().st_size < 10_000
    with wave.open(str(path), "rb") as cue:
        assert (cue.getnchannels(), cue.getsampwidth(), cue.getframerate()) == (1, 2, RATE)
        seconds = cue.getnframes() / cue.getframerate()
    assert 0.2 <= seconds <= 0.5
    values = frames(path)
    assert max(abs(v) for v in values) > 16_000  # audible, not a silent file
    assert abs(values[0]) < 500
    assert abs(values[-1]) < 500


def test_cues_differ_in_rhythm_and_pitch() -> None:
    shape = {o: bursts(frames(cue_path(o))) for o in Outcome}
    # the same rhythm as the terminal bell patterns: one, two, three
    assert [len(shape[o]) for o in Outcome] == [1, 2, 3]
    pitches = {o: pitch(shape[o][0]) for o in Outcome}
    assert pitches[Outcome.ACCEPTED] > 1.5 * pitches[Outcome.DUPLICATE]
    assert pitches[Outcome.DUPLICATE] > 1.5 * pitches[Outcome.REJECTED]
    assert 1400 < pitches[Outcome.ACCEPTED] < 1750
    assert 250 < pitches[Outcome.REJECTED] < 400


@pytest.mark.parametrize("outcome", list(Outcome), ids=str)
def test_committed_cues_are_what_the_generator_makes(outcome: Outcome) -> None:
    made = samples(CUES[outcome.value])
    shipped = frames(cue_path(outcome))
    assert len(made) == len(shipped)
    # ±1: another machine's libm may round one sine differently in the last place
    assert max(abs(a - b) for a, b in zip(made, shipped, strict=True)) <= 1
