"""The trust keeper: the last good statement kept in a real store and put back in force at
start-up, refusals recorded with their reason, the verifier fed from accepted statements."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.models import Reason
from kiosk.passes import PassVerifier, Revocations, parse_jwks
from kiosk.store import Store
from kiosk.trust_anchor import AnchorPin
from kiosk.trust_keeper import STALE_AFTER, Offered, TrustKeeper, TrustStatus
from tests.passkit import PassKit, SigningKey
from tests.trustkit import NOW, Anchor

AT = datetime.fromtimestamp(NOW, UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "k.db")


def keeper_for(
    store: Store, kit: PassKit, *pins: AnchorPin, provisioned: Revocations | None = None
) -> TrustKeeper:
    verifier = PassVerifier(parse_jwks(kit.jwks()))
    return TrustKeeper(store, verifier, pins, provisioned or Revocations())


def verdict(keeper: TrustKeeper, token: str) -> Reason | None:
    return keeper.verifier.verify(token, NOW).reason


def test_an_accepted_statement_feeds_the_verifier_and_survives_a_restart(
    store: Store, kit: PassKit
) -> None:
    anchor = Anchor()
    rotated = PassKit([SigningKey("next-key")])
    keeper = keeper_for(store, kit, anchor.pin(), provisioned=Revocations({"local-1"}, set()))
    assert keeper.load() is None  # nothing saved yet: the provisioned list stays
    offered = keeper.offer(anchor.statement(rotated, 3), AT)
    assert (offered.outcome, offered.sequence) == (Offered.ACCEPTED, 3)
    assert verdict(keeper, rotated.sign(iat=NOW - 60, exp=NOW + 3600)) is None
    assert verdict(keeper, kit.sign(iat=NOW - 60, exp=NOW + 3600)) is Reason.UNKNOWN_KEY
    # the statement's revocations ("lost-1") and the provisioned file's ("local-1") both apply
    for jti in ("lost-1", "local-1"):
        revoked = rotated.sign(jti=jti, iat=NOW - 60, exp=NOW + 3600)
        assert verdict(keeper, revoked) is Reason.REVOKED
    again = keeper.offer(anchor.statement(rotated, 3, iat=NOW - 30), AT)  # same seq, new bytes
    assert again.outcome is Offered.REFUSED
    saved = store.trust.saved()
    assert saved is not None
    same = keeper.offer(saved.token, AT + timedelta(hours=1))
    assert (same.outcome, same.sequence) == (Offered.UNCHANGED, 3)

    restarted = keeper_for(store, kit, anchor.pin())
    statement = restarted.load()
    assert statement is not None
    assert statement.sequence == 3
    assert restarted.sequence == 3
    assert verdict(restarted, rotated.sign(iat=NOW - 60, exp=NOW + 3600)) is None
    status = restarted.status()
    assert status.sequence == 3
    assert status.checked_at == AT + timedelta(hours=1)
    assert status.last_refusal is None  # the refusal came before the last confirmation


def test_refusals_are_logged_recorded_and_change_nothing(
    store: Store, kit: PassKit, caplog: pytest.LogCaptureFixture
) -> None:
    anchor = Anchor()
    keeper = keeper_for(store, kit, anchor.pin())
    assert keeper.offer(anchor.statement(kit, 2), AT).outcome is Offered.ACCEPTED
    caplog.set_level(logging.WARNING, logger="kiosk.trust")
    result = keeper.offer(anchor.statement(PassKit([]), 3), AT)
    assert result.outcome is Offered.REFUSED
    assert result.refusal is not None
    assert result.refusal.reason.value == "no_keys"
    assert result.sequence == 2
    assert "trust statement refused: no_keys" in caplog.text
    assert "statement #2" in caplog.text
    assert verdict(keeper, kit.sign(iat=NOW - 60, exp=NOW + 3600)) is None
    status = keeper.status()
    assert status.last_refusal is not None
    assert status.last_refusal.reason == "no_keys"


def test_a_changed_pin_starts_over_from_the_provisioned_list(store: Store, kit: PassKit) -> None:
    first, second = Anchor(), Anchor()
    rotated = PassKit([SigningKey("k2")])
    keeper = keeper_for(store, kit, first.pin())
    keeper.offer(first.statement(rotated, 7), AT)
    repinned = keeper_for(store, kit, second.pin())
    assert repinned.load() is None  # accepted under another pin: set aside
    assert verdict(repinned, kit.sign(iat=NOW - 60, exp=NOW + 3600)) is None  # provisioned
    assert repinned.offer(second.statement(kit, 1), AT).outcome is Offered.ACCEPTED


def test_a_tampered_saved_statement_is_not_used_but_its_sequence_still_counts(
    store: Store, kit: PassKit, tmp_path: Path
) -> None:
    anchor = Anchor()
    rotated = PassKit([SigningKey("k2")])
    keeper_for(store, kit, anchor.pin()).offer(anchor.statement(rotated, 9), AT)
    forged = Anchor().statement(PassKit([SigningKey("evil")]), 10)
    with sqlite3.connect(tmp_path / "k.db") as con:
        con.execute("UPDATE truststatement SET token = ?", (forged,))
    restarted = keeper_for(store, kit, anchor.pin())
    assert restarted.load() is None
    assert verdict(restarted, kit.sign(iat=NOW - 60, exp=NOW + 3600)) is None  # provisioned
    older = restarted.offer(anchor.statement(rotated, 8), AT)
    assert older.refusal is not None
    assert older.refusal.reason.value == "not_newer"  # no rollback below #9


def test_without_a_pin_nothing_is_offered(store: Store, kit: PassKit) -> None:
    keeper = keeper_for(store, kit)
    assert not keeper.pinned
    assert keeper.offer(Anchor().statement(kit), AT).outcome is Offered.NOT_PINNED
    assert store.trust.saved() is None


def test_status_age_expiry_and_staleness(store: Store, kit: PassKit) -> None:
    anchor = Anchor()
    keeper = keeper_for(store, kit, anchor.pin())
    assert keeper.status().stale(AT)  # pinned and never confirmed
    keeper.offer(anchor.statement(kit, 1), AT)
    status = keeper.status()
    assert status.age(AT) == timedelta(seconds=60)
    assert not status.expired(AT)
    assert not status.stale(AT + STALE_AFTER)
    assert status.stale(AT + STALE_AFTER + timedelta(seconds=1))
    assert status.expired(AT + timedelta(days=7))
    unpinned = TrustStatus.of(False, None, None)
    assert not unpinned.stale(AT)
    assert unpinned.age(AT) is None
