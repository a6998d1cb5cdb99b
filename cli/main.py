"""`kiosk` command line: the composition root. Parses arguments, then lazily imports only
the module a command needs (start-up stays fast; no import-time side effects).

Exit status: 0 clean run, 2 bad usage or config, 1 runtime failure — always with a one-line
reason on stderr and never a traceback."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from cli.errors import EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, CommandFailed, UsageError

__all__ = ["EXIT_OK", "EXIT_RUNTIME", "EXIT_USAGE", "CommandFailed", "UsageError", "main"]


def _config_arg(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        required=required,
        help="device config TOML (default: $KIOSK_CONFIG_FILE)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="ふるさと住民登録 check-in kiosk (furusato-kiosk)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="start the Textual kiosk")
    _config_arg(run, required=False)
    run.add_argument("--language", choices=["ja", "en"], help="override the config language")

    demo = sub.add_parser("demo", help="everything local: reference API, simulated camera, UI")
    demo.add_argument("--language", choices=["ja", "en"], default="ja")
    demo.add_argument("--keep", action="store_true", help="keep the demo folder on exit")

    scan = sub.add_parser("scan", help="headless scanning; one JSON line per decision")
    _config_arg(scan, required=False)
    scan.add_argument(
        "--source",
        required=True,
        help='camera index, /dev/videoN, video file, image folder, "synthetic:..." '
        'or "-" for keyboard-wedge lines on stdin',
    )
    scan.add_argument("--activity", help="activity id (default: the config's [activity])")
    scan.add_argument("--jsonl", action="store_true", help="print one JSON object per decision")
    scan.add_argument("--backend", choices=["zxing", "pyzbar"], help="QR decoder override")
    scan.add_argument(
        "--fast", action="store_true", help="read video files and image folders as fast as possible"
    )

    sync = sub.add_parser("sync", help="upload the outbox; pull activities, keys, revocations")
    _config_arg(sync, required=False)
    sync.add_argument("--once", action="store_true", help="one pass, then exit")
    sync.add_argument("--json", action="store_true", help="print the summary as JSON")

    export = sub.add_parser("export", help="export a day's attendance")
    _config_arg(export, required=False)
    export.add_argument("--date", required=True, help="YYYY-MM-DD")
    export.add_argument("--activity", help="only this activity")
    export.add_argument("--format", choices=["csv", "form", "summary"], default="csv")
    export.add_argument("--encoding", choices=["utf-8-sig", "cp932"], default="utf-8-sig")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--full-ids", action="store_true", help="unmasked registrant ids")

    provision = sub.add_parser("provision", help="validate a config, enroll, store secrets")
    provision.add_argument("file", type=Path)
    provision.add_argument("--enrollment-token", help="one-time token (or $KIOSK_ENROLLMENT_TOKEN)")
    provision.add_argument("--pin", help="coordinator PIN (or $KIOSK_COORDINATOR_PIN; prompted)")
    provision.add_argument("--check", action="store_true", help="validate only")
    provision.add_argument("--device", help="device id when FILE is a fleet file")
    provision.add_argument(
        "--write-config",
        type=Path,
        metavar="PATH",
        help="also write this device's resolved config file to PATH",
    )

    doctor = sub.add_parser("doctor", help="check this device before the gates open")
    _config_arg(doctor, required=False)
    doctor.add_argument("--json", action="store_true")
    doctor.add_argument("--play", action="store_true", help="also play the three sound cues")
    doctor.add_argument(
        "--scanner",
        action="store_true",
        help="show a code to scan with the keyboard-wedge scanner and check its settings",
    )

    purge = sub.add_parser("purge", help="purge personal data past its retention period now")
    _config_arg(purge, required=False)
    purge.add_argument("--now", action="store_true", help="ignore the retention period")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage line
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    module = importlib.import_module(f"cli.commands.{args.command}")
    try:
        status: int = module.run(args)
    except UsageError as exc:
        print(f"kiosk {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CommandFailed as exc:
        print(f"kiosk {args.command}: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # last resort: one line for the operator, details in the log
        logging.getLogger("kiosk").exception("command %s failed", args.command)
        print(
            f"kiosk {args.command}: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr
        )
        return EXIT_RUNTIME
    return status


if __name__ == "__main__":
    raise SystemExit(main())
