"""Verify + decide + commit one durable check-in, against a bare sqlite3 insert baseline.

Both run in the same process on the same disk with the same durability (WAL, synchronous=FULL),
so the ratio shows what verification, the decision, the attempt/audit/outbox rows and the
store's locking cost on top of the bare write.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from kiosk.models import Method, Outcome
from tests.bench.stats import summary_ms
from tests.builders import checkin_service
from tests.passkit import PassKit

N = 2000


def _bare_sqlite(path: Path, n: int) -> list[float]:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE checkin (id TEXT PRIMARY KEY, registrant TEXT, at TEXT)")
    samples = []
    for i in range(n):
        started = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO checkin VALUES (?, ?, ?)", (str(uuid.uuid4()), f"FR{i:010d}", "t"))
        con.execute("COMMIT")
        samples.append(time.perf_counter() - started)
    con.close()
    return samples


def run(n: int = N) -> dict[str, object]:
    kit = PassKit()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        service = checkin_service(root / "kiosk.db", kit.write_jwks(root / "jwks.json"), "act-1")
        tokens = [kit.sign(sub=f"FR{i:010d}") for i in range(n)]
        service.submit(kit.sign(), Method.CAMERA)  # warm-up: first connection and statements
        samples = []
        for token in tokens:
            started = time.perf_counter()
            result = service.submit(token, Method.CAMERA)
            samples.append(time.perf_counter() - started)
            assert result.outcome == Outcome.ACCEPTED
        service.store.close()
        baseline = _bare_sqlite(root / "bare.db", n)
    ours, bare = summary_ms(samples), summary_ms(baseline)
    return {
        "name": "durable check-in (verify + decide + commit, WAL, synchronous=FULL)",
        "checkin": ours,
        "checkins_per_second": round(n / sum(samples), 1),
        "baseline_bare_sqlite_insert": bare,
        "baseline_inserts_per_second": round(n / sum(baseline), 1),
        "ratio_p50_vs_bare_insert": round(ours["p50_ms"] / bare["p50_ms"], 2),
        "target": "p99 <= 5 ms per durable check-in",
        "target_met": ours["p99_ms"] <= 5.0,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
