"""`kiosk export`: a day's attendance CSV, activity-record form, or printable summary.

Writes bytes in the chosen encoding to --output (owner-only permissions, replaced atomically)
or to standard output, so cp932 survives a pipe or a redirect unchanged."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from cli.compose import read_config
from cli.errors import EXIT_OK, CommandFailed, UsageError
from kiosk.closeout import activities_on
from kiosk.exports import REPLACEMENT, export_activities, write_export
from kiosk.store import DatabaseError, Store


def _valid_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageError(f"--date {text!r} is not a date; use YYYY-MM-DD") from None


def write_output(data: bytes, output: Path | None) -> None:
    """Write to a file (atomically, mode 0600: the form may hold personal data) or stdout."""
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        write_export(output, data)
    except OSError as exc:
        raise CommandFailed(f"cannot write {output}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    on_date = _valid_date(args.date)
    config = read_config(args.config)
    database = config.device.database
    if not database.exists():
        raise CommandFailed(f"no database at {database}: nothing has been recorded on this device")
    try:
        store = Store.open(database, synchronous=config.storage.synchronous)
    except (DatabaseError, OSError) as exc:
        raise CommandFailed(f"database {database}: {exc}") from None
    try:
        activities = activities_on(store, on_date, args.activity)
        if not activities:
            which = f"activity {args.activity!r}" if args.activity else "activity"
            raise CommandFailed(f"no {which} on {on_date} in {database}")
        result = export_activities(
            store,
            activities,
            args.format,
            encoding=args.encoding,
            full_ids=args.full_ids,
            generated_at=datetime.now(UTC),
            device=f"{config.device.name} ({config.device.id})",
        )
    finally:
        store.close()
    write_output(result.data, args.output)
    if result.replaced:
        print(
            f"kiosk export: {result.replaced} character(s) not in {args.encoding} written as "
            f"U+{ord(REPLACEMENT):04X}",
            file=sys.stderr,
        )
    if args.output is not None:
        print(
            f"kiosk export: {result.rows} participation(s) of {len(activities)} activity(ies) "
            f"written to {args.output}",
            file=sys.stderr,
        )
    return EXIT_OK
