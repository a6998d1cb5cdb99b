"""Doctor check `sounds`: the gate can sound its three cues.

The shipped WAV files (`kiosk.sounds`) are present, readable and valid; with `[ui] sound =
"command"` the command's program is installed and every file it names exists; with
`kiosk doctor --play` each cue is played once through that command (listen for one high ring,
two medium notes, three low buzzes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path

from cli.doctor import Context, Result, check, fail, ok
from config.schema import KioskConfig
from kiosk.models import Outcome
from kiosk.sounds import OUTCOME, SOUND, cue_path, resolve_command

FIX_REINSTALL = "reinstall the kiosk: the cues ship in its wheel (kiosk/sounds/*.wav)"
FIX_SPEAKER = (
    "check the speaker: `aplay -l` must list a sound card, raise the volume with `alsamixer`,"
    " and the kiosk user must be in group audio (`sudo usermod -aG audio furusato-kiosk`)"
)
PLAY_SECONDS = 5.0  # one cue is under half a second; a stuck sound device is not


def timeout(ctx: Context) -> float:
    return 3 * PLAY_SECONDS + 3.0 if ctx.play_sounds else 5.0


def wav_problem(path: Path) -> str | None:
    """Why `path` cannot be played as a WAV cue, or None."""
    if not path.is_file():
        return f"{path} is missing"
    if not os.access(path, os.R_OK):
        return f"{path} is not readable by this user"
    try:
        with wave.open(str(path), "rb") as cue:
            if cue.getnframes() == 0:
                return f"{path} is empty"
    except (wave.Error, EOFError, OSError) as exc:
        return f"{path} is not a valid WAV file ({exc})"
    return None


def named_files(template: Sequence[str], outcome: Outcome) -> list[Path]:
    """The files a sound command names for `outcome`: its filled-in placeholders with a `/`."""
    filled = resolve_command(template, outcome)
    return [
        Path(arg)
        for arg, part in zip(filled, template, strict=True)
        if (SOUND in part or OUTCOME in part) and "/" in arg
    ]


def sound_cues(config: KioskConfig | None, *, play: bool = False) -> Result:
    problems = [p for o in Outcome if (p := wav_problem(cue_path(o))) is not None]
    if problems:
        return fail("; ".join(problems), FIX_REINSTALL)
    mode = config.ui.sound if config else "bell"
    if mode != "command" or config is None:
        how = "terminal bell patterns" if mode == "bell" else "silent"
        return ok(f"cue files ok; [ui] sound = {mode!r} ({how})", mode=mode)
    template = config.ui.sound_command
    program = shutil.which(template[0])
    if program is None:
        return fail(
            f"sound command {template[0]!r} is not installed",
            "install it (aplay: `sudo apt-get install alsa-utils`) or change [ui] sound_command",
        )
    missing = [
        problem
        for outcome in Outcome
        for path in named_files(template, outcome)
        if (problem := wav_problem(path)) is not None
    ]
    if missing:
        return fail(
            "; ".join(dict.fromkeys(missing)),
            "correct [ui] sound_command: {sound} is the shipped cue, {outcome} the outcome name",
        )
    summary = f"{program} plays the accepted, duplicate and rejected cues"
    if not play:
        return ok(f"{summary} (files ok; `kiosk doctor --play` plays them)", program=program)
    for outcome in Outcome:
        argv = resolve_command(template, outcome)
        try:
            done = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=PLAY_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return fail(f"playing {outcome.value}: {exc}", FIX_SPEAKER)
        if done.returncode != 0:
            said = (done.stderr.strip().splitlines() or [""])[-1][:120]
            return fail(
                f"playing {outcome.value}: exit status {done.returncode} {said}".rstrip(),
                FIX_SPEAKER,
            )
    return ok(f"{summary}: played all three", program=program, played=True)


@check("sounds", timeout=timeout)
def sounds(ctx: Context) -> Result:
    return sound_cues(ctx.config, play=ctx.play_sounds)
