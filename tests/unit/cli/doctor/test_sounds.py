"""Doctor check `sounds`: shipped cue files, the sound command's program and files, `--play`."""

from __future__ import annotations

from pathlib import Path

from cli.doctor import Context, Status, run_checks
from cli.doctor.sounds import sound_cues, wav_problem
from cli.main import build_parser
from config.load import load_config
from tests.devices import device_config


def sounds_check(tmp_path: Path, jwks_file: Path, ui: str, *, play: bool = False) -> Context:
    config = load_config(device_config(tmp_path, jwks_file, extra=f"[ui]\n{ui}\n"), environ={})
    return Context(config, None, None, environ={}, play_sounds=play)


def test_the_registered_check_plays_each_cue_through_the_command(
    tmp_path: Path, jwks_file: Path
) -> None:
    played = tmp_path / "played"
    played.mkdir()
    # a real program that reads the file it is given: cp keeps a copy per outcome
    ui = f'sound = "command"\nsound_command = ["cp", "{{sound}}", "{played}/"]'
    (outcome,) = run_checks(sounds_check(tmp_path, jwks_file, ui, play=True), names=["sounds"])
    assert outcome.result.status is Status.OK, outcome.result
    assert "played all three" in outcome.result.summary
    assert sorted(p.name for p in played.iterdir()) == [
        "accepted.wav",
        "duplicate.wav",
        "rejected.wav",
    ]


def test_without_play_nothing_is_played(tmp_path: Path, jwks_file: Path) -> None:
    played = tmp_path / "played"
    played.mkdir()
    ui = f'sound = "command"\nsound_command = ["cp", "{{sound}}", "{played}/"]'
    (outcome,) = run_checks(sounds_check(tmp_path, jwks_file, ui), names=["sounds"])
    assert outcome.result.status is Status.OK
    assert "--play" in outcome.result.summary
    assert list(played.iterdir()) == []


def test_a_player_that_fails_is_reported_with_the_speaker_fix(
    tmp_path: Path, jwks_file: Path
) -> None:
    ctx = sounds_check(tmp_path, jwks_file, 'sound = "command"\nsound_command = ["false"]')
    result = sound_cues(ctx.config, play=True)
    assert result.status is Status.FAIL
    assert result.summary == "playing accepted: exit status 1"
    assert "aplay -l" in result.fix


def test_a_missing_player_is_a_failure(tmp_path: Path, jwks_file: Path) -> None:
    ui = 'sound = "command"\nsound_command = ["no-such-player-furusato", "{sound}"]'
    result = sound_cues(sounds_check(tmp_path, jwks_file, ui).config)
    assert result.status is Status.FAIL
    assert "'no-such-player-furusato' is not installed" in result.summary
    assert "alsa-utils" in result.fix


def test_own_files_named_by_outcome_must_exist(tmp_path: Path, jwks_file: Path) -> None:
    mine = tmp_path / "cues"
    mine.mkdir()
    ui = f'sound = "command"\nsound_command = ["cp", "{mine}/{{outcome}}.wav", "{tmp_path}"]'
    result = sound_cues(sounds_check(tmp_path, jwks_file, ui).config)
    assert result.status is Status.FAIL
    assert f"{mine}/accepted.wav is missing" in result.summary
    assert f"{mine}/rejected.wav is missing" in result.summary
    for name in ("accepted", "duplicate", "rejected"):
        (mine / f"{name}.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVE")  # a header, no audio
    result = sound_cues(sounds_check(tmp_path, jwks_file, ui).config)
    assert result.status is Status.FAIL
    assert "not a valid WAV file" in result.summary


def test_bell_and_off_need_no_program(tmp_path: Path, jwks_file: Path) -> None:
    bell = sound_cues(sounds_check(tmp_path, jwks_file, 'sound = "bell"').config, play=True)
    assert bell.status is Status.OK
    assert "terminal bell" in bell.summary
    off = sound_cues(sounds_check(tmp_path, jwks_file, 'sound = "off"').config)
    assert off.status is Status.OK
    assert "silent" in off.summary
    assert sound_cues(None).status is Status.OK  # no config: the default bell


def test_wav_problem_names_what_is_wrong(tmp_path: Path) -> None:
    assert wav_problem(tmp_path / "none.wav") == f"{tmp_path / 'none.wav'} is missing"
    junk = tmp_path / "junk.wav"
    junk.write_text("not audio", encoding="utf-8")
    assert "not a valid WAV file" in (wav_problem(junk) or "")


def test_doctor_takes_play() -> None:
    assert build_parser().parse_args(["doctor", "--play"]).play is True
    assert build_parser().parse_args(["doctor"]).play is False
