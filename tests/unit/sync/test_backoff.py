"""sync.backoff: full-jitter exponential backoff and online/offline detection."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.backoff import MAX_RETRY_AFTER_S, Backoff, OnlineTracker


def test_full_jitter_grows_exponentially_up_to_the_cap() -> None:
    backoff = Backoff(base=0.5, cap=8.0, rng=random.Random(1))
    ceilings = []
    for _ in range(8):
        ceilings.append(backoff.ceiling())
        backoff.next_delay()
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    backoff.reset()
    assert backoff.ceiling() == 0.5


@given(seed=st.integers(0, 2**32), attempts=st.integers(0, 80))
def test_delays_stay_within_zero_and_the_ceiling(seed: int, attempts: int) -> None:
    backoff = Backoff(base=0.25, cap=30.0, rng=random.Random(seed))
    for _ in range(attempts):
        ceiling = backoff.ceiling()
        assert 0.0 <= backoff.next_delay() <= ceiling <= 30.0


def test_jitter_spreads_retries() -> None:
    delays = {Backoff(base=1, cap=60, rng=random.Random(s)).next_delay() for s in range(50)}
    assert len(delays) == 50  # kiosks that failed together do not retry together


def test_retry_after_is_a_floor() -> None:
    backoff = Backoff(base=0.1, cap=0.2, rng=random.Random(3))
    assert backoff.next_delay(retry_after=7) == 7
    assert backoff.next_delay(retry_after=10**9) == MAX_RETRY_AFTER_S
    assert backoff.next_delay(retry_after=0) <= 0.2


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="base"):
        Backoff(base=0)
    with pytest.raises(ValueError, match="failures"):
        OnlineTracker(window=5, failures=6)


def test_offline_after_two_of_the_last_five_failures_online_on_first_success() -> None:
    changes: list[bool] = []
    tracker = OnlineTracker(on_change=changes.append)
    assert tracker.online
    assert tracker.record(False) is True  # one failure is not enough
    assert tracker.record(True) is True
    assert tracker.record(False) is False  # two of the last five
    assert tracker.record(False) is False
    assert tracker.record(True) is True  # first success: back online
    assert changes == [False, True]


def test_failures_further_apart_than_the_window_do_not_go_offline() -> None:
    tracker = OnlineTracker()
    for _ in range(10):
        tracker.record(False)
        for _ in range(5):
            assert tracker.record(True)
    assert tracker.online
