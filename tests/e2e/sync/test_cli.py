"""`kiosk sync` as a real child process: summary, one-line failures, SIGKILL at random points."""

from __future__ import annotations

import json
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import keyring
import pytest

from cli.main import main
from config.secrets import CredentialFileKeyring
from tests.e2e.sync.conftest import KioskFactory, assert_exact
from tests.e2e.sync.harness import ROOT, ServerProcess, queue_offline, subprocess_env

TRIALS = 5


def _kiosk_sync(
    config: Path, *extra: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", "sync", "--config", str(config), *extra],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_sync_once_prints_a_summary(server: ServerProcess, new_kiosk: KioskFactory) -> None:
    kiosk = new_kiosk()
    queue_offline(kiosk.directory / "kiosk.db", server.passes(30))
    done = _kiosk_sync(kiosk.config_path, "--once", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["uploaded"] == summary["accepted"] == 30
    assert summary["pending"] == 0
    assert summary["rejected"] == 0
    assert summary["duplicate"] == 0
    assert summary["trust_list"] == "updated"
    assert summary["error"] is None
    assert isinstance(summary["clock_offset_seconds"], float)
    assert abs(summary["clock_offset_seconds"]) < 5
    again = _kiosk_sync(kiosk.config_path, "--once")
    assert again.returncode == 0, again.stderr
    assert "accepted   0" in again.stdout
    assert "pending    0" in again.stdout
    assert "trust list unchanged" in again.stdout  # the ETag round trip
    assert_exact(server, kiosk)


@pytest.fixture
def file_keyring() -> Iterator[None]:
    """In-process commands resolve the keyring themselves: point it at the test's file."""
    previous = keyring.get_keyring()
    keyring.set_keyring(CredentialFileKeyring())
    yield
    keyring.set_keyring(previous)


def test_sync_fails_in_one_line_when_unreachable_or_not_enrolled(
    server: ServerProcess,
    new_kiosk: KioskFactory,
    file_keyring: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    enrolled = new_kiosk("kiosk-a", url="http://127.0.0.1:9")  # nothing listens on port 9
    queue_offline(enrolled.directory / "kiosk.db", server.passes(3))
    assert main(["sync", "--config", str(enrolled.config_path), "--once"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "unreachable" in err
    assert "3 check-ins still pending" in err

    stranger = new_kiosk("kiosk-b", enroll=False)
    assert main(["sync", "--config", str(stranger.config_path), "--once"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "kiosk-b is not enrolled" in err


def test_sync_refuses_an_offline_only_config(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--config", str(config_file), "--once"]) == 2
    assert "offline-only" in capsys.readouterr().err


def test_sync_without_once_keeps_syncing_until_sigterm(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk()
    queue_offline(kiosk.directory / "kiosk.db", server.passes(20))
    with subprocess.Popen(
        [sys.executable, "-m", "cli", "sync", "--config", str(kiosk.config_path), "--json"],
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as child:
        lines: queue.Queue[str] = queue.Queue()

        def pump() -> None:
            for line in child.stdout or ():
                lines.put(line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            while True:
                state = json.loads(lines.get(timeout=60))
                if state["pending"] == 0 and state["last_success"]:
                    break
            assert state["online"]
            assert not state["needs_enrollment"]
        finally:
            child.send_signal(signal.SIGTERM)
            status = child.wait(timeout=60)
            reader.join(10)
    assert status == 0
    assert_exact(server, kiosk)


def test_sigkill_during_sync_never_loses_or_doubles(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk(batch_size=20)
    database = kiosk.directory / "kiosk.db"
    # slow responses and responses lost after commit make kills land at every stage
    server.faults(seed=11, latency_ms=30, lost_after_commit_rate=0.15, paths=["/v1/checkins"])
    rng = random.Random(2026)
    ids: set[str] = set()
    killed = 0
    for _trial in range(TRIALS):
        ids |= set(queue_offline(database, server.passes(160)))  # fresh work every trial
        before = _pending(database)
        threshold = rng.randint(1, before - 1)  # kill once the backlog fell below this
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli",
                "sync",
                "--config",
                str(kiosk.config_path),
                "--once",
                "--json",
            ],
            cwd=ROOT,
            env=subprocess_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        pause = threading.Event()
        for _ in range(3000):  # bounded polling on the kiosk's own database (<= 60 s)
            if child.poll() is not None or _pending(database) <= threshold:
                break
            pause.wait(0.02)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed += 1
        child.wait(timeout=60)
    assert killed >= TRIALS - 1, "the kills should land mid-sync"
    server.faults()
    final = _kiosk_sync(kiosk.config_path, "--once", "--json")
    assert final.returncode == 0, final.stderr
    assert json.loads(final.stdout)["pending"] == 0
    assert set(assert_exact(server, kiosk)) == ids


def _pending(database: Path) -> int:
    with closing(sqlite3.connect(database, timeout=10)) as con:
        return int(con.execute("SELECT count(*) FROM outbox WHERE done_at IS NULL").fetchone()[0])


def test_sync_once_counts_the_batches_answered_before_a_later_one_failed(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk(batch_size=10)
    (early,) = queue_offline(kiosk.directory / "kiosk.db", server.passes(1))
    assert _kiosk_sync(kiosk.config_path, "--once").returncode == 0
    queue_offline(kiosk.directory / "kiosk.db", server.passes(30))
    kiosk.store.corrections.void(
        early, reason="wrong person", operator="rmo", at=datetime.now(UTC)
    )  # goes after the 30 (they were queued first)
    server.faults(unavailable_rate=1.0, retry_after_s=0, paths=["/v1/checkins:corrections"])
    done = _kiosk_sync(kiosk.config_path, "--once", "--json")
    assert done.returncode == 1
    summary = json.loads(done.stdout)
    assert (summary["uploaded"], summary["accepted"], summary["batches"]) == (30, 30, 3)
    assert (summary["pending"], summary["corrections"]["pending"]) == (1, 1)
    assert "0 check-ins and 1 corrections still pending" in done.stderr
    assert done.stderr.count("\n") == 1


def test_sync_once_succeeds_when_everything_was_uploaded_and_only_the_pull_failed(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk()
    queue_offline(kiosk.directory / "kiosk.db", server.passes(5))
    server.faults(unavailable_rate=1.0, retry_after_s=0, paths=["/v1/activities"])
    done = _kiosk_sync(kiosk.config_path, "--once", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["uploaded"], summary["pending"]) == (5, 0)
    assert summary["pull_error"] is not None
    assert summary["error"] == summary["pull_error"]
    assert "everything was uploaded; the pull failed" in done.stderr
    assert_exact(server, kiosk)
