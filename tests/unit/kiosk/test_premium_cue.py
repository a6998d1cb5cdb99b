"""The premium cue: designated or not, and by one of the registrant's municipalities?"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.models import Method, PremiumCue
from kiosk.passes import PassVerifier, parse_jwks
from kiosk.premium_cue import activity_cue, registrant_cue
from kiosk.store import Store
from kiosk.store.tables import Activity
from tests.passkit import PassKit
from tests.trustkit import NOW

CHIYODA, SAPPORO = "131016", "011002"


def activity(*, municipality: str = CHIYODA, designated: bool = True) -> Activity:
    return Activity(
        id="act-1", name="x", date="2026-11-23", municipality=municipality, designated=designated
    )


@pytest.mark.parametrize(
    ("row", "mun", "start", "banner"),
    [
        (activity(), [CHIYODA], PremiumCue.DESIGNATED, PremiumCue.YOURS),
        (activity(), [SAPPORO, CHIYODA], PremiumCue.DESIGNATED, PremiumCue.YOURS),
        (activity(), [SAPPORO], PremiumCue.DESIGNATED, PremiumCue.OTHER),
        (activity(), [], PremiumCue.DESIGNATED, PremiumCue.OTHER),
        (
            activity(designated=False),
            [CHIYODA],
            PremiumCue.NOT_DESIGNATED,
            PremiumCue.NOT_DESIGNATED,
        ),
        (activity(municipality=""), [CHIYODA], PremiumCue.UNKNOWN, PremiumCue.UNKNOWN),
        (None, [CHIYODA], PremiumCue.UNKNOWN, PremiumCue.UNKNOWN),
    ],
)
def test_cues(row: Activity | None, mun: list[str], start: PremiumCue, banner: PremiumCue) -> None:
    assert activity_cue(row) is start
    assert registrant_cue(row, mun) is banner


def test_each_accepted_scan_carries_its_cue(tmp_path: Path, kit: PassKit) -> None:
    store = Store.open(tmp_path / "k.db")
    store.activities.upsert(activity())
    clock = FixedClock(datetime.fromtimestamp(NOW, UTC))
    service = CheckinService(store, PassVerifier(parse_jwks(kit.jwks())), clock, "act-1")
    mine = kit.sign(mun=[CHIYODA], iat=NOW - 60, exp=NOW + 3600)
    elsewhere = kit.sign(mun=[SAPPORO], iat=NOW - 60, exp=NOW + 3600)
    first = service.submit(mine, Method.CAMERA)
    assert first.premium is PremiumCue.YOURS
    assert first.to_json()["premium"] == "yours"
    assert service.submit(elsewhere, Method.WEDGE).premium is PremiumCue.OTHER
    assert service.submit(mine, Method.CAMERA).premium is None  # a duplicate: no cue
    assert service.submit("not a pass", Method.CAMERA).premium is None
