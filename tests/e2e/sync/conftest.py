"""Fixtures for sync end-to-end tests: a real server process, real kiosks on temp files."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config.secrets import SERVER_DEVICE_ID
from kiosk.models import Method, SyncState
from sync.enroll import enroll_device
from tests.e2e.sync.harness import Kiosk, ServerProcess, kiosk_statuses, make_kiosk


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server process per test module (start-up costs seconds); tests use own devices."""
    srv = ServerProcess(tmp_path_factory.mktemp("server"))
    try:
        srv.seed()
        srv.listen()
        yield srv
    finally:
        srv.close()


@pytest.fixture
def server(shared_server: ServerProcess) -> Iterator[ServerProcess]:
    shared_server.faults()  # every test starts on a healthy server
    yield shared_server
    shared_server.faults()


KioskFactory = Callable[..., Kiosk]


@pytest.fixture
def new_kiosk(tmp_path: Path, server: ServerProcess) -> Iterator[KioskFactory]:
    made: list[Kiosk] = []

    def make(name: str = "kiosk-a", *, enroll: bool = True, **kwargs: Any) -> Kiosk:
        """A kiosk on its own files; `name` is its device id (enrolled anew every time). It
        pins the server's trust anchor unless `anchor=None` is passed."""
        kwargs.setdefault("url", server.url)
        kwargs.setdefault("jwks", server.jwks())
        if "anchor" not in kwargs:
            kwargs["anchor"] = server.anchor()
        kiosk = make_kiosk(tmp_path / name, device_id=name, **kwargs)
        made.append(kiosk)
        if enroll:
            enroll_device(str(server.url), server.enroll_token(), name, kiosk.secrets)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.close()


class StateWatcher:
    """Collects SyncState posts from the worker thread; waits on them without sleeping."""

    def __init__(self) -> None:
        self.states: list[SyncState] = []
        self._cond = threading.Condition()

    def __call__(self, state: SyncState) -> None:
        with self._cond:
            self.states.append(state)
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[SyncState], bool], timeout: float = 60.0) -> SyncState:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: bool(self.states) and predicate(self.states[-1]), timeout
            )
            if not ok:
                last = self.states[-1] if self.states else None
                raise AssertionError(f"sync state not reached in {timeout} s; last: {last}")
            return self.states[-1]


class Scanner(threading.Thread):
    """Volunteers scanning passes while sync runs (one decision per pass, like the gate)."""

    def __init__(self, kiosk: Kiosk, passes: list[str], after_each: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.kiosk, self.passes, self.after_each = kiosk, passes, after_each
        self.ids: list[str] = []

    def run(self) -> None:
        for token in self.passes:
            result = self.kiosk.services.checkins.submit(token, Method.CAMERA)
            assert result.checkin_id is not None, result
            self.ids.append(result.checkin_id)
            self.after_each()


def assert_exact(server: ServerProcess, *kiosks: Kiosk) -> dict[str, str]:
    """The server holds exactly what the kiosks stored: no loss, no doubles, same verdicts."""
    devices = {kiosk.secrets.get(SERVER_DEVICE_ID) for kiosk in kiosks}
    rows = [row for row in server.checkins() if row[4] in devices]
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)), "a check-in was stored twice"
    server_status = {row[0]: row[1] for row in rows}
    local: dict[str, str] = {}
    for kiosk in kiosks:
        local.update(kiosk_statuses(kiosk.directory / "kiosk.db"))
    assert "pending" not in set(local.values()), "check-ins left behind"
    assert set(server_status) == set(local), "server and kiosks disagree on the set"
    assert server_status == local, "server and kiosks disagree on verdicts"
    accepted = {i for i, s in server_status.items() if s == "accepted"}
    registrants = [row[3] for row in rows if row[1] == "accepted"]
    assert len(registrants) == len(set(registrants)), "one registrant counted twice"
    return {i: server_status[i] for i in accepted}
