"""Doctor checks of the network and the clock: the national API through the kiosk's own client
(`sync.client.ApiClient`, imported when the check runs) and NTP."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from cli.doctor import Context, Result, check, fail, ok, warn
from kiosk.clock import ntp_synchronised

if TYPE_CHECKING:
    from sync.client import ApiClient


def _api_timeout(ctx: Context) -> float:
    return (ctx.config.doctor.api_timeout_seconds if ctx.config else 5.0) + 1.0


# -- network and time -------------------------------------------------------------------------


@check("api", timeout=_api_timeout, needs_config=True)
def api(ctx: Context) -> Result:
    assert ctx.config is not None
    if ctx.config.api is None:
        return ok("offline-only device (no [api] section): nothing to reach")
    from sync.api_errors import ApiError
    from sync.client import ApiClient

    base = str(ctx.config.api.url).rstrip("/")
    fix_net = (
        "check the network (Wi-Fi/LTE router, cable) and [api] url; the kiosk keeps working"
        " offline and uploads later"
    )
    with ApiClient(base, timeout=ctx.config.doctor.api_timeout_seconds) as client:
        try:
            started = time.monotonic()
            client.health()
            elapsed_ms = (time.monotonic() - started) * 1000
        except ApiError as exc:
            if exc.status is None:
                return fail(f"{base} unreachable: {exc}", fix_net)
            return fail(f"{base}/v1/health answered HTTP {exc.status}", fix_net)
        refused = _token_refused(ctx, client)
        if refused is not None:
            return refused
        sample = client.server_time
    summary = f"{base} reachable in {elapsed_ms:.0f} ms"
    if sample is None:
        return warn(f"{summary}; no server time, clock offset unknown")
    offset = sample.offset.total_seconds()
    summary += f"; clock offset {offset:+.1f} s"
    if abs(offset) > ctx.config.doctor.max_clock_offset_seconds:
        return fail(
            summary,
            "set the clock: enable NTP (`sudo timedatectl set-ntp true`) and check the time zone;"
            " scans still record the server-corrected time",
            offset_seconds=offset,
        )
    return ok(summary, offset_seconds=round(offset, 3))


def _token_refused(ctx: Context, client: ApiClient) -> Result | None:
    """A failure when the API refuses this device's token (401), else None."""
    from sync.api_errors import ApiError, Unauthorized

    if ctx.secret_store is None:
        return None
    try:
        token = ctx.secret_store().device_token
    except Exception:
        return None  # reported by the keyring check
    if not token:
        return None
    client.token = token
    try:
        client.activities(since="999999999")
    except Unauthorized:
        return fail(
            "the API rejects this device's token (401)",
            "re-enroll: get a new one-time token and run `kiosk provision FILE"
            " --enrollment-token TOKEN`",
        )
    except ApiError:
        return None
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
