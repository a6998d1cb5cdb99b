"""``national-api``: serve the reference national API, or administer its database."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_DB = "sqlite:///national-api.db"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=os.environ.get("NATIONAL_API_DATABASE_URL", DEFAULT_DB),
        help="SQLAlchemy URL (default: $NATIONAL_API_DATABASE_URL or %(default)s)",
    )


def _seconds(value: str) -> int:
    seconds = int(value)
    if seconds < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return seconds


def _timestamp(value: str) -> int:
    if value.lstrip("-").isdigit():
        return int(value)
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("timestamp needs a UTC offset, e.g. +09:00")
    return int(parsed.timestamp())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="national-api", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the HTTP server")
    _common(s)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    s.add_argument("--admin-token", default=os.environ.get("NATIONAL_API_ADMIN_TOKEN"))
    s.add_argument("--fault", action="append", default=[], metavar="KEY=VALUE")
    s.add_argument("--log-level", default="warning")
    rules = s.add_argument_group("scan rules (sync/server/rules.py)")
    rules.add_argument(
        "--clock-skew-s",
        type=_seconds,
        default=300,
        metavar="SECONDS",
        help="a scan may be this much after its receipt (default %(default)s)",
    )
    rules.add_argument(
        "--day-tolerance-s",
        type=_seconds,
        default=7200,
        metavar="SECONDS",
        help="widens the activity's JST day on each side (default %(default)s)",
    )
    rules.add_argument(
        "--upload-delay-s",
        type=_seconds,
        default=72 * 3600,
        metavar="SECONDS",
        help="expiry/revocation judged at max(scan, receipt - this) (default %(default)s)",
    )
    s.add_argument("--code-window-seconds", type=int, default=60, help="activity code window")
    s.add_argument("--code-skew-seconds", type=int, default=15, help="allowed clock skew")
    s.add_argument(
        "--statement-lifetime-seconds", type=int, default=7 * 86400, help="trust statement exp"
    )

    s = sub.add_parser("create-municipality")
    _common(s)
    s.add_argument("code")
    s.add_argument("name")

    s = sub.add_parser("create-organisation")
    _common(s)
    s.add_argument("id")
    s.add_argument("name")
    s.add_argument("--municipality", required=True)
    s.add_argument("--kind", default="other")

    s = sub.add_parser("create-activity")
    _common(s)
    s.add_argument("id")
    s.add_argument("--name", required=True)
    s.add_argument("--date", required=True, type=date.fromisoformat)
    s.add_argument("--municipality", required=True)
    s.add_argument("--venue", default="")
    s.add_argument("--organiser", default="")
    s.add_argument("--organisation")
    s.add_argument("--designated", action="store_true")

    s = sub.add_parser("enroll-token", help="print a one-time device enrollment token")
    _common(s)
    who = s.add_mutually_exclusive_group(required=True)
    who.add_argument("--municipality")
    who.add_argument("--organisation")
    s.add_argument("--expires-in", type=int, metavar="SECONDS")

    s = sub.add_parser("disable-device")
    _common(s)
    s.add_argument("device_id")

    s = sub.add_parser("keys", help="signing keys: rotate, list, remove")
    _common(s)
    s.add_argument("action", choices=["rotate", "list", "remove"])
    s.add_argument("kid", nargs="?")

    s = sub.add_parser("issue-pass", help="sign a test pass; print it or write a PNG QR")
    _common(s)
    s.add_argument("--sub")
    s.add_argument("--tier", choices=["basic", "premium"], default="basic")
    s.add_argument("--mun", action="append", default=[])
    s.add_argument("--stay", action="append")
    s.add_argument("--iat", type=_timestamp, help="epoch seconds or ISO 8601 with offset")
    s.add_argument("--exp", type=_timestamp, help="epoch seconds or ISO 8601 with offset")
    s.add_argument("--expires-in", type=int, default=365 * 86400, metavar="SECONDS")
    s.add_argument("--jti")
    s.add_argument("--kid")
    s.add_argument("--png", type=Path)
    s.add_argument("--json", action="store_true", help="print token and claims as JSON")

    s = sub.add_parser("revoke")
    _common(s)
    s.add_argument("--jti")
    s.add_argument("--sub")
    s.add_argument("--reason", default="")

    s = sub.add_parser(
        "participations", help="premium qualification per municipality for a fiscal year (JSON)"
    )
    _common(s)
    s.add_argument("--registrant", required=True)
    s.add_argument("--fiscal-year", required=True, type=int)

    s = sub.add_parser("register", help="record a registrant's registered municipalities")
    _common(s)
    s.add_argument("--registrant", required=True)
    s.add_argument("--mun", action="append", required=True)

    s = sub.add_parser("export-jwks")
    _common(s)
    s.add_argument("file", type=Path)

    from sync.server.cli_trust import add_commands

    add_commands(sub, _common)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from sync.server.serve import serve

        return serve(args)
    if args.command == "app-checkin":
        from sync.server.cli_trust import app_checkin

        return app_checkin(args)
    from sync.server.admin import AdminError
    from sync.server.cli_trust import ADMIN_COMMANDS
    from sync.server.keys import KeyOperationError
    from sync.server.trust_anchor import AnchorError

    commands = {**_ADMIN, **{name: _cmd(fn) for name, fn in ADMIN_COMMANDS.items()}}
    try:
        commands[args.command](args)
    except (AdminError, AnchorError, KeyOperationError, ValueError) as exc:
        print(f"national-api: {exc}", file=sys.stderr)
        return 1
    return 0


def _with_session(args: argparse.Namespace, fn: Callable[[Any], None]) -> None:
    from sqlmodel import Session

    from sync.server.admin import open_database

    engine = open_database(args.database_url)
    try:
        with Session(engine) as s:
            fn(s)
    finally:
        engine.dispose()


def _cmd(fn: Callable[[argparse.Namespace, Any], None]) -> Callable[[argparse.Namespace], None]:
    return lambda args: _with_session(args, lambda s: fn(args, s))


def _municipality(args: argparse.Namespace, s: Any) -> None:
    from sync.server import admin

    admin.create_municipality(s, args.code, args.name)


def _organisation(args: argparse.Namespace, s: Any) -> None:
    from sync.server import admin

    admin.create_organisation(s, args.id, args.name, args.municipality, args.kind)


def _activity(args: argparse.Namespace, s: Any) -> None:
    from sync.server import admin

    admin.create_activity(
        s,
        args.id,
        args.name,
        args.date,
        args.municipality,
        venue=args.venue,
        organiser=args.organiser,
        organisation=args.organisation,
        designated=args.designated,
    )


def _enroll_token(args: argparse.Namespace, s: Any) -> None:
    from sync.server import admin

    expires = timedelta(seconds=args.expires_in) if args.expires_in else None
    print(
        admin.create_enroll_token(
            s, municipality=args.municipality, organisation=args.organisation, expires_in=expires
        )
    )


def _disable_device(args: argparse.Namespace, s: Any) -> None:
    from sync.server import admin

    admin.disable_device(s, args.device_id)


def _keys(args: argparse.Namespace, s: Any) -> None:
    from sync.server import keys

    if args.action == "rotate":
        print(keys.rotate_key(s, args.kid))
    elif args.action == "remove":
        if not args.kid:
            raise ValueError("keys remove needs a KID")
        keys.remove_key(s, args.kid)
    else:
        for info in keys.list_keys(s):
            print(f"{info.kid}\t{info.created_at}\t{'active' if info.active else 'verify-only'}")


def _issue_pass(args: argparse.Namespace, s: Any) -> None:
    from sync.server import admin

    issued = admin.issue_pass(
        s,
        sub=args.sub,
        tier=args.tier,
        mun=args.mun,
        stay=args.stay,
        iat=args.iat,
        exp=args.exp,
        lifetime=timedelta(seconds=args.expires_in),
        jti=args.jti,
        kid=args.kid,
    )
    if args.png is not None:
        admin.write_pass_png(issued.token, args.png)
    if args.json:
        print(json.dumps({"pass": issued.token, "kid": issued.kid, "claims": issued.claims}))
    elif args.png is None:
        print(issued.token)


def _revoke(args: argparse.Namespace, s: Any) -> None:
    from sync.server import admin

    admin.revoke(s, jti=args.jti, sub=args.sub, reason=args.reason)


def _participations(args: argparse.Namespace, s: Any) -> None:
    from sync.server import admin

    report = admin.participations(s, args.registrant, args.fiscal_year)
    print(json.dumps(report.to_json(), ensure_ascii=False))


def _register(args: argparse.Namespace, s: Any) -> None:
    from sync.server import admin

    admin.register(s, args.registrant, args.mun)


def _export_jwks(args: argparse.Namespace, s: Any) -> None:
    from sync.server import admin

    admin.export_jwks(s, args.file)


_ADMIN: dict[str, Callable[[argparse.Namespace], None]] = {
    "create-municipality": _cmd(_municipality),
    "create-organisation": _cmd(_organisation),
    "create-activity": _cmd(_activity),
    "enroll-token": _cmd(_enroll_token),
    "disable-device": _cmd(_disable_device),
    "keys": _cmd(_keys),
    "issue-pass": _cmd(_issue_pass),
    "revoke": _cmd(_revoke),
    "participations": _cmd(_participations),
    "register": _cmd(_register),
    "export-jwks": _cmd(_export_jwks),
}

if __name__ == "__main__":
    raise SystemExit(main())
