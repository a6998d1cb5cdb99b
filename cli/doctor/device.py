"""Doctor checks of the device itself: its config, camera, QR decoder and secrets. Heavy
modules (cv2, zxingcpp, pyzbar) are imported inside the check that needs them."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from cli.doctor import Context, Result, check, fail, fix_provision, ok, skip, warn


def _camera_timeout(ctx: Context) -> float:
    return ctx.config.doctor.camera_timeout_seconds if ctx.config else 5.0


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
