"""The built-in doctor checks, in report order. Heavy modules (cv2, zxingcpp, pyzbar, httpx)
are imported inside the check that needs them."""

from __future__ import annotations

import contextlib
import locale
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from kiosk.clock import ntp_synchronised
from kiosk.doctor import Context, Result, check, fail, ok, skip, sounds, warn
from kiosk.doctor.database import (
    RECOVER_FULL,
    integrity,
    pending_corrections,
    pending_uploads,
    personal_data_due,
    recover_corrupt,
    writable,
)
from kiosk.migrations import SCHEMA_VERSION


def fix_provision(ctx: Context) -> str:
    where = ctx.config_path or "/etc/furusato-kiosk/kiosk.toml"
    return f"run `sudo kiosk provision {where}` (docs/operations.md, 'Provisioning')"


def _camera_timeout(ctx: Context) -> float:
    return ctx.config.doctor.camera_timeout_seconds if ctx.config else 5.0


def _api_timeout(ctx: Context) -> float:
    return (ctx.config.doctor.api_timeout_seconds if ctx.config else 5.0) + 1.0


@check("config", timeout=2.0)
def config_valid(ctx: Context) -> Result:
    if ctx.config is None:
        return fail(
            ctx.config_error or "no valid config",
            "correct the named key(s) and re-run; `kiosk provision FILE --check` validates"
            " a file; see config/examples/",
        )
    c = ctx.config
    mode = f"API {c.api.url}" if c.api else "offline-only (no [api])"
    return ok(
        f"{ctx.config_path}: device {c.device.id} ({c.device.name}),"
        f" municipality {c.device.municipality}, {mode}",
        device=c.device.id,
        file=str(ctx.config_path),
    )


# -- camera -----------------------------------------------------------------------------------

FIX_CAMERA = (
    "plug in the USB camera (or set [camera] source); `ls /dev/video*` must list it and the"
    " kiosk user must be in group `video`. A keyboard-wedge scanner still works without one."
)


@check("camera", timeout=_camera_timeout)
def camera(ctx: Context) -> Result:
    source = ctx.config.camera.source if ctx.config else "0"
    if source.startswith("synthetic:"):
        return warn(f"simulated camera ({source})", "set [camera] source to a real camera")
    device: Path | None = None
    target: int | str
    if source.isdigit():
        target = int(source)
        device = Path(f"/dev/video{target}") if sys.platform.startswith("linux") else None
    else:
        target = source
        if source.startswith("/dev/"):
            device = Path(source)
        elif Path(source).exists():
            return warn(f"video file or image folder {source} (not a live camera)", FIX_CAMERA)
        else:
            return fail(f"camera source {source} does not exist", FIX_CAMERA)
    if device is not None:
        if not device.exists():
            return fail(f"no camera: {device} does not exist", FIX_CAMERA, source=source)
        if not os.access(device, os.R_OK | os.W_OK):
            return fail(
                f"no permission to open {device}",
                "add the kiosk user to group video: `sudo usermod -aG video furusato-kiosk`",
            )
    return _open_camera(ctx, target)


def _open_camera(ctx: Context, target: int | str) -> Result:
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # keep driver chatter off the terminal
    try:
        import cv2
    except ImportError as exc:
        return fail(f"OpenCV does not load: {exc}", "reinstall the kiosk (opencv-python-headless)")
    api = {"any": cv2.CAP_ANY, "v4l2": cv2.CAP_V4L2, "gstreamer": cv2.CAP_GSTREAMER}.get(
        ctx.config.camera.backend if ctx.config else "any", cv2.CAP_ANY
    )
    capture = cv2.VideoCapture(target, api)
    try:
        if not capture.isOpened():
            return fail(f"camera {target} does not open", FIX_CAMERA)
        if ctx.config:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, ctx.config.camera.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, ctx.config.camera.height)
        frames, shape = 0, None
        for _ in range(5):
            good, frame = capture.read()
            if good and frame is not None:
                frames += 1
                shape = frame.shape
        if shape is None:
            return fail(
                f"camera {target} opens but delivers no frames",
                "reconnect the camera (another program may hold it) and re-run",
            )
        height, width = int(shape[0]), int(shape[1])
        summary = f"camera {target}: {frames}/5 frames at {width}x{height}"
        if width < 640:
            return warn(summary, "a low resolution misses small codes: use ≥ 640x480", width=width)
        return ok(summary, width=width, height=height)
    finally:
        capture.release()


# -- decoder ----------------------------------------------------------------------------------


def _test_image() -> Any:
    import numpy as np
    import segno

    matrix = np.array(segno.make("furusato-doctor", error="m").matrix, dtype=np.uint8)
    image = np.where(matrix > 0, 0, 255).astype(np.uint8)
    image = np.pad(image, 4, constant_values=255)
    return np.kron(image, np.ones((6, 6), dtype=np.uint8))


