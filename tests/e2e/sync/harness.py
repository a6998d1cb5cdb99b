"""Test harness for sync: the reference server in its own process, kiosks on temp files.

Shared by the end-to-end tests and the sync benchmark. Nothing here mocks anything: the
server is `sync.server` behind uvicorn on 127.0.0.1, each kiosk is a real SQLite store.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import secrets
import sqlite3
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cli.compose import build_services
from config.load import load_config
from config.secrets import CredentialFileKeyring, SecretStore
from kiosk.clock import Clock
from kiosk.services import Services

ROOT = Path(__file__).resolve().parents[3]
RPC_TIMEOUT_S = 120.0
ACTIVITY = "act-2026-11-23-beach"


class ServerProcess:
    """`tests.e2e.sync.serverproc` as a child process, driven over stdin/stdout."""

    def __init__(self, directory: Path, *, database: Path | None = None) -> None:
        self.database = database or directory / "server.db"
        self.url: str | None = None
        self.admin_token = "admin-" + secrets.token_hex(8)  # for the admin HTTP endpoints
        with open(directory / "server.log", "ab") as log:  # the child keeps its own copy
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.e2e.sync.serverproc",
                    "--database",
                    f"sqlite:///{self.database}",
                    "--admin-token",
                    self.admin_token,
                ],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                encoding="utf-8",
            )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()
        self._read()  # the ready line

    def _pump(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _read(self) -> dict[str, Any]:
        line = self._lines.get(timeout=RPC_TIMEOUT_S)
        if line is None:
            raise RuntimeError(f"server process exited ({self._proc.poll()})")
        reply: dict[str, Any] = json.loads(line)
        if not reply.get("ok"):
            raise RuntimeError(reply.get("error"))
        return reply

    def call(self, op: str, **kwargs: Any) -> dict[str, Any]:
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"op": op, **kwargs}) + "\n")
        self._proc.stdin.flush()
        return self._read()

    # -- conveniences ----------------------------------------------------------------------

    def listen(self) -> str:
        self.url = str(self.call("listen")["url"])
        return self.url

    def seed(self, *activities: str | dict[str, Any]) -> None:
        """Activities by id (today, in the default municipality, designated) or as dicts
        (id, name, date, municipality, designated)."""
        docs = [a if isinstance(a, dict) else {"id": a} for a in activities or (ACTIVITY,)]
        self.call("seed", activities=docs)

    def enroll_token(self, municipality: str | None = None) -> str:
        extra = {} if municipality is None else {"municipality": municipality}
        return str(self.call("enroll_token", **extra)["token"])

    def jwks(self) -> dict[str, Any]:
        return dict(self.call("jwks")["jwks"])

    def anchor(self) -> dict[str, Any]:
        """The national trust anchor as `national-api anchor export` writes it."""
        return dict(self.call("anchor")["jwks"])

    def passes(self, count: int, tier: str = "premium", **claims: Any) -> list[str]:
        """Passes for new registrants; `claims` may set `iat`, `exp` (epoch) and `mun`."""
        return list(self.call("issue_passes", count=count, tier=tier, **claims)["passes"])

    def faults(self, **config: Any) -> dict[str, Any]:
        return dict(self.call("faults", **config)["state"])

    def checkins(self) -> list[list[Any]]:
        return list(self.call("checkins")["checkins"])

    def accepted_ids(self) -> set[str]:
        return {row[0] for row in self.checkins() if row[1] == "accepted"}

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.write(json.dumps({"op": "exit"}) + "\n")
                self._proc.stdin.close()
                self._proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait(timeout=10)
        self._pump_thread.join(10)  # EOF once the child is gone
        if self._proc.stdout is not None:
            self._proc.stdout.close()


@dataclass
class Kiosk:
    directory: Path
    config_path: Path
    device_id: str
    services: Services
    secrets: SecretStore

    @property
    def store(self) -> Any:
        return self.services.store

    def token(self) -> str | None:
        """The device token, read as the kiosk reads it at every sync pass."""
        return self.secrets.device_token

    def close(self) -> None:
        self.services.close()


def credentials_dir() -> Path:
    return Path(os.environ["KIOSK_CREDENTIALS_DIR"])


def write_kiosk_config(
    directory: Path,
    *,
    device_id: str,
    url: str,
    jwks: dict[str, Any],
    anchor: dict[str, Any] | None = None,
    activity: str = ACTIVITY,
    batch_size: int = 200,
    timeout: float = 5.0,
    interval: float = 1.0,
    synchronous: str = "NORMAL",
) -> Path:
    """A kiosk config; `anchor` (a JWK Set) is pinned as `[trust] anchor_file` when given."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "jwks.json").write_text(json.dumps(jwks), encoding="utf-8")
    pin = ""
    if anchor is not None:
        (directory / "anchor.json").write_text(json.dumps(anchor), encoding="utf-8")
        pin = f'anchor_file = "{directory / "anchor.json"}"'
    path = directory / "kiosk.toml"
    path.write_text(
        f"""
[device]
id = "{device_id}"
name = "Gate"
municipality = "131016"
database = "{directory / "kiosk.db"}"

[trust]
jwks_file = "{directory / "jwks.json"}"
{pin}

[activity]
id = "{activity}"
name = "Beach clean-up"

[api]
url = "{url}"
timeout_seconds = {timeout}
batch_size = {batch_size}
sync_interval_seconds = {interval}
retry_max_seconds = 2

[storage]
synchronous = "{synchronous}"
""",
        encoding="utf-8",
    )
    return path


