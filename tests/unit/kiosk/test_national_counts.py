"""The national system's counts: shape checks on the API answer, the store round trip, and
whether a receipt states the same activity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.national_counts import NationalCounts, refresh_counts, stored_counts
from kiosk.store import Store

AT = datetime(2026, 11, 23, 5, tzinfo=UTC)
DIGEST = "a" * 64


def body(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "activity_id": "act-1",
        "date": "2026-11-23",
        "total": 5,
        "gate": 3,
        "app": 2,
        "by_method": {"camera": 2, "wedge": 0, "manual": 1, "paper": 0, "app": 2},
        "digest": DIGEST,
    }
    return doc | changes


@pytest.mark.parametrize(
    "bad",
    [
        {"total": 6},  # gate + app != total
        {"app": -1},
        {"app": True},
        {"digest": "short"},
        {"by_method": {"camera": "2"}},
        {"by_method": None},
        {"activity_id": "act-2"},
    ],
)
def test_malformed_answers_are_refused(bad: dict[str, Any]) -> None:
    assert NationalCounts.from_api("act-1", body(**bad), AT) is None


def test_fetch_keep_and_compare_with_a_receipt(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "k.db")
    counts = refresh_counts(store, "act-1", lambda _id: body(), AT)
    assert isinstance(counts, NationalCounts)
    assert stored_counts(store, "act-1") == counts
    receipt = {"app_count": 2, "by_method": dict(counts.by_method), "activity_digest": DIGEST}
    assert counts.matches_receipt(receipt) is True
    assert counts.matches_receipt({**receipt, "app_count": 3}) is False
    assert counts.matches_receipt({**receipt, "activity_digest": "b" * 64}) is False
    assert counts.matches_receipt({"digest_match": True}) is None  # a receipt from before
    assert counts.matches_receipt(None) is None

    def offline(_id: str) -> dict[str, Any]:
        raise ConnectionError("network unreachable")

    assert refresh_counts(store, "act-1", offline, AT) == "network unreachable"
    assert stored_counts(store, "act-1") == counts  # the last good counts stay
    malformed = refresh_counts(store, "act-1", lambda _id: body(total=9), AT)
    assert isinstance(malformed, str)
    assert malformed.startswith("the national")
