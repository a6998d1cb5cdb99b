"""Start-up benchmark (issue 18): `kiosk run` with 100,000 check-ins in its database.

A field kiosk that has been offline for a long time (or never purged) starts with a large
database. Measured the way the UI benchmark measures start-up (a fresh interpreter, bytecode
compiled, spawn -> first interactive screen), with 100,000 queued check-ins and, as the
same-run baseline, with an empty database. The start-up integrity check is timed on its own,
against the check used before issue 18 (the whole `quick_check`, O(database size)).

    python -m tests.bench.startup         (or `make bench BENCH=startup`)
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli.compose import build_services, read_config
from kiosk.store.health import integrity, start_up_integrity
from tests.bench.metering import PI_FACTOR, PI_NOTE, target
from tests.bench.ui import _compile_bytecode, _startup, _write_config
from tests.e2e.sync.harness import queue_offline
from tests.passkit import PassKit

CHECKINS = 100_000
ACTIVITY = "act-bench"  # the activity of tests.bench.ui's config
TARGET_S = 1.0
CHECK_RUNS = 5


def _kiosk(folder: Path, kit: PassKit, checkins: int) -> Path:
    """A field kiosk config whose database holds `checkins` queued check-ins."""
    folder.mkdir()
    config = _write_config(folder, kit, api=True)
    build_services(read_config(config)).close()  # creates the database and its schema
    if checkins:
        queue_offline(folder / "kiosk.db", [kit.sign() for _ in range(checkins)], ACTIVITY)
    return config


def _median_s(check: Callable[[], object]) -> float:
    samples = []
    for _ in range(CHECK_RUNS):
        started = time.perf_counter()
        check()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def run() -> dict[str, Any]:
    kit = PassKit()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        root = Path(tmp)
        large = _kiosk(root / "large", kit, CHECKINS)
        empty = _kiosk(root / "empty", kit, 0)
        database = root / "large" / "kiosk.db"
        size_mb = database.stat().st_size / 2**20
        check_now = _median_s(lambda: start_up_integrity(database))
        check_before = _median_s(lambda: integrity(database, limit=5, quick=True))
        _compile_bytecode()
        large_runs, large_built = _startup("kiosk", large, root / "credentials")
        empty_runs, _ = _startup("kiosk", empty, root / "credentials")
    median = statistics.median(large_runs)
    baseline = statistics.median(empty_runs)
    return {
        "name": f"kiosk run start-up with {CHECKINS:,} check-ins (field config, warm bytecode)",
        "database_mb": round(size_mb, 1),
        "startup_s": target(round(median, 3), TARGET_S, "s"),
        "startup_max_s": round(max(large_runs), 3),
        "built_median_s": round(statistics.median(large_built), 3),
        "baseline_empty_database_s": round(baseline, 3),
        "ratio_vs_empty_database": round(median / baseline, 2),
        "start_up_integrity_check_s": round(check_now, 4),
        "before_issue_18_whole_quick_check_s": round(check_before, 4),
        "check_ratio_before_over_now": round(check_before / max(check_now, 1e-6), 1),
        "pi_estimate_whole_quick_check_s": round(check_before * PI_FACTOR, 2),
        "pi_note": PI_NOTE + "; an SD card read cold is slower still",
        "assurance": "start-up runs the whole quick_check up to 16 MB; above, the schema, every"
        " table but the scan logs (checkin, audit, outbox, attempt) and the logs' newest rows;"
        " the full integrity_check stays in kiosk doctor, purge and provision",
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
