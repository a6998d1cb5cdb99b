"""The reference national API in its own process, driven by JSON lines on stdin/stdout.

Tests and the benchmark talk to the kiosk in-process and to the server through this real
process: HTTP over loopback for the API, this small control channel for the admin work that
has no HTTP endpoint (seeding, issuing passes, revoking, reading the server's state).

    python -m tests.e2e.sync.serverproc --database sqlite:////tmp/x/server.db
    > {"op": "listen"}                       < {"ok": true, "url": "http://127.0.0.1:PORT"}

Every request gets exactly one response line: {"ok": true, ...} or {"ok": false, "error": ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any, TextIO

MUNICIPALITY = "131016"
JST = timezone(timedelta(hours=9))


def _venue_today() -> date:
    """Activities are dated on the venue's day in Japan (the server takes scans on that day)."""
    return datetime.now(JST).date()


class Server:
    def __init__(self, database_url: str, admin_token: str) -> None:
        from sync.server.admin import open_database

        self.database_url = database_url
        self.admin_token = admin_token
        self.engine = open_database(database_url)
        self.running: Any = None

    def session(self) -> Any:
        from sqlmodel import Session

        return Session(self.engine)

    # -- operations -----------------------------------------------------------------------

    def op_listen(self, port: int = 0) -> dict[str, Any]:
        from sync.server.runner import start_server

        if self.running is None:
            self.running = start_server(self.database_url, self.admin_token, port=port)
        return {"url": self.running.url}

    def op_stop_listening(self) -> dict[str, Any]:
        if self.running is not None:
            self.running.stop()
            self.running = None
        return {}

    def op_seed(self, activities: list[dict[str, Any]]) -> dict[str, Any]:
        """Activities (id, and optionally name, date, municipality, designated) in
        municipalities created as needed (the default one: 千代田区)."""
        from sync.server import admin

        with self.session() as s:
            admin.create_municipality(s, MUNICIPALITY, "千代田区")
            for a in activities:
                municipality = a.get("municipality", MUNICIPALITY)
                if municipality != MUNICIPALITY:
                    admin.create_municipality(s, municipality, municipality)
                admin.create_activity(
                    s,
                    a["id"],
                    a.get("name", a["id"]),
                    date.fromisoformat(a["date"]) if "date" in a else _venue_today(),
                    municipality,
                    designated=bool(a.get("designated", True)),
                )
        return {}

    def op_enroll_token(self, municipality: str = MUNICIPALITY) -> dict[str, Any]:
        from sync.server import admin

        with self.session() as s:
            return {"token": admin.create_enroll_token(s, municipality=municipality)}

    def op_jwks(self) -> dict[str, Any]:
        from sync.server import admin

        with self.session() as s:
            return {"jwks": admin.jwks(s)}

    def op_anchor(self) -> dict[str, Any]:
        """The trust anchor public key(s) a kiosk pins (`[trust] anchor_file` content)."""
        from sync.server.trust_anchor import anchor_info

        with self.session() as s:
            return {"jwks": anchor_info(s).jwks()}

    def op_anchor_announce(self) -> dict[str, Any]:
        from sync.server.trust_anchor import announce_anchor

        with self.session() as s:
            return {"kid": announce_anchor(s)}

    def op_anchor_switch(self) -> dict[str, Any]:
        from sync.server.trust_anchor import switch_anchor

        with self.session() as s:
            return {"kid": switch_anchor(s)}

    def op_rotate_key(self) -> dict[str, Any]:
        from sync.server import admin

        with self.session() as s:
            return {"kid": admin.rotate_key(s)}

    def op_issue_passes(
        self,
        count: int,
        tier: str = "premium",
        iat: int | None = None,
        exp: int | None = None,
        mun: list[str] | None = None,
    ) -> dict[str, Any]:
        """`count` passes for distinct new registrants, signed with the active key (valid
        from a minute ago for a year unless `iat`/`exp` say otherwise)."""
        from sync.server.codes import new_registrant_id
        from sync.server.keys import active_signer
        from sync.server.passes import ISSUER, sign_pass

        with self.session() as s:
            kid, key = active_signer(s)
        now = int(time.time())
        passes = []
        for _ in range(count):
            claims = {
                "iss": ISSUER,
                "sub": new_registrant_id(),
                "tier": tier,
                "mun": [MUNICIPALITY] if mun is None else mun,
                "iat": now - 60 if iat is None else iat,
                "exp": now + 365 * 86400 if exp is None else exp,
                "jti": secrets.token_hex(8),
                "v": 1,
            }
            passes.append(sign_pass(claims, kid, key))
        return {"passes": passes}

    def op_revoke(self, jti: str | None = None, sub: str | None = None) -> dict[str, Any]:
        from sync.server import admin

        with self.session() as s:
            return {"seqs": admin.revoke(s, jti=jti, sub=sub)}

    def op_disable_device(self, device_id: str) -> dict[str, Any]:
        from sync.server import admin

        with self.session() as s:
            admin.disable_device(s, device_id)
        return {}

    def op_faults(self, **config: Any) -> dict[str, Any]:
        from sync.server.faults import FaultConfig

        if self.running is None:
            raise RuntimeError("not listening")
        self.running.set_faults(FaultConfig(**config))
        return {"state": self.running.faults.snapshot()}

    def op_fault_state(self) -> dict[str, Any]:
        if self.running is None:
            raise RuntimeError("not listening")
        return {"state": self.running.faults.snapshot()}

    def op_checkins(self) -> dict[str, Any]:
        """Every stored check-in: [id, status, activity_id, registrant, device_id, voided]."""
        from sqlmodel import select

        from sync.server.tables import Checkin

        with self.session() as s:
            rows = s.exec(select(Checkin)).all()
            return {
                "checkins": [
                    [r.id, r.status, r.activity_id, r.registrant, r.device_id, r.voided]
                    for r in rows
                ]
            }

    def op_participations(self, registrant: str, fiscal_year: int) -> dict[str, Any]:
        """The server's premium counting for one registrant and fiscal year."""
        from sync.server import admin

        with self.session() as s:
            return {"report": admin.participations(s, registrant, fiscal_year).to_json()}

    def op_corrections(self) -> dict[str, Any]:
        """Every stored correction: [id, checkin_id, action, status, result_reason, device_id]."""
        from sqlmodel import select

        from sync.server.tables import Correction

        with self.session() as s:
            rows = s.exec(select(Correction)).all()
            return {
                "corrections": [
                    [r.id, r.checkin_id, r.action, r.status, r.result_reason, r.device_id]
                    for r in rows
                ]
            }

    def op_checkin_times(self) -> dict[str, Any]:
        from sqlmodel import select

        from sync.server.tables import Checkin

        with self.session() as s:
            rows = s.exec(select(Checkin)).all()
            return {
                "times": {
                    r.id: [
                        r.scanned_at.isoformat(),
                        r.scanned_at_corrected.isoformat() if r.scanned_at_corrected else None,
                        r.clock_trusted,
                    ]
                    for r in rows
                }
            }


def serve(database_url: str, admin_token: str, inp: TextIO, out: TextIO) -> None:
    server = Server(database_url, admin_token)
    out.write(json.dumps({"ok": True, "ready": True}) + "\n")
    out.flush()
    for line in inp:
        if not line.strip():
            continue
        request = json.loads(line)
        op = request.pop("op")
        if op == "exit":
            break
        try:
            result = getattr(server, f"op_{op}")(**request)
            response = {"ok": True, **result}
        except Exception as exc:
            response = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(response) + "\n")
        out.flush()
    server.op_stop_listening()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--admin-token", default="admin-" + secrets.token_hex(8))
    args = parser.parse_args()
    # The control channel owns the real stdout; anything printed goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    os.dup2(sys.stderr.fileno(), 1)
    serve(args.database, args.admin_token, sys.stdin, out)


if __name__ == "__main__":
    main()
