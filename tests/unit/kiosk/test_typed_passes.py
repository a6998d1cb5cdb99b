"""A pass typed by a scanner with the wrong keyboard settings is still decided as that pass —
and only typed lines are corrected: a camera reads what the code holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.checkins import CheckinService
from kiosk.clock import FixedClock
from kiosk.keyboard_layout import Mismatch, typed
from kiosk.models import Method, Outcome, Reason
from kiosk.passes import PassVerifier, parse_jwks
from kiosk.store import Store
from kiosk.typed_passes import verify_typed
from tests.passkit import PassKit

ACTIVITY = "act-keyboard"
NOW = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
US_ON_JIS = (Mismatch.US_ON_JIS,)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "kiosk.db", synchronous="NORMAL")
    opened.activities.ensure(ACTIVITY, "Beach", NOW.date())
    yield opened
    opened.close()


@pytest.fixture
def service(kit: PassKit, store: Store) -> CheckinService:
    return CheckinService(store, PassVerifier(parse_jwks(kit.jwks())), FixedClock(NOW), ACTIVITY)


def pass_with_underscore(kit: PassKit, sub: str = "FR7K3M9Q2XPD", *, exp_days: int = 1) -> str:
    """A valid pass whose text holds `_` (most do; the jti varies until one does)."""
    now = int(NOW.timestamp())
    exp = now + exp_days * 86400
    for n in range(1000):
        token = kit.sign(sub=sub, iat=min(now, exp) - 60, exp=exp, jti=f"jti-{n}")
        if "_" in token:
            return token
    raise AssertionError("no pass with '_' in 1000 tries")


def test_a_us_scanner_on_a_jis_kiosk_is_read_and_noted(
    kit: PassKit, store: Store, service: CheckinService
) -> None:
    meant = pass_with_underscore(kit)
    arrived = typed(Mismatch.US_ON_JIS, meant)
    assert "_" not in arrived
    assert arrived != meant
    result = service.submit(arrived + "\n", Method.WEDGE)
    assert (result.outcome, result.reason, result.corrected) == (
        Outcome.ACCEPTED,
        None,
        US_ON_JIS,
    )
    (checkin,) = store.records.checkins(ACTIVITY)
    assert checkin.pass_token == meant  # the pass as issued, not as typed
    (attempt,) = store.records.attempts(ACTIVITY)
    assert attempt.detail == "scanner keyboard corrected: us_on_jis"
    again = service.submit(typed(Mismatch.US_ON_JIS, meant), Method.WEDGE)
    assert (again.outcome, again.corrected) == (Outcome.DUPLICATE, US_ON_JIS)
    assert store.records.keyboard_corrections(ACTIVITY) == {US_ON_JIS: 2}


@pytest.mark.parametrize(
    "combo",
    [(Mismatch.CAPS_LOCK,), (Mismatch.FULL_WIDTH,), (Mismatch.US_ON_JIS, Mismatch.CAPS_LOCK)],
    ids=lambda combo: "+".join(m.value for m in combo),
)
def test_caps_lock_and_full_width_are_read_too(
    kit: PassKit, service: CheckinService, combo: tuple[Mismatch, ...]
) -> None:
    arrived = pass_with_underscore(kit)
    for mismatch in combo:
        arrived = typed(mismatch, arrived)
    result = service.submit(arrived, Method.WEDGE)
    assert result.outcome is Outcome.ACCEPTED
    assert set(result.corrected) == set(combo)


def test_a_corrected_expired_pass_is_refused_for_what_it_says(
    kit: PassKit, store: Store, service: CheckinService
) -> None:
    expired = pass_with_underscore(kit, exp_days=-1)
    result = service.submit(typed(Mismatch.US_ON_JIS, expired), Method.WEDGE)
    assert (result.outcome, result.reason, result.corrected) == (
        Outcome.REJECTED,
        Reason.EXPIRED,
        US_ON_JIS,
    )
    (attempt,) = store.records.attempts(ACTIVITY)
    assert attempt.detail.startswith("scanner keyboard corrected: us_on_jis")


def test_the_camera_is_not_corrected(kit: PassKit, store: Store, service: CheckinService) -> None:
    result = service.submit(typed(Mismatch.US_ON_JIS, pass_with_underscore(kit)), Method.CAMERA)
    assert (result.outcome, result.corrected) == (Outcome.REJECTED, ())
    assert store.records.keyboard_corrections(ACTIVITY) == {}


def test_a_lost_underscore_stays_a_rejection(
    kit: PassKit, store: Store, service: CheckinService
) -> None:
    result = service.submit(typed(Mismatch.JIS_ON_US, pass_with_underscore(kit)), Method.WEDGE)
    assert result.outcome is Outcome.REJECTED
    assert result.reason in (Reason.BAD_ENCODING, Reason.BAD_SIGNATURE, Reason.MALFORMED)
    assert result.corrected == ()
    assert store.records.checkins(ACTIVITY) == []


@given(st.text(alphabet="=_-.abcXYZ019ＡＢ＿", max_size=120))
def test_no_correction_makes_a_pass_out_of_other_text(line: str) -> None:
    """Corrections are verified like any pass: text that is no signed pass stays refused."""
    verifier = PassVerifier(parse_jwks(PassKit().jwks()))
    read = verify_typed(verifier, line, NOW.timestamp())
    assert not read.verification.ok
    assert read.corrected == ()
