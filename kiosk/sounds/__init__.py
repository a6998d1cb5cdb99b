"""The kiosk's sound cues: three short WAV files installed with the package, one per outcome.

`[ui] sound_command` is a program and its arguments with placeholders, filled per outcome:

* `{sound}`: the installed cue file, e.g. `/opt/furusato-kiosk/lib/python3.11/site-packages/
  kiosk/sounds/accepted.wav`, so `["aplay", "-q", "{sound}"]` plays the shipped cues;
* `{outcome}`: the outcome's name (`accepted`, `duplicate`, `rejected`), for your own files:
  `["aplay", "-q", "/usr/local/share/gate/{outcome}.wav"]`.

The files are made by `kiosk.sounds.synthesize` (deterministic; a test checks them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from kiosk.models import Outcome

SOUND: Final = "{sound}"
OUTCOME: Final = "{outcome}"


def cue_path(outcome: Outcome) -> Path:
    """The installed WAV file played for `outcome`."""
    return Path(__file__).with_name(f"{outcome.value}.wav")


def resolve_command(template: Sequence[str], outcome: Outcome) -> list[str]:
    """The sound command for one outcome, placeholders replaced (see the module docstring)."""
    path = str(cue_path(outcome))
    return [part.replace(SOUND, path).replace(OUTCOME, outcome.value) for part in template]