@check("decoder", timeout=10.0)
def decoder(ctx: Context) -> Result:
    chosen = ctx.config.decoder.backend if ctx.config else "zxing"
    image = _test_image()
    found: dict[str, str | None] = {}
    try:
        import zxingcpp

        texts = [b.text for b in zxingcpp.read_barcodes(image)]
        found["zxing"] = None if "furusato-doctor" in texts else "did not read the test code"
    except ImportError as exc:
        found["zxing"] = f"zxing-cpp does not load: {exc}"
    try:
        from pyzbar import pyzbar

        texts = [r.data.decode() for r in pyzbar.decode(image)]
        found["pyzbar"] = None if "furusato-doctor" in texts else "did not read the test code"
    except ImportError as exc:
        found["pyzbar"] = f"pyzbar/libzbar0 does not load: {exc}"
    fixes = {
        "zxing": "reinstall the kiosk (zxing-cpp ships in its wheel) or set [decoder] backend",
        "pyzbar": "install the system library: `sudo apt-get install --no-install-recommends"
        " libzbar0`",
    }
    other = "pyzbar" if chosen == "zxing" else "zxing"
    if found[chosen] is not None:
        return fail(f"{chosen}: {found[chosen]}", fixes[chosen])
    if found[other] is not None:
        return warn(f"{chosen} reads QR codes; fallback {other}: {found[other]}", fixes[other])
    return ok(f"{chosen} reads QR codes (fallback {other} and libzbar0 load too)")


# -- secrets ----------------------------------------------------------------------------------


@check("keyring", timeout=5.0)
def keyring_usable(ctx: Context) -> Result:
    if ctx.secret_store is None:
        return skip("no secret store")
    try:
        store = ctx.secret_store()
        where = store.describe()
        token = store.device_token
        pin = store.pin_hash
    except Exception as exc:  # SecretStoreError and any backend failure
        return fail(
            f"secret store not usable: {exc}",
            "on a headless kiosk use the credential file (docs/operations.md, 'Secrets');"
            " check its owner and mode 0600",
        )
    if ctx.config is None:
        return ok(f"{where}: usable (secrets not checked without a config)", backend=where)
    missing = []
    if ctx.config is not None and ctx.config.api is not None and not token:
        missing.append("device token (not enrolled)")
    if ctx.config is not None and not pin:
        missing.append("coordinator PIN")
    if missing:
        return fail(f"{where}: missing {', '.join(missing)}", fix_provision(ctx), backend=where)
    return ok(f"{where}: secrets present", backend=where)


# -- network and time -------------------------------------------------------------------------


@check("api", timeout=_api_timeout, needs_config=True)
def api(ctx: Context) -> Result:
    assert ctx.config is not None
    if ctx.config.api is None:
        return ok("offline-only device (no [api] section): nothing to reach")
    import httpx

    base = str(ctx.config.api.url).rstrip("/")
    timeout = ctx.config.doctor.api_timeout_seconds
    fix_net = (
        "check the network (Wi-Fi/LTE router, cable) and [api] url; the kiosk keeps working"
        " offline and uploads later"
    )
    try:
        sent = datetime.now(UTC)
        response = httpx.get(f"{base}/v1/health", timeout=timeout)
        received = datetime.now(UTC)
    except httpx.HTTPError as exc:
        return fail(f"{base} unreachable: {type(exc).__name__}: {exc}", fix_net)
    if response.status_code != 200:
        return fail(f"{base}/v1/health answered HTTP {response.status_code}", fix_net)
    offset: float | None = None
    date = response.headers.get("date")
    if date:
        with contextlib.suppress(TypeError, ValueError):
            server = parsedate_to_datetime(date)
            local = sent + (received - sent) / 2
            offset = (server - local).total_seconds()
    summary = f"{base} reachable in {(received - sent).total_seconds() * 1000:.0f} ms"
    auth = _check_token(ctx, base, timeout)
    if auth is not None:
        return auth
    if offset is None:
        return warn(f"{summary}; no Date header, clock offset unknown")
    summary += f"; clock offset {offset:+.1f} s"
    if abs(offset) > ctx.config.doctor.max_clock_offset_seconds:
        return fail(
            summary,
            "set the clock: enable NTP (`sudo timedatectl set-ntp true`) and check the time zone;"
            " scans still record the server-corrected time",
            offset_seconds=offset,
        )
    return ok(summary, offset_seconds=round(offset, 3))


