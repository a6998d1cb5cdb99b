"""``national-api serve``: foreground server that prints its URL when ready."""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import timedelta

from sync.server.app import create_app
from sync.server.faults import parse_fault_flags
from sync.server.rules import ScanRules
from sync.server.runner import bind_socket, make_server, url_of
from sync.server.settings import NationalSettings


def serve(args: argparse.Namespace) -> int:
    try:
        faults = parse_fault_flags(args.fault)
    except ValueError as exc:
        print(f"national-api: bad --fault: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"national-api: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        settings = NationalSettings(
            code_window_seconds=args.code_window_seconds,
            code_skew_seconds=args.code_skew_seconds,
            statement_lifetime_seconds=args.statement_lifetime_seconds,
            statement_refresh_seconds=min(86400, args.statement_lifetime_seconds // 2),
        )
    except ValueError as exc:
        print(f"national-api: {exc}", file=sys.stderr)
        return 2
    rules = ScanRules(
        clock_skew=timedelta(seconds=args.clock_skew_s),
        day_tolerance=timedelta(seconds=args.day_tolerance_s),
        upload_delay=timedelta(seconds=args.upload_delay_s),
    )
    app = create_app(args.database_url, args.admin_token, faults, settings=settings, rules=rules)
    url = url_of(sock)

    def ready() -> None:
        print(url, flush=True)

    server = make_server(app, ready, args.log_level)
    # uvicorn re-raises a caught SIGTERM/SIGINT after its graceful shutdown; make that a no-op
    # so the process exits with status 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.dispose()
    return 0 if server.started else 1
