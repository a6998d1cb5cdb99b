"""Signed national trust over loopback (issue 17): the kiosk's real sync worker, trust keeper
and verifier against a national API impostor serving statements made with real Ed25519 keys.

Every bad statement is refused with a logged reason while the gate keeps verifying with the
last good list, and that holds after a restart; a valid rotation is accepted; a new anchor is
trusted only when the pinned one announced it. The impostor also plays the hostile API of the
issue: an unsigned trust list naming a forged key never makes a forged pass `accepted`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.compose import build_services, sync_worker_for
from config.load import load_config
from config.secrets import DEVICE_TOKEN
from kiosk.jws import sign_compact
from kiosk.models import Method, Outcome, Reason
from kiosk.services import Services
from kiosk.trust import STATEMENT_TYPE
from sync.worker import SyncReport
from tests.e2e.sync.fake_api import FakeNationalApi, serve_fake_api
from tests.e2e.sync.harness import Kiosk, make_kiosk
from tests.passkit import PassKit, SigningKey
from tests.trustkit import Anchor

DAY = 86400


@pytest.fixture
def fake() -> Iterator[FakeNationalApi]:
    with serve_fake_api(FakeNationalApi()) as api:
        yield api


@pytest.fixture
def anchor() -> Anchor:
    return Anchor()


@pytest.fixture
def forged() -> PassKit:
    """Someone else's pass key, under a key id of its own."""
    return PassKit([SigningKey("forged-2026")])


def kiosk_on(
    tmp_path: Path, fake: FakeNationalApi, kit: PassKit, anchor: Anchor | None, name: str = "k"
) -> Kiosk:
    kiosk = make_kiosk(
        tmp_path / name,
        device_id=f"kiosk-{name}",
        url=fake.url,
        jwks=kit.jwks(),
        anchor={"keys": [anchor.jwk]} if anchor is not None else None,
    )
    kiosk.secrets.set(DEVICE_TOKEN, "fake-device-token")  # the impostor takes any token
    return kiosk


def sync(services: Services, kiosk: Kiosk) -> SyncReport:
    worker = sync_worker_for(services, kiosk.token)
    assert worker is not None
    try:
        return worker.run_once(pull=True, max_failures=2)
    finally:
        worker.stop()


def statement(anchor: Anchor, keys: PassKit, seq: int, **overrides: Any) -> str:
    """A statement by `anchor` dated now (the trust kit's default dates are fixed)."""
    now = int(time.time())
    dated: dict[str, Any] = {"iat": now - 60, "exp": now + 7 * DAY, **overrides}
    return anchor.statement(keys, seq, **dated)


def in_the_name_of(anchor: Anchor, signer: Anchor, keys: PassKit, seq: int) -> str:
    """A statement whose header names `anchor` but which `signer` signed."""
    now = int(time.time())
    payload = anchor.payload(keys, seq, iat=now - 60, exp=now + 7 * DAY)
    header = {"alg": "EdDSA", "typ": STATEMENT_TYPE, "kid": anchor.kid, "jwk": anchor.jwk}
    return sign_compact(header, payload, signer.private)


def outcome(services: Services, token: str) -> tuple[Outcome, Reason | None]:
    result = services.checkins.submit(token, Method.CAMERA)
    return result.outcome, result.reason


