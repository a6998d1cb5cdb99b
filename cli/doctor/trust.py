"""Doctor check of the trust the gate decides with: the anchor pin, the provisioned trust list
and the last good signed statement (how old, expired, stale, refused since). Reads the database
without opening the store (`kiosk.store.health.saved_trust`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cli.doctor import Context, Result, check, fail, fix_provision, ok, warn
from kiosk.passes import TrustListError, load_jwks_file
from kiosk.store.health import saved_trust
from kiosk.trust_anchor import TrustAnchorError, configured_pins
from kiosk.trust_keeper import STALE_AFTER, TrustStatus

FIX_PIN = (
    "pin the national trust anchor: [trust] anchor_file = the file `national-api anchor export`"
    " writes (or anchor_thumbprint), then `kiosk provision FILE` (docs/operations.md, 'Trust"
    " anchor')"
)
FIX_SYNC = (
    "connect to the network and run `kiosk sync --once`; until then the gate keeps verifying"
    " with the list shown"
)


def span(delta: timedelta) -> str:
    """A duration in the largest sensible unit: 45 s, 12 min, 5 h, 3 d."""
    seconds = abs(int(delta.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def describe(status: TrustStatus, now: datetime) -> str:
    """'statement #42 (anchor AbCdEf12…): issued 3 h ago, expires in 6 d, checked 5 min ago'."""
    row, issued, expires, checked = (
        status.statement,
        status.issued_at,
        status.expires_at,
        status.checked_at,
    )
    if row is None or issued is None or expires is None or checked is None:
        return "no signed trust statement yet"
    when = "expired" if now >= expires else "expires in"
    return (
        f"statement #{row.sequence} (anchor {row.anchor[:8]}…, {row.key_count} pass keys,"
        f" {row.revocation_count} revocations): issued {span(now - issued)} ago,"
        f" {when} {span(expires - now)}{' ago' if now >= expires else ''},"
        f" checked {span(now - checked)} ago"
    )


@check("trust", timeout=5.0, needs_config=True)
def trust(ctx: Context) -> Result:
    assert ctx.config is not None
    config = ctx.config
    try:
        pins = configured_pins(config.trust.anchor_file, config.trust.anchor_thumbprint)
    except TrustAnchorError as exc:
        return fail(f"trust anchor pin unusable: {exc}", FIX_PIN)
    try:
        provisioned = len(load_jwks_file(config.trust.jwks_file))
    except TrustListError as exc:
        return fail(str(exc), fix_provision(ctx))
    listed = f"provisioned trust list {provisioned} pass keys"
    if config.api is None:
        return ok(f"offline-only device: {listed}", pinned=bool(pins))
    if not pins:
        return warn(
            f"[api] WITHOUT A TRUST ANCHOR PIN: pass keys are never refreshed from the national"
            f" API (unsigned lists are refused); after a national key rotation real passes"
            f" will be `unknown_key`. In force: {listed}",
            FIX_PIN,
            pinned=False,
        )
    path = config.device.database
    if not path.exists():
        return warn(f"anchor pinned; no database yet ({listed})", fix_provision(ctx))
    try:
        row, refusal = saved_trust(path)
    except Exception as exc:  # a damaged database is reported by the database check
        return warn(f"cannot read the trust statement: {exc}", fix_provision(ctx))
    status, now = TrustStatus.of(True, row, refusal), datetime.now(UTC)
    details = {"pinned": True, "sequence": status.sequence}
    refused = status.last_refusal
    if row is None:
        why = f"; the last one was refused: {refused.reason}" if refused is not None else ""
        return warn(f"anchor pinned; no signed trust statement accepted yet{why} — {listed}"
                    " in force", FIX_SYNC, **details)  # fmt: skip
    summary = describe(status, now)
    if refused is not None:
        return warn(
            f"{summary}; a newer statement was REFUSED: {refused.reason} {refused.detail}",
            "check that [trust] anchor_file is the national anchor and the [api] url the"
            " national API; the gate keeps verifying with the statement above",
            refusal=refused.reason,
            **details,
        )
    if status.expired(now):
        return warn(f"{summary}: EXPIRED", FIX_SYNC, expired=True, **details)
    if status.stale(now):
        return warn(f"{summary}: not confirmed for over {span(STALE_AFTER)}", FIX_SYNC, **details)
    return ok(summary, **details)
