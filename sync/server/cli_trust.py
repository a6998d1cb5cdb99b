"""``national-api`` commands for the trust anchor, activity codes and the app simulator.

anchor show [--json]       the current anchor's thumbprint (and an announced next one)
anchor export FILE         the anchor public key(s) as a JWK Set, for `[trust] anchor_file`
anchor announce            make the next anchor, announced by the current one
anchor switch              make the announced anchor current (the old one is retired)
activity-code ACTIVITY --device DEV [--at TIME] [--window S]
                           a code as that device's kiosk would show it (demo, debugging)
app-checkin --url URL --pass P --code C [--json]
                           the registrant app's self check-in against a running server
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Common = Callable[[argparse.ArgumentParser], None]


def _when(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("time needs a UTC offset, e.g. 2026-11-23T10:00+09:00")
    return parsed


def add_commands(sub: Any, common: Common) -> None:
    """Add the commands to the `national-api` subparsers."""
    s = sub.add_parser("anchor", help="trust anchor: show, export, announce, switch")
    common(s)
    s.add_argument("action", choices=["show", "export", "announce", "switch"])
    s.add_argument("file", nargs="?", type=Path, help="for export: the file to write")
    s.add_argument("--json", action="store_true", help="show: print the public keys as JSON")

    s = sub.add_parser("activity-code", help="print an activity code a kiosk would show")
    common(s)
    s.add_argument("activity_id")
    s.add_argument("--device", required=True, help="the enrolled device (server device id)")
    s.add_argument("--at", type=_when, help="ISO 8601 time with offset (default: now)")
    s.add_argument("--window", type=int, default=60, help="window length in seconds")

    s = sub.add_parser("app-checkin", help="simulate the registrant app's self check-in")
    s.add_argument("--url", required=True, help="base URL of a running national API")
    s.add_argument("--pass", dest="pass_token", required=True, help="the registrant's pass")
    s.add_argument("--code", required=True, help="the activity code scanned at the venue")
    s.add_argument("--json", action="store_true", help="print the response as JSON")
    s.add_argument("--timeout", type=float, default=10.0)


def _anchor(args: argparse.Namespace, s: Any) -> None:
    from sync.server import trust_anchor

    if args.action == "announce":
        print(trust_anchor.announce_anchor(s))
        return
    if args.action == "switch":
        print(trust_anchor.switch_anchor(s))
        return
    info = trust_anchor.anchor_info(s)
    if args.action == "export":
        if args.file is None:
            raise ValueError("anchor export needs a FILE")
        args.file.write_text(json.dumps(info.jwks(), indent=2) + "\n", encoding="utf-8")
        print(info.current["kid"])
    elif args.json:
        print(json.dumps(info.jwks()))
    else:
        print(f"{info.current['kid']}\tcurrent")
        if info.next is not None:
            print(f"{info.next['kid']}\tnext (announced)")


def _activity_code(args: argparse.Namespace, s: Any) -> None:
    from sync.server.activity_codes import make_code

    at = args.at or datetime.now(UTC)
    print(make_code(s, args.activity_id, args.device, at, args.window))


ADMIN_COMMANDS: dict[str, Callable[[argparse.Namespace, Any], None]] = {
    "anchor": _anchor,
    "activity-code": _activity_code,
}


class AppCheckinFailed(Exception):
    """The self check-in request got no decision (unreachable server, HTTP error)."""


def post_app_checkin(
    url: str, pass_token: str, code: str, *, timeout: float = 10.0
) -> dict[str, Any]:
    """POST /v1/checkins:self as the registrant app does: the decision (status, reason, ...)."""
    import httpx

    body = {"pass": pass_token.strip(), "code": code.strip()}
    try:
        response = httpx.post(url.rstrip("/") + "/v1/checkins:self", json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        raise AppCheckinFailed(f"cannot reach {url}: {exc}") from None
    if response.status_code != 200:
        raise AppCheckinFailed(f"HTTP {response.status_code}: {response.text[:300]}")
    result: dict[str, Any] = response.json()
    return result


def app_checkin(args: argparse.Namespace) -> int:
    """POST /v1/checkins:self as the app would; 0 when counted (accepted or duplicate)."""
    try:
        result = post_app_checkin(args.url, args.pass_token, args.code, timeout=args.timeout)
    except AppCheckinFailed as exc:
        print(f"national-api: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    elif result["status"] == "accepted":
        print(f"accepted {result['checkin_id']} at {result['activity_id']}")
    elif result["status"] == "duplicate":
        print(f"duplicate (first check-in {result['first_checkin_id']}) at {result['activity_id']}")
    else:
        print(f"rejected: {result['reason']}")
    return 0 if result["status"] in ("accepted", "duplicate") else 1
