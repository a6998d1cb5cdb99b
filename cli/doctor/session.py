"""Doctor checks of the kiosk session: a terminal that can draw Japanese, and the log folder."""

from __future__ import annotations

import locale
import os
import shutil
import subprocess
import sys

from cli.doctor import Context, Result, check, fail, ok, warn

# -- display ----------------------------------------------------------------------------------


@check("terminal", timeout=4.0)
def terminal(ctx: Context) -> Result:
    env = ctx.environ
    encoding = (sys.stdout.encoding or locale.getpreferredencoding(False) or "").lower()
    lang = env.get("LC_ALL") or env.get("LC_CTYPE") or env.get("LANG") or ""
    term = env.get("TERM", "")
    problems: list[str] = []
    fixes: list[str] = []
    if "utf" not in encoding.replace("-", "") and "utf" not in lang.lower().replace("-", ""):
        problems.append(f"locale is not UTF-8 (LANG={lang or 'unset'}, encoding {encoding})")
        fixes.append("set LANG=C.UTF-8 (or ja_JP.UTF-8)")
    if term in ("linux", "vt100", "vt220", "dumb", ""):
        problems.append(
            f"TERM={term or 'unset'} cannot draw Japanese (the Linux console has no kanji)"
        )
        fixes.append("start the kiosk in the cage+foot session (deploy/, docs/operations.md)")
    size = _terminal_size()
    doctor = ctx.config.doctor if ctx.config else None
    minimum = (doctor.min_columns, doctor.min_rows) if doctor else (80, 24)
    size_text = f"{size[0]}x{size[1]}" if size else "not a terminal"
    if size and (size[0] < minimum[0] or size[1] < minimum[1]):
        problems.append(f"terminal {size_text} is smaller than {minimum[0]}x{minimum[1]}")
        fixes.append("use a larger window or a smaller font (deploy/foot.ini)")
    fonts = _cjk_fonts()
    summary = f"{size_text}, TERM={term or 'unset'}, {encoding or 'unknown'} encoding"
    if problems:
        return fail("; ".join(problems), "; ".join(fixes), size=size_text)
    if fonts == 0:
        return warn(
            f"{summary}; no Japanese font installed locally",
            "for the kiosk screen: `sudo apt-get install fonts-noto-cjk`",
        )
    if size is None:
        return warn(f"{summary} (size checked on the kiosk screen)", "")
    return ok(summary)


def _terminal_size() -> tuple[int, int] | None:
    for stream in (sys.stdout, sys.stderr, sys.stdin):
        try:
            size = os.get_terminal_size(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
        return size.columns, size.lines
    return None


def _cjk_fonts() -> int | None:
    """Number of installed Japanese-capable fonts; None when fontconfig is not installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(
            [fc_list, ":lang=ja", "family"], capture_output=True, text=True, timeout=3, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return len([line for line in out.stdout.splitlines() if line.strip()])


# -- logs -------------------------------------------------------------------------------------


@check("logs", timeout=3.0)
def logs(ctx: Context) -> Result:
    from kiosk.logs import LOG_FILE, default_log_directory

    folder = (ctx.config.logging.directory if ctx.config else None) or default_log_directory()
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not os.access(probe, os.W_OK):
        return fail(
            f"log folder {folder} is not writable",
            "create it for the kiosk user: `sudo install -d -o furusato-kiosk -m 0750 "
            f"{folder}` or set [logging] directory",
        )
    return ok(f"logs go to {folder / LOG_FILE}")