def make_kiosk(directory: Path, *, clock: Clock | None = None, **kwargs: Any) -> Kiosk:
    """A kiosk on its own files (`kwargs` for its config); `clock` replaces the system's."""
    path = write_kiosk_config(directory, **kwargs)
    config = load_config(path)
    services = build_services(config, clock=clock)
    secrets = SecretStore(config.device.id, backend=CredentialFileKeyring(credentials_dir()))
    return Kiosk(directory, path, config.device.id, services, secrets)


def subprocess_env() -> dict[str, str]:
    """Environment for a `kiosk` child: the test's credential file backend, no real keyring."""
    env = dict(os.environ)
    env["PYTHON_KEYRING_BACKEND"] = "config.secrets.CredentialFileKeyring"
    env["KIOSK_CREDENTIALS_DIR"] = str(credentials_dir())
    env["PYTHONPATH"] = str(ROOT)
    return env


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def queue_offline(database: Path, passes: list[str], activity: str = ACTIVITY) -> list[str]:
    """Queue accepted check-ins straight into a kiosk database (what a day offline leaves).

    One transaction with raw SQL, the same rows `Store.record_checkin` writes: fast enough to
    queue 100,000 for the benchmark. Returns the check-in ids.
    """
    now = datetime.now(UTC).isoformat()
    session = str(uuid.uuid4())
    ids = []
    con = sqlite3.connect(database, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute(
            "INSERT OR IGNORE INTO activity (id, name, date) VALUES (?, ?, ?)",
            (activity, activity, now[:10]),
        )
        for n, token in enumerate(passes):
            c = _claims(token)
            cid = str(uuid.uuid4())
            ids.append(cid)
            con.execute(
                "INSERT INTO checkin (id, activity_id, registrant, tier, method, jti, pass_token,"
                " scanned_at, clock_trusted, monotonic_s, session_id) VALUES"
                " (?, ?, ?, ?, 'camera', ?, ?, ?, 1, ?, ?)",
                (cid, activity, c["sub"], c["tier"], c["jti"], token, now, float(n), session),
            )
            con.execute(
                "INSERT INTO audit (at, operator, action, activity_id, checkin_id)"
                " VALUES (?, 'gate', 'checkin', ?, ?)",
                (now, activity, cid),
            )
            con.execute("INSERT INTO outbox (checkin_id, created_at) VALUES (?, ?)", (cid, now))
        con.execute("COMMIT")
    finally:
        con.close()
    return ids


def kiosk_statuses(database: Path) -> dict[str, str]:
    """sync_status of every check-in in a kiosk database (read with plain sqlite3)."""
    con = sqlite3.connect(database)
    try:
        return dict(con.execute("SELECT id, sync_status FROM checkin").fetchall())
    finally:
        con.close()
