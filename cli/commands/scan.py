"""`kiosk scan`: headless scanning. One JSON object per decision on stdout (§5)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator

from cli.compose import build_services, read_config
from cli.errors import EXIT_OK, CommandFailed, UsageError
from config.schema import KioskConfig
from kiosk.checkins import CheckinService
from kiosk.models import CheckinResult


def _decisions(
    args: argparse.Namespace, service: CheckinService, config: KioskConfig
) -> Iterator[CheckinResult]:
    if args.source == "-":
        from kiosk.scan.runner import iter_wedge_decisions

        yield from iter_wedge_decisions(sys.stdin, service)
        return
    from kiosk.scan.runner import iter_decisions  # the camera stack loads only when needed
    from kiosk.scan.settings import settings_from_config

    settings = settings_from_config(config, backend=args.backend, realtime=not args.fast)
    yield from iter_decisions(args.source, service, settings=settings)


def run(args: argparse.Namespace) -> int:
    from kiosk.scan.frames import SourceError
    from kiosk.scan.sources import SpecError

    config = read_config(args.config)
    services = build_services(config, activity_id=args.activity)
    try:
        for result in _decisions(args, services.checkins, config):
            if args.jsonl:
                sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
            else:
                reason = f" {result.reason.value}" if result.reason else ""
                sys.stdout.write(f"{result.outcome.value}{reason} {result.registrant or ''}\n")
            sys.stdout.flush()
    except SpecError as exc:
        raise UsageError(f"--source {args.source}: {exc}") from None
    except (SourceError, OSError) as exc:
        raise CommandFailed(f"scan source failed: {exc}") from None
    finally:
        services.close()
    return EXIT_OK
