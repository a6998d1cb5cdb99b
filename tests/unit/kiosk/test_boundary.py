"""The decision boundary cannot raise: a bug inside it (a verifier or store that fails the
way code fails, not the way input does) is one recorded `unreadable` rejection, logged with
its traceback, and the next pass is decided as usual."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.models import Method, Outcome, Reason, Verification
from kiosk.new_checkins import paper_registrant
from kiosk.passes import PassVerifier, parse_jwks
from kiosk.store import NewCheckin, Store, Stored
from kiosk.store.database import Database
from kiosk.store.records import Records
from tests.passkit import PassKit

ACTIVITY = "act-boundary"
NOW = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)


class BuggyVerifier(PassVerifier):
    """A verifier with a bug for one kind of pass: it raises instead of deciding."""

    def __init__(self, kit: PassKit, error: Exception) -> None:
        super().__init__(parse_jwks(kit.jwks()))
        self.error = error

    def verify(self, token: str | bytes, now: float) -> Verification:
        if isinstance(token, str) and token.startswith("bug:"):
            raise self.error
        return super().verify(token, now)


class BuggyRecords(Records):
    """The check-in write path has a bug; rejections still record (when `rejections_work`)."""

    def __init__(self, database: Database, *, rejections_work: bool) -> None:
        super().__init__(database)
        self.rejections_work = rejections_work

    def record_checkin(
        self, new: NewCheckin, *, latency_ms: float = 0.0, detail: str = ""
    ) -> Stored:
        raise TypeError("a bug in the check-in write")

    def add_manual(
        self, new: NewCheckin, *, reason: str, paper: tuple[str, str, str] | None = None
    ) -> Stored:
        raise KeyError("a bug in the manual write")

    def record_rejection(self, *args: object, **kwargs: object) -> Stored:
        if not self.rejections_work:
            raise AttributeError("a bug in the rejection write too")
        return super().record_rejection(*args, **kwargs)  # type: ignore[arg-type]


class BuggyStore(Store):
    def __init__(self, database: Database, *, rejections_work: bool = True) -> None:
        super().__init__(database)
        self.records = BuggyRecords(database, rejections_work=rejections_work)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "kiosk.db", synchronous="NORMAL")
    opened.activities.ensure(ACTIVITY, "Beach", NOW.date())
    yield opened
    opened.close()


def sign(kit: PassKit, sub: str = "FR7K3M9Q2XPD") -> str:
    now = int(NOW.timestamp())
    return kit.sign(sub=sub, iat=now - 60, exp=now + 86400)


def attempts(store: Store) -> list[tuple[str, str | None, str]]:
    return sorted((a.outcome, a.reason, a.detail) for a in store.records.attempts(ACTIVITY))


@pytest.mark.parametrize("error", [RecursionError("deep"), KeyError("kid"), ZeroDivisionError()])
def test_a_verifier_bug_is_one_unreadable_rejection_and_the_gate_goes_on(
    kit: PassKit,
    store: Store,
    clock: FixedClock,
    error: Exception,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = CheckinService(store, BuggyVerifier(kit, error), clock, ACTIVITY)
    with caplog.at_level(logging.ERROR, logger="kiosk.checkins"):
        result = service.submit("bug:" + "[" * 1000, Method.WEDGE)
    assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.UNREADABLE)
    assert result.attempt_id
    assert attempts(store) == [("rejected", "unreadable", type(error).__name__)]
    (record,) = caplog.records
    assert record.exc_info is not None  # logged with its traceback
    assert record.exc_info[1] is error
    after = service.submit(sign(kit), Method.WEDGE)
    assert after.outcome is Outcome.ACCEPTED


def test_a_store_bug_in_the_checkin_write_is_recorded_as_unreadable(
    kit: PassKit, store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    buggy = BuggyStore(Database.open(tmp_path / "kiosk.db", synchronous="NORMAL"))
    service = CheckinService(buggy, PassVerifier(parse_jwks(kit.jwks())), clock, ACTIVITY)
    result = service.submit(sign(kit), Method.CAMERA)
    assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.UNREADABLE)
    assert attempts(store) == [("rejected", "unreadable", "TypeError")]
    assert store.records.checkins(ACTIVITY) == []  # the failed write left nothing half-done
    garbage = service.submit("not a pass", Method.CAMERA)  # rejections still decide normally
    assert garbage.reason is Reason.MALFORMED
    buggy.close()


def test_a_store_that_cannot_record_anything_still_returns_a_decision(
    kit: PassKit, tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    buggy = BuggyStore(Database.open(tmp_path / "b.db"), rejections_work=False)
    buggy.activities.ensure(ACTIVITY, "Beach", NOW.date())
    service = CheckinService(buggy, PassVerifier(parse_jwks(kit.jwks())), clock, ACTIVITY)
    with caplog.at_level(logging.ERROR, logger="kiosk.checkins"):
        result = service.submit(sign(kit), Method.CAMERA)
    assert (result.outcome, result.reason, result.attempt_id) == (
        Outcome.REJECTED,
        Reason.UNREADABLE,
        "",
    )
    assert [r.exc_info is not None for r in caplog.records] == [True, True]
    buggy.close()


def test_manual_records_have_the_same_boundary(
    kit: PassKit, store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    buggy = BuggyStore(Database.open(tmp_path / "kiosk.db", synchronous="NORMAL"))
    service = CheckinService(buggy, PassVerifier(parse_jwks(kit.jwks())), clock, ACTIVITY)
    by_id = service.record_manual("FR7K3M9Q2XPD", Method.MANUAL, reason="typed in")
    paper = service.record_manual(
        paper_registrant(), Method.PAPER, reason="form", paper=("山田", "0312345678", "131016")
    )
    for result in (by_id, paper):
        assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.UNREADABLE)
    assert [a[1] for a in attempts(store)] == ["unreadable", "unreadable"]
    assert {a.method for a in store.records.attempts(ACTIVITY)} == {"manual", "paper"}
    buggy.close()


def test_refused_input_is_one_recorded_decision(store: Store, kit: PassKit) -> None:
    service = CheckinService(store, PassVerifier(parse_jwks(kit.jwks())), FixedClock(NOW), ACTIVITY)
    result = service.refuse(Method.WEDGE, Reason.MALFORMED, "line longer than 8192 bytes\x1b[2J")
    assert (result.outcome, result.reason) == (Outcome.REJECTED, Reason.MALFORMED)
    assert attempts(store) == [("rejected", "malformed", "line longer than 8192 bytes")]
    assert result.latency_ms >= 0