def test_bad_statements_are_refused_and_the_gate_keeps_the_last_good_list(
    tmp_path: Path,
    fake: FakeNationalApi,
    kit: PassKit,
    anchor: Anchor,
    forged: PassKit,
    caplog: pytest.LogCaptureFixture,
) -> None:
    kiosk = kiosk_on(tmp_path, fake, kit, anchor)
    fake.statement = statement(anchor, kit, 5, revocations={"jti": [], "sub": [], "through": "0"})
    first = sync(kiosk.services, kiosk)
    assert (first.pulls.trust, first.pulls.trust_sequence) == ("accepted", 5)

    impostor = Anchor()
    both = PassKit([*kit.keys, *forged.keys])
    cases = [
        ("unknown_anchor", impostor.statement(both, 9)),  # signed by another key
        ("bad_signature", in_the_name_of(anchor, impostor, both, 9)),
        ("not_newer", statement(anchor, both, 4)),  # older sequence
        ("not_newer", statement(anchor, both, 5)),  # a replay of the same number
        ("expired", statement(anchor, both, 9, iat=int(time.time()) - 8 * DAY,
                              exp=int(time.time()) - 60)),
        ("no_keys", statement(anchor, PassKit([]), 9)),  # drops every key
    ]  # fmt: skip
    for reason, token in cases:
        caplog.clear()
        fake.statement = token
        report = sync(kiosk.services, kiosk)
        assert (report.pulls.trust, report.pulls.trust_refusal) == ("refused", reason), reason
        assert report.pulls.trust_sequence == 5
        logged = [r.getMessage() for r in caplog.records if r.name == "kiosk.trust"]
        assert any(f"trust statement refused: {reason}" in m for m in logged), logged
        assert kiosk.store.trust.refusals(limit=1)[0].reason == reason
        # the gate still verifies with statement #5: its key in, the forged key out
        assert outcome(kiosk.services, kit.sign()) == (Outcome.ACCEPTED, None)
        assert outcome(kiosk.services, forged.sign()) == (Outcome.REJECTED, Reason.UNKNOWN_KEY)
    saved = kiosk.store.trust.saved()
    assert saved is not None
    assert saved.sequence == 5

    # ...and after a restart, offline
    kiosk.close()
    fake.statement = None
    restarted = build_services(load_config(kiosk.config_path))
    try:
        assert outcome(restarted, kit.sign()) == (Outcome.ACCEPTED, None)
        assert outcome(restarted, forged.sign()) == (Outcome.REJECTED, Reason.UNKNOWN_KEY)
        assert restarted.trust is not None
        assert restarted.trust.sequence == 5
    finally:
        restarted.close()


def test_a_valid_rotation_is_accepted_and_survives_a_restart(
    tmp_path: Path, fake: FakeNationalApi, kit: PassKit, anchor: Anchor
) -> None:
    kiosk = kiosk_on(tmp_path, fake, kit, anchor)
    fake.statement = statement(anchor, kit, 1)
    assert sync(kiosk.services, kiosk).pulls.trust == "accepted"
    old_pass = kit.sign()

    rotated = PassKit([SigningKey("test-2027-b")])  # the old key retired, a new one in force
    fake.statement = statement(
        anchor, rotated, 2, revocations={"jti": ["lost-2"], "sub": [], "through": "2"}
    )
    report = sync(kiosk.services, kiosk)
    assert (report.pulls.trust, report.pulls.trust_sequence) == ("accepted", 2)
    assert outcome(kiosk.services, rotated.sign()) == (Outcome.ACCEPTED, None)
    assert outcome(kiosk.services, old_pass) == (Outcome.REJECTED, Reason.UNKNOWN_KEY)
    again = sync(kiosk.services, kiosk)  # the same statement again: nothing changes
    assert (again.pulls.trust, again.pulls.trust_sequence) == ("unchanged", 2)
    assert "/v1/trust/jwks" not in fake.requests  # a pinned kiosk never asks for it
    assert "/v1/revocations" not in fake.requests

    kiosk.close()
    restarted = build_services(load_config(kiosk.config_path))
    try:
        assert outcome(restarted, rotated.sign()) == (Outcome.ACCEPTED, None)
        assert outcome(restarted, old_pass) == (Outcome.REJECTED, Reason.UNKNOWN_KEY)
        revoked_too = rotated.sign(jti="lost-2")
        assert outcome(restarted, revoked_too) == (Outcome.REJECTED, Reason.REVOKED)
    finally:
        restarted.close()


