"""A killed process loses nothing it reported as stored, and never doubles a check-in."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.passkit import PassKit

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from kiosk.models import Method
    from tests.builders import checkin_service
    db, jwks, tokens = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    service = checkin_service(db, jwks, "act-1")
    print("ready", flush=True)
    for token in tokens.read_text().split():
        result = service.submit(token, Method.CAMERA)
        # printed only after the transaction committed
        print(result.outcome.value, result.checkin_id, flush=True)
    """
)


def test_sigkill_during_writes_loses_nothing_reported(tmp_path: Path, kit: PassKit) -> None:
    jwks = kit.write_jwks(tmp_path / "jwks.json")
    db = tmp_path / "kiosk.db"
    registrants = [f"FR{i:010d}" for i in range(300)]
    rng = random.Random(20261123)
    reported: dict[str, str] = {}
    for trial in range(12):
        # Each trial rescans a random mix: repeats must come back as duplicates, never doubles.
        tokens = tmp_path / f"tokens-{trial}.txt"
        tokens.write_text("\n".join(kit.sign(sub=rng.choice(registrants)) for _ in range(150)))
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(jwks), str(tokens)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path.cwd())},
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        kill_after = rng.randint(1, 120)
        for _ in range(kill_after):
            line = child.stdout.readline().split()
            if not line:
                break
            outcome, checkin_id = line
            if outcome == "accepted":
                reported[checkin_id] = outcome
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()

    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = con.execute("SELECT id, registrant FROM checkin WHERE voided = 0").fetchall()
        outbox = {r[0] for r in con.execute("SELECT checkin_id FROM outbox")}
    ids = [r[0] for r in rows]
    assert set(reported) <= set(ids), "a check-in reported as stored is missing"
    assert len(ids) == len(set(ids))
    per_registrant = [r[1] for r in rows]
    assert len(per_registrant) == len(set(per_registrant)), "a registrant was counted twice"
    assert set(ids) == outbox, "every check-in has exactly its outbox row"
