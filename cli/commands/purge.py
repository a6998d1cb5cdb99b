"""`kiosk purge [--config FILE] [--now]`: remove personal data past its retention period
(paper-form names/contacts, rejected-scan details) of synced, closed days. See
`kiosk.retention`. `--now` ignores the period, never the synced/closed conditions."""

from __future__ import annotations

import argparse
import logging
from datetime import UTC, datetime

from cli.compose import read_config
from cli.errors import EXIT_OK, CommandFailed, UsageError
from kiosk.logs import setup_from_config
from kiosk.retention import purge_personal_data
from kiosk.store import DatabaseError, StorageFailed, StorageFull, Store
from kiosk.store.health import verify_before_open

log = logging.getLogger("kiosk.purge")


def run(args: argparse.Namespace) -> int:
    config = read_config(args.config)
    database = config.device.database
    if not database.exists():
        raise UsageError(f"{database} does not exist; run `kiosk provision` first")
    try:
        verify_before_open(database)
        store = Store.open(database, synchronous=config.storage.synchronous)
    except DatabaseError as exc:
        raise UsageError(str(exc)) from None
    try:
        report = purge_personal_data(
            store,
            days=config.retention.personal_data_days,
            now=datetime.now(UTC),
            ignore_period=args.now,
            operator="kiosk purge",
        )
    except (StorageFull, StorageFailed) as exc:
        raise CommandFailed(f"purge failed, nothing changed: {exc}") from None
    finally:
        store.close()
    try:
        setup_from_config(config)
        log.info(
            "purge",
            extra={
                "paper_records": report.paper_records,
                "attempts": report.attempt_details,
                "pass_tokens": report.pass_tokens,
            },
        )
    except OSError:
        pass  # logging is best effort; the audit entry is the record
    period = "now" if args.now else f"{config.retention.personal_data_days} days"
    print(
        f"purged {report.paper_records} paper-form records, {report.attempt_details}"
        f" rejected-scan details and {report.pass_tokens} pass tokens"
        f" (retention {period}; before {report.cutoff.isoformat()};"
        " only synced check-ins of closed days)"
    )
    return EXIT_OK
