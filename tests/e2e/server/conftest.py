"""Fixtures: a real server on 127.0.0.1 over a temp SQLite file, seeded via the admin API."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sync.server import admin
from sync.server.runner import RunningServer, start_server

ADMIN_TOKEN = "test-admin-token"
MUN = "131016"  # Chiyoda, Tokyo (check digit 6)
OTHER_MUN = "011002"  # Sapporo
JST = dt.timezone(dt.timedelta(hours=9))
# Activities are dated on the venue's day in Japan, and the server only takes scans made on
# their day (within a tolerance): the fixtures' activities are today's, scans are made now.
TODAY = dt.datetime.now(JST).date()


@dataclass
class Device:
    device_id: str
    token: str
    client: httpx.Client

    def batch(self, items: list[dict[str, Any]], key: str | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": key or str(uuid.uuid4())}
        return self.client.post("/v1/checkins:batch", json={"checkins": items}, headers=headers)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'national.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = admin.open_database(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine) as s:
        admin.create_municipality(s, MUN, "千代田区")
        admin.create_municipality(s, OTHER_MUN, "札幌市")
        admin.create_activity(
            s, "act-beach", "Beach clean-up", TODAY, MUN, venue="Beach", designated=True
        )
        admin.create_activity(s, "act-hall", "Hall festival", TODAY, MUN, venue="Hall")
        admin.create_activity(s, "act-sapporo", "Snow clearing", TODAY, OTHER_MUN)
        yield s


@pytest.fixture
def server(database_url: str, db: Session) -> Iterator[RunningServer]:
    with start_server(database_url, ADMIN_TOKEN) as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


@pytest.fixture
def admin_client(server: RunningServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=server.url, timeout=10, headers=headers) as c:
        yield c


def enroll(server: RunningServer, db: Session, municipality: str = MUN, name: str = "") -> Device:
    token = admin.create_enroll_token(db, municipality=municipality)
    body = {"token": token, "name": name}
    response = httpx.post(f"{server.url}/v1/devices/enroll", json=body, timeout=10)
    assert response.status_code == 201, response.text
    body = response.json()
    client = httpx.Client(
        base_url=server.url,
        timeout=10,
        headers={"Authorization": f"Bearer {body['device_token']}"},
    )
    return Device(body["device_id"], body["device_token"], client)


@pytest.fixture
def device(server: RunningServer, db: Session) -> Iterator[Device]:
    dev = enroll(server, db)
    yield dev
    dev.client.close()


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def checkin(
    pass_token: str | None,
    activity: str = "act-beach",
    *,
    method: str = "camera",
    checkin_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": checkin_id or str(uuid.uuid4()),
        "activity_id": activity,
        "pass": pass_token,
        "method": method,
        "scanned_at": now_iso(),
        "clock_trusted": True,
    }
    item.update(extra)
    return item
