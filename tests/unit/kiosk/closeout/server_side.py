"""Runs the reference server's close-out code in a separate interpreter.

The server's code runs apart from the kiosk's, as it does in the field: nothing the kiosk
imported can leak into the server's answer. Tests call `server_digests` and `server_closeout`,
which run this module with `python -m` and exchange JSON on stdin/stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[4]


def _call(request: dict[str, Any]) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "tests.unit.kiosk.closeout.server_side"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout)


def server_digests(sets: list[list[str]]) -> list[str]:
    """`sync.server.closeouts.checkin_digest` of each set."""
    result: list[str] = _call({"op": "digests", "sets": sets})
    return result


def server_closeout(
    activity: dict[str, str], checkins: list[dict[str, str]], payloads: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A fresh server database holding `checkins` (id, device, registrant, status); each
    payload is closed out by device "dev-a" through `close_out`; the receipts as JSON."""
    result: list[dict[str, Any]] = _call(
        {"op": "closeout", "activity": activity, "checkins": checkins, "payloads": payloads}
    )
    return result


def _main() -> None:  # pragma: no cover - runs in the child interpreter
    from datetime import UTC, date, datetime

    from sqlmodel import Session

    from sync.server import admin, tables
    from sync.server.closeouts import checkin_digest, close_out
    from sync.server.schemas import CloseoutRequest, Receipt

    request = json.loads(sys.stdin.read())
    if request["op"] == "digests":
        json.dump([checkin_digest(ids) for ids in request["sets"]], sys.stdout)
        return
    engine = admin.open_database("sqlite://")
    now = datetime.now(UTC)
    act = request["activity"]
    with Session(engine) as s:
        admin.create_municipality(s, act["municipality"], "test")
        admin.create_activity(
            s, act["id"], act["name"], date.fromisoformat(act["date"]), act["municipality"]
        )
        for name in ("dev-a", "dev-b"):
            s.add(
                tables.Device(
                    id=name, token_hash=name, municipality=act["municipality"], enrolled_at=now
                )
            )
        for c in request["checkins"]:
            s.add(
                tables.Checkin(
                    id=c["id"],
                    device_id=c["device"],
                    activity_id=act["id"],
                    registrant=c["registrant"],
                    method="camera",
                    status=c.get("status", "accepted"),
                    scanned_at=now,
                    received_at=now,
                )
            )
        s.commit()
        receipts = []
        for payload in request["payloads"]:
            device = s.get(tables.Device, "dev-a")
            assert device is not None
            row = close_out(s, device, CloseoutRequest.model_validate(payload))
            receipts.append(
                Receipt.model_validate(row, from_attributes=True).model_dump(mode="json")
            )
    json.dump(receipts, sys.stdout)


if __name__ == "__main__":
    _main()