def test_a_new_anchor_is_trusted_only_when_the_pinned_one_announced_it(
    tmp_path: Path, fake: FakeNationalApi, kit: PassKit, anchor: Anchor
) -> None:
    kiosk = kiosk_on(tmp_path, fake, kit, anchor)
    fake.statement = statement(anchor, kit, 1)
    assert sync(kiosk.services, kiosk).pulls.trust == "accepted"
    successor = Anchor()

    # Unannounced: refused, whatever it says.
    fake.statement = statement(successor, kit, 2)
    unannounced = sync(kiosk.services, kiosk)
    assert (unannounced.pulls.trust, unannounced.pulls.trust_refusal) == (
        "refused",
        "unknown_anchor",
    )
    # An announcement signed by someone else than the pinned anchor proves nothing.
    fake.statement = statement(successor, kit, 2, anchor_announcement=successor.announce(successor))
    assert sync(kiosk.services, kiosk).pulls.trust_refusal == "unknown_anchor"

    # Announced by the pinned anchor: accepted, and the successor is trusted next to it.
    fake.statement = statement(anchor, kit, 3, anchor_announcement=anchor.announce(successor))
    assert sync(kiosk.services, kiosk).pulls.trust == "accepted"
    trust = kiosk.services.trust
    assert trust is not None
    state = trust.state
    assert state is not None
    assert [a.thumbprint for a in state.anchors] == [anchor.kid, successor.kid]

    # The switch: statements signed by the successor; the old anchor is dropped.
    proof = anchor.announce(successor)
    fake.statement = statement(successor, kit, 4, anchor_announcement=proof)
    switched = sync(kiosk.services, kiosk)
    assert (switched.pulls.trust, switched.pulls.trust_sequence) == ("accepted", 4)
    fake.statement = statement(anchor, kit, 5)
    assert sync(kiosk.services, kiosk).pulls.trust_refusal == "unknown_anchor"

    # A restart keeps following the successor, though the config still pins the first anchor.
    kiosk.close()
    restarted = build_services(load_config(kiosk.config_path))
    try:
        assert restarted.trust is not None
        state = restarted.trust.state
        assert state is not None
        assert [a.thumbprint for a in state.anchors] == [successor.kid]
        assert restarted.trust.sequence == 4
    finally:
        restarted.close()


@pytest.mark.parametrize("pinned", [True, False], ids=["pinned", "no-pin"])
def test_a_hostile_api_cannot_make_a_forged_pass_accepted(
    tmp_path: Path,
    fake: FakeNationalApi,
    kit: PassKit,
    anchor: Anchor,
    forged: PassKit,
    pinned: bool,
) -> None:
    genuine = kit.sign()
    # The impostor's trust list: the forged key, plus the forged key under the real key id.
    takeover = SigningKey(kit.key.kid, forged.key.private)
    fake.jwks = {"keys": [forged.key.jwk(), takeover.jwk()]}
    # Its "statement": signed by its own anchor, key in the header, trusting the forged keys.
    impostor = Anchor()
    fake.statement = statement(impostor, PassKit([forged.key, takeover]), 99)
    kiosk = kiosk_on(tmp_path, fake, kit, anchor if pinned else None)

    report = sync(kiosk.services, kiosk)
    assert report.error is None
    if pinned:
        assert (report.pulls.trust, report.pulls.trust_refusal) == ("refused", "unknown_anchor")
    else:
        assert report.pulls.trust == "not_pinned"
        assert "/v1/trust/statement" not in fake.requests
    forged_passes = [forged.sign(), PassKit([takeover]).sign()]
    for token in forged_passes:
        decided, _reason = outcome(kiosk.services, token)
        assert decided is Outcome.REJECTED
    assert outcome(kiosk.services, genuine) == (Outcome.ACCEPTED, None)

    kiosk.close()  # ...and after a restart
    restarted = build_services(load_config(kiosk.config_path))
    try:
        for token in forged_passes:
            assert outcome(restarted, token)[0] is Outcome.REJECTED
        assert outcome(restarted, kit.sign()) == (Outcome.ACCEPTED, None)
    finally:
        restarted.close()
    assert (tmp_path / "k" / "jwks.json").read_text().count('"kid"') == 1  # never rewritten