def _check_token(ctx: Context, base: str, timeout: float) -> Result | None:
    import httpx

    if ctx.secret_store is None:
        return None
    try:
        token = ctx.secret_store().device_token
    except Exception:
        return None  # reported by the keyring check
    if not token:
        return None
    try:
        response = httpx.get(
            f"{base}/v1/activities",
            params={"since": "999999999"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )
    except httpx.HTTPError:
        return None
    if response.status_code == 401:
        return fail(
            "the API rejects this device's token (401)",
            "re-enroll: get a new one-time token and run `kiosk provision FILE"
            " --enrollment-token TOKEN`",
        )
    return None


@check("ntp", timeout=4.0)
def ntp(ctx: Context) -> Result:
    synced = ntp_synchronised()
    if synced:
        return ok("system clock is NTP-synchronised")
    if synced is None:
        return warn(
            "cannot tell whether the clock is synchronised (timedatectl unavailable)",
            "on the Pi: `timedatectl show -p NTPSynchronized`; scans record whether the clock"
            " was trusted",
        )
    return warn(
        "system clock is not NTP-synchronised (a Pi has no real-time clock)",
        "connect to the network and run `sudo timedatectl set-ntp true`; until then times are"
        " corrected from the API when it is reachable",
    )


# -- storage ----------------------------------------------------------------------------------


@check("database", timeout=15.0, needs_config=True)
def database(ctx: Context) -> Result:
    assert ctx.config is not None
    path = ctx.config.device.database
    if not path.exists():
        return fail(f"{path} does not exist", fix_provision(ctx))
    try:
        result = integrity(path)
    except Exception as exc:  # DatabaseError: the file cannot be opened at all
        return fail(str(exc), recover_corrupt(path))
    if not result.ok:
        return fail(
            f"{path} is damaged: {'; '.join(result.problems[:3])}",
            recover_corrupt(path),
            problems=list(result.problems),
        )
    if result.schema_version is not None and result.schema_version > SCHEMA_VERSION:
        return fail(
            f"{path} schema {result.schema_version} is newer than this software",
            "update the kiosk software; the database is kept as it is",
        )
    why = writable(path)
    if why is not None:
        return fail(
            f"{path} is not writable: {why}",
            "another kiosk process may hold it (stop it), or fix ownership: the file and its"
            " folder belong to the kiosk user, mode 0600/0700",
        )
    return ok(f"{path}: integrity ok, writable, schema {result.schema_version}")


@check("disk", timeout=3.0, needs_config=True)
def disk(ctx: Context) -> Result:
    assert ctx.config is not None
    folder = ctx.config.device.database.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    usage = shutil.disk_usage(folder)
    free_mb = usage.free // (1024 * 1024)
    need = ctx.config.storage.min_free_mb
    summary = f"{free_mb} MB free on {folder} ({usage.free * 100 // max(usage.total, 1)} %)"
    if free_mb < need:
        return fail(f"{summary}; below the {need} MB minimum", RECOVER_FULL, free_mb=free_mb)
    return ok(summary, free_mb=free_mb)


@check("pending", timeout=5.0, needs_config=True)
def pending(ctx: Context) -> Result:
    assert ctx.config is not None
    path = ctx.config.device.database
    if not path.exists():
        return skip("no database yet")
    try:
        count, oldest, error = pending_uploads(path)
        corrections = pending_corrections(path)
    except Exception as exc:  # a damaged database is reported by the database check
        return skip(f"cannot read the outbox: {exc}")
    if count == 0 and corrections == 0:
        return ok("no check-ins or corrections waiting for upload")
    if ctx.config.api is None:
        return ok(f"{count} check-ins recorded offline (offline-only device: export them)")
    waiting = [f"{count} check-ins (oldest {oldest})"] if count else []
    if corrections:
        waiting.append(f"{corrections} voids/restores")
    summary = " and ".join(waiting) + " waiting for upload"
    if error:
        summary += f"; last error: {error[:80]}"
    return warn(
        summary,
        "connect to the network and run `kiosk sync --once`",
        pending=count,
        corrections=corrections,
    )


@check("retention", timeout=5.0, needs_config=True)
def retention(ctx: Context) -> Result:
    assert ctx.config is not None
    path = ctx.config.device.database
    days = ctx.config.retention.personal_data_days
    if not path.exists():
        return skip("no database yet")
    before = (datetime.now(UTC) - timedelta(days=days)).isoformat()
    try:
        due = personal_data_due(path, before)
    except Exception as exc:  # a damaged database is reported by the database check
        return skip(f"cannot read the database: {exc}")
    if due:
        return warn(
            f"{due} personal-data fields older than {days} days are not purged yet",
            "upload with `kiosk sync --once`, then run `kiosk purge` (the Pi's daily timer"
            " does this: `systemctl status furusato-kiosk-purge.timer`)",
            due=due,
        )
    return ok(f"nothing older than {days} days waits for purging")


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


# -- sounds (kiosk.doctor.sounds) -------------------------------------------------------------


@check("sounds", timeout=sounds.timeout)
def sound_cues(ctx: Context) -> Result:
    return sounds.sound_cues(ctx.config, play=ctx.play_sounds)
