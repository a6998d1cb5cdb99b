"""Doctor checks of storage: the database (examined without opening the store), free space,
what waits for upload and what waits for purging."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

from cli.doctor import Context, Result, check, fail, fix_provision, ok, skip, warn
from kiosk.store.health import (
    RECOVER_FULL,
    integrity,
    pending_corrections,
    pending_uploads,
    personal_data_due,
    recount_tallies,
    recover_corrupt,
    tallies_out_of_step,
    writable,
)
from kiosk.store.migrations import SCHEMA_VERSION

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
    stale = tallies_out_of_step(path)
    if stale:
        return fail(
            f"{path}: the counts differ from a recount of the rows ({', '.join(stale[:3])})",
            recount_tallies(path),
            out_of_step=stale,
        )
    return ok(f"{path}: integrity ok, writable, counts in step, schema {result.schema_version}")


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
