"""Debounce on an explicit timeline (no clock, no sleeps)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.scan.debounce import Debouncer


def test_a_held_code_is_submitted_once() -> None:
    debouncer = Debouncer(rearm_s=3.0)
    admitted = [debouncer.admit("A", t / 30) for t in range(30 * 60)]  # held for a minute
    assert admitted.count(True) == 1
    assert admitted[0] is True


def test_a_different_code_is_admitted_immediately() -> None:
    debouncer = Debouncer(rearm_s=3.0)
    assert debouncer.admit("A", 0.0)
    assert debouncer.admit("B", 0.01)
    assert not debouncer.admit("A", 0.02)


def test_a_code_that_leaves_and_returns_after_rearm_is_submitted_again() -> None:
    debouncer = Debouncer(rearm_s=2.0)
    assert debouncer.admit("A", 0.0)
    assert not debouncer.admit("A", 1.0)  # still in view
    assert not debouncer.admit("A", 2.5)  # 1.5 s since last seen: within re-arm
    assert debouncer.admit("A", 5.0)  # away 2.5 s: re-armed


def test_reset_forgets_everything_and_negative_rearm_is_refused() -> None:
    debouncer = Debouncer(rearm_s=10.0)
    assert debouncer.admit("A", 0.0)
    debouncer.reset()
    assert debouncer.admit("A", 0.1)
    with pytest.raises(ValueError, match="rearm"):
        Debouncer(rearm_s=-1)


def test_many_distinct_codes_do_not_grow_memory_without_bound() -> None:
    debouncer = Debouncer(rearm_s=1.0)
    for n in range(10_000):
        assert debouncer.admit(f"code-{n}", n * 0.5)
    assert len(debouncer._last_seen) <= 65


@given(
    st.lists(st.tuples(st.sampled_from("ABC"), st.floats(min_value=0, max_value=0.5)), max_size=60),
    st.floats(min_value=0.1, max_value=5.0),
)
def test_admissions_are_never_closer_than_rearm_for_the_same_code(
    sightings: list[tuple[str, float]], rearm: float
) -> None:
    debouncer = Debouncer(rearm)
    now = 0.0
    admitted: dict[str, list[float]] = {}
    last_seen: dict[str, float] = {}
    for code, step in sightings:
        now += step
        ok = debouncer.admit(code, now)
        expected = code not in last_seen or now - last_seen[code] >= rearm
        assert ok == expected
        last_seen[code] = now
        if ok:
            admitted.setdefault(code, []).append(now)
    for times in admitted.values():
        assert all(b - a >= rearm for a, b in itertools.pairwise(times))
