"""The kiosk core's trust-statement verification and activity-code signing, against baselines.

`verify_statement` with 1,000 / 100,000 revocations is compared with the least any verifier must
do in the same run: one Ed25519 verification plus a plain `json.loads` of the payload. The
difference is the hostile-input guards (depth scan, bounded numbers, unique members) and the
content checks. `make_activity_code` is compared with one bare Ed25519 signature.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.activity_code import ActivityCodeKey, make_activity_code
from kiosk.clock import venue_today
from kiosk.trust import Accepted, verify_statement
from tests.bench.stats import summary_ms
from tests.passkit import PassKit
from tests.trustkit import NOW, Anchor

ROUNDS = 15
CODES = 2000


def _statement(anchor: Anchor, kit: PassKit, revocations: int) -> str:
    jti = [f"jti-{i:08x}" for i in range(revocations)]
    sub = [f"FR{i:010d}" for i in range(revocations // 10)]
    payload = anchor.payload(kit, revocations={"jti": jti, "sub": sub, "through": "1"})
    return anchor.sign(payload)


def _baseline(token: str, anchor: Anchor) -> None:
    head, body, signature = token.split(".")
    public = anchor.private.public_key()
    public.verify(base64.urlsafe_b64decode(signature + "=="), f"{head}.{body}".encode())
    json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _times(fn: Any, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def _statements() -> dict[str, Any]:
    anchor, kit = Anchor(), PassKit()
    out: dict[str, Any] = {}
    for revocations in (1000, 100_000):
        token = _statement(anchor, kit, revocations)
        outcome = verify_statement(token, anchor.state(), NOW)
        assert isinstance(outcome, Accepted), outcome
        state = anchor.state()
        verify = summary_ms(_times(lambda t=token, st=state: verify_statement(t, st, NOW), ROUNDS))
        base = summary_ms(_times(lambda t=token: _baseline(t, anchor), ROUNDS))
        out[f"revocations_{revocations}"] = {
            "statement_kib": round(len(token) / 1024, 1),
            "verify": verify,
            "baseline_signature_plus_json": base,
            "ratio_p50": round(verify["p50_ms"] / base["p50_ms"], 2),
        }
    return out


def _codes() -> dict[str, Any]:
    seed = bytes(range(32))
    key = ActivityCodeKey(
        activity_id="act-2026-11-23-beach",
        day=venue_today(datetime.fromtimestamp(NOW, UTC)),
        device_id="dev-0123456789abcdef",
        kid="ack-0123456789abcdefghijkl",
        window_seconds=60,
        certificate="",
        seed=seed,
    )
    make = summary_ms(_times(lambda: make_activity_code(key, NOW), CODES))
    private = Ed25519PrivateKey.from_private_bytes(seed)
    message = b"x" * 250
    sign = summary_ms(_times(lambda: private.sign(message), CODES))
    return {
        "make_activity_code": make,
        "baseline_ed25519_sign": sign,
        "ratio_p50": round(make["p50_ms"] / sign["p50_ms"], 2),
        "code_chars": len(make_activity_code(key, NOW).token),
    }


def run() -> dict[str, Any]:
    return {"statement": _statements(), "activity_code": _codes()}
