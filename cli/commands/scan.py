"""`kiosk scan`: headless scanning. One JSON object per decision on stdout (§5)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator

from cli.compose import build_services, read_config
from cli.errors import EXIT_OK, CommandFailed, UsageError
from config.schema import KioskConfig
from kiosk.checkins import CheckinService
from kiosk.logs import setup_from_config, stop_logging
from kiosk.models import CheckinResult


def _decisions(
    args: argparse.Namespace, service: CheckinService, config: KioskConfig
) -> Iterator[CheckinResult]:
    if args.source == "-":
        from kiosk.scan.runner import iter_wedge_decisions

        # bytes, not text: any locale (or PYTHONIOENCODING) reads the same lines
        yield from iter_wedge_decisions(sys.stdin.buffer, service)
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
    with contextlib.suppress(OSError):  # logging is best effort: a read-only disk still scans
        setup_from_config(config)
    try:
        out = sys.stdout.buffer  # UTF-8 whatever the locale says
        for result in _decisions(args, services.checkins, config):
            if args.jsonl:
                line = json.dumps(result.to_json(), ensure_ascii=False)
            else:
                reason = f" {result.reason.value}" if result.reason else ""
                line = f"{result.outcome.value}{reason} {result.registrant or ''}"
            out.write(line.encode("utf-8") + b"\n")
            out.flush()
    except SpecError as exc:
        raise UsageError(f"--source {args.source}: {exc}") from None
    except (SourceError, OSError) as exc:
        raise CommandFailed(f"scan source failed: {exc}") from None
    finally:
        services.close()
        stop_logging()
    return EXIT_OK
