"""Coordinator PIN hashing and lock-out (kiosk.pin)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.pin import (
    PinCheck,
    PinGate,
    PinPolicyError,
    check_pin_policy,
    hash_pin,
    verify_pin,
)
from kiosk.store import Store

FAST = {"n": 2**4}  # a real scrypt, cheap parameters, so the suite stays fast


def test_hash_is_salted_encoded_and_never_contains_the_pin() -> None:
    first, second = hash_pin("482913"), hash_pin("482913")
    assert first != second  # a new salt each time
    assert first.startswith("scrypt$16384$8$1$")
    assert "482913" not in first
    assert verify_pin("482913", first)
    assert verify_pin("482913", second)
    assert not verify_pin("482914", first)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plain",
        "bcrypt$1$2$3$4$5",
        "scrypt$16384$8$1$!!$!!",
        "scrypt$1000$8$1$AAAA$AAAA",  # n not a power of two
        "scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44,  # would exhaust memory
    ],
)
def test_malformed_or_hostile_hashes_do_not_verify(encoded: str) -> None:
    assert verify_pin("1234", encoded) is False


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("12a4", "digits 0-9 only"),
        ("１２３４", "digits 0-9 only"),  # full-width digits
        ("739", "4 to 12 digits"),
        ("7391047391047", "4 to 12 digits"),
        ("0000", "too easy"),
        ("1234", "too easy"),
        ("987654", "too easy"),
    ],
)
def test_pin_policy(pin: str, message: str) -> None:
    with pytest.raises(PinPolicyError, match=message):
        check_pin_policy(pin)
    assert check_pin_policy("739104", min_length=6) == "739104"


class FakeClock:
    """Monotonic seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def gate(clock: FakeClock, stored: str | None = None) -> PinGate:
    encoded = stored if stored is not None else hash_pin("739104", **FAST)
    return PinGate(
        lambda: encoded, max_failures=3, lockout_seconds=30, lockout_max_seconds=100, clock=clock
    )


def test_correct_pin_opens_and_resets_failures() -> None:
    clock = FakeClock()
    g = gate(clock)
    assert g.attempt("000001").result is PinCheck.WRONG
    result = g.attempt("739104")
    assert result.ok
    assert result.failures == 0
    assert g.failures == 0


def test_lockout_after_repeated_failures_with_exponential_backoff() -> None:
    clock = FakeClock()
    g = gate(clock)
    assert [g.attempt("111112").locked_for for _ in range(2)] == [0.0, 0.0]
    third = g.attempt("111112")
    assert (third.result, third.failures, third.locked_for) == (PinCheck.WRONG, 3, 30.0)
    # locked: even the right PIN is not checked
    locked = g.attempt("739104")
    assert locked.result is PinCheck.LOCKED
    assert locked.locked_for == 30.0
    clock.now += 29.5
    assert g.attempt("739104").result is PinCheck.LOCKED
    clock.now += 0.5
    assert g.attempt("222223").locked_for == 60.0  # doubled
    clock.now += 60
    assert g.attempt("222223").locked_for == 100.0  # capped at lockout_max_seconds
    clock.now += 100
    assert g.attempt("222223").locked_for == 100.0
    clock.now += 100
    assert g.attempt("739104").ok
    assert g.locked_for() == 0.0


def test_no_provisioned_pin_never_opens() -> None:
    clock = FakeClock()
    g = PinGate(lambda: None, max_failures=2, clock=clock)
    assert g.attempt("739104").result is PinCheck.WRONG


def test_gate_rejects_nonsense_policy() -> None:
    with pytest.raises(ValueError, match="max_failures"):
        PinGate(lambda: None, max_failures=0)
    with pytest.raises(ValueError, match="lockout"):
        PinGate(lambda: None, lockout_seconds=60, lockout_max_seconds=30)


def test_gate_from_the_config_policy() -> None:
    from config.schema import CoordinatorSection

    clock = FakeClock()
    section = CoordinatorSection(max_failures=2, lockout_seconds=10, lockout_max_seconds=20)
    g = PinGate.from_config(section, lambda: hash_pin("739104", **FAST), clock=clock)
    assert g.attempt("1").locked_for == 0.0
    assert g.attempt("2").locked_for == 10.0


def remembering_gate(path: Path, clock: FakeClock, wall: FakeClock) -> tuple[PinGate, Store]:
    """A gate as `kiosk run` builds it after a (re)start: its memory is the database."""
    store = Store.open(path)
    encoded = hash_pin("739104", **FAST)
    g = PinGate(
        lambda: encoded,
        max_failures=3,
        lockout_seconds=30,
        lockout_max_seconds=100,
        clock=clock,
        wall=wall,
        memory=store.pin_lockout,
    )
    return g, store


def test_failures_and_lockout_survive_a_restart(tmp_path: Path) -> None:
    wall = FakeClock()
    wall.now = 1_800_000_000.0
    g, store = remembering_gate(tmp_path / "k.db", FakeClock(), wall)
    for _ in range(3):
        g.attempt("111112")
    assert g.locked_for() == 30.0
    store.close()

    wall.now += 10  # the process restarts 10 s later; monotonic time starts anew
    boot = FakeClock()
    boot.now = 7.0
    again, store = remembering_gate(tmp_path / "k.db", boot, wall)
    assert again.failures == 3
    assert again.locked_for() == 20.0
    assert again.attempt("739104").result is PinCheck.LOCKED
    boot.now += 20
    assert again.attempt("222223").locked_for == 60.0  # the fourth failure: doubled
    boot.now += 60
    assert again.attempt("739104").ok
    store.close()

    fresh, store = remembering_gate(tmp_path / "k.db", FakeClock(), wall)
    assert (fresh.failures, fresh.locked_for()) == (0, 0.0)  # the right PIN reset the memory
    store.close()


def test_a_remembered_deadline_never_locks_longer_than_the_longest_lockout(
    tmp_path: Path,
) -> None:
    wall = FakeClock()
    wall.now = 4_000_000_000.0  # the clock was far ahead when the lock-out started
    g, store = remembering_gate(tmp_path / "k.db", FakeClock(), wall)
    for _ in range(3):
        g.attempt("111112")
    store.close()
    wall.now = 1_800_000_000.0  # then corrected
    again, store = remembering_gate(tmp_path / "k.db", FakeClock(), wall)
    assert again.locked_for() == 100.0  # lockout_max_seconds, not decades
    store.close()
