"""`kiosk doctor`'s pending check: check-ins and corrections not yet at the national API."""

from __future__ import annotations

from pathlib import Path

from cli.doctor import Context, Status
from cli.doctor.storage import pending
from config.load import load_config
from kiosk.clock import FixedClock
from tests.builders import checkin_service
from tests.devices import ACTIVITY, T0, device_config, scan_many
from tests.passkit import PassKit

API = '[api]\nurl = "https://api.example.invalid"\n'


def doctor_context(config: Path) -> Context:
    return Context(config=load_config(config), config_path=config, config_error=None, environ={})


def test_a_void_waiting_for_upload_is_reported(
    tmp_path: Path, jwks_file: Path, kit: PassKit
) -> None:
    database = tmp_path / "data" / "kiosk.db"
    config = device_config(tmp_path, jwks_file, extra=API, database=database)
    service = checkin_service(database, jwks_file, ACTIVITY, clock=FixedClock(T0))
    try:
        first, second = scan_many(service, kit, 2)
        assert pending(doctor_context(config)).status is Status.WARN  # 2 check-ins waiting
        service.store.outbox.claim_batch(10, at=T0)  # they went out; the server answered
        service.store.outbox.apply_results(
            [(first, "accepted", None), (second, "accepted", None)], at=T0
        )
        assert pending(doctor_context(config)).status is Status.OK
        service.undo(first)  # after upload: a correction must reach the server
    finally:
        service.store.close()
    result = pending(doctor_context(config))
    assert result.status is Status.WARN
    assert "1 voids/restores" in result.summary
    assert "check-ins" not in result.summary
    assert result.details["corrections"] == 1
