"""Pulls over real HTTP: activities (since), trust list (ETag), revocations (cursor), clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli.compose import build_services, sync_worker_for
from config.load import load_config
from config.secrets import (
    DEVICE_TOKEN,
    SERVER_DEVICE_ID,
    CredentialFileKeyring,
    SecretStore,
    SecretStoreError,
)
from kiosk.clock import SystemClock
from kiosk.models import Method, Reason
from kiosk.passes import load_jwks_file
from sync.client import ApiClient
from sync.enroll import EnrollmentFailed, enroll_device
from sync.pulls import ACTIVITIES_CURSOR, REVOCATIONS_CURSOR, STATEMENT_ETAG
from sync.worker import SyncWorker
from tests.e2e.sync.conftest import KioskFactory
from tests.e2e.sync.harness import Kiosk, ServerProcess


def _service(kiosk: Kiosk) -> SyncWorker:
    service = sync_worker_for(kiosk.services, kiosk.token)
    assert service is not None
    return service


def test_enrollment_keeps_the_token_out_of_config_and_database(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk(enroll=False)
    token = server.enroll_token()
    device = enroll_device(str(server.url), token, "kiosk-a", kiosk.secrets)
    assert device.startswith("dev-")
    assert kiosk.secrets.get(SERVER_DEVICE_ID) == device
    secret = kiosk.secrets.get(DEVICE_TOKEN)
    assert secret
    kiosk.services.checkins.submit(server.passes(1)[0], Method.CAMERA)
    service = _service(kiosk)
    service.run_once(pull=True)
    service.stop()
    for path in kiosk.directory.iterdir():  # config, database (+ WAL), trust list
        assert secret.encode() not in path.read_bytes(), path
    with pytest.raises(EnrollmentFailed, match="already used"):
        enroll_device(str(server.url), token, "kiosk-a", kiosk.secrets)
    with pytest.raises(EnrollmentFailed, match="unknown or expired"):
        enroll_device(str(server.url), "fke_wrong", "kiosk-a", kiosk.secrets)
    with pytest.raises(EnrollmentFailed, match="unreachable"):
        enroll_device("http://127.0.0.1:9", "fke_x", "kiosk-a", kiosk.secrets, timeout=2)
    assert kiosk.secrets.get(DEVICE_TOKEN) == secret  # failures leave the secret alone


def test_activities_are_pulled_incrementally(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    server.call("seed", activities=[{"id": "act-pull-1"}, {"id": "act-pull-2"}])
    kiosk = new_kiosk()
    service = _service(kiosk)
    first = service.run_once(pull=True)
    assert first.pulls.activities >= 3  # the configured one plus the two above
    assert kiosk.store.activities.get("act-pull-2") is not None
    cursor = kiosk.store.pulled.cursor(ACTIVITIES_CURSOR)
    assert cursor is not None
    server.call("seed", activities=[{"id": "act-pull-3", "name": "Festival"}])
    second = service.run_once(pull=True)
    service.stop()
    assert second.pulls.activities == 1  # only what changed since the cursor
    pulled = kiosk.store.activities.get("act-pull-3")
    assert pulled is not None
    assert pulled.designated
    assert int(kiosk.store.pulled.cursor(ACTIVITIES_CURSOR) or 0) > int(cursor)


def test_trust_statement_uses_etag_and_survives_a_restart_offline(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk()
    provisioned = (kiosk.directory / "jwks.json").read_bytes()
    service = _service(kiosk)
    first = service.run_once(pull=True)
    assert first.pulls.trust == "accepted"
    assert first.pulls.trust_sequence is not None
    etag = kiosk.store.pulled.cursor(STATEMENT_ETAG)
    assert etag
    with ApiClient(str(server.url), timeout=5, token=kiosk.token()) as fresh:
        fresh.trust_statement(etag=etag)  # no health call: Date header only
        assert fresh.server_time is not None
        assert fresh.server_time.uncertainty_s >= 0.5  # whole seconds
        assert abs(fresh.server_time.offset.total_seconds()) < 2
    second = service.run_once(pull=True)
    assert second.pulls.trust == "unchanged"
    assert second.pulls.trust_sequence == first.pulls.trust_sequence
    server.call("rotate_key")
    rotated_pass = server.passes(1)[0]
    old_verifier_result = kiosk.services.verifier.verify(
        rotated_pass, datetime.now(UTC).timestamp()
    )
    assert old_verifier_result.reason == Reason.UNKNOWN_KEY
    third = service.run_once(pull=True)
    service.stop()
    assert third.pulls.trust == "accepted"
    assert (third.pulls.trust_sequence or 0) > (first.pulls.trust_sequence or 0)
    assert kiosk.store.pulled.cursor(STATEMENT_ETAG) != etag
    saved = kiosk.store.trust.saved()
    assert saved is not None
    assert saved.sequence == third.pulls.trust_sequence
    assert saved.key_count == len(server.jwks()["keys"]) >= 2
    # the provisioned file is never written: the statement lives in the database
    assert (kiosk.directory / "jwks.json").read_bytes() == provisioned
    assert len(load_jwks_file(kiosk.directory / "jwks.json")) == 1
    # a restart without network verifies passes signed with the new key
    kiosk.close()
    server.faults(offline=True)
    restarted = build_services(load_config(kiosk.config_path))
    try:
        result = restarted.checkins.submit(rotated_pass, Method.CAMERA)
        assert result.outcome == "accepted"
    finally:
        restarted.close()


def test_revoked_pass_is_rejected_offline_after_a_pull_and_a_restart(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk()
    by_jti, by_sub, fine = server.passes(3)
    jti = json.loads(_payload(by_jti))["jti"]
    sub = json.loads(_payload(by_sub))["sub"]
    server.call("revoke", jti=jti)
    server.call("revoke", sub=sub)
    service = _service(kiosk)
    report = service.run_once(pull=True)
    service.stop()
    assert report.pulls.trust == "accepted"  # the signed statement carries every revocation
    assert report.pulls.revoked_added == 0  # the unsigned list is not even pulled
    assert kiosk.store.pulled.cursor(REVOCATIONS_CURSOR) is None
    server.faults(offline=True)  # from here on the kiosk is offline
    gate = kiosk.services.checkins
    assert gate.submit(by_jti, Method.CAMERA).reason == Reason.REVOKED
    assert gate.submit(by_sub, Method.CAMERA).reason == Reason.REVOKED
    assert gate.submit(fine, Method.CAMERA).outcome == "accepted"
    kiosk.close()
    restarted = build_services(load_config(kiosk.config_path))
    try:
        again = restarted.checkins.submit(by_jti, Method.WEDGE)
        assert again.reason == Reason.REVOKED
    finally:
        restarted.close()


def test_without_a_pin_revocations_are_pulled_unsigned_and_keys_never_change(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk(anchor=None)
    by_jti, fine = server.passes(2)
    server.call("revoke", jti=json.loads(_payload(by_jti))["jti"])
    server.call("rotate_key")
    rotated = server.passes(1)[0]
    service = _service(kiosk)
    report = service.run_once(pull=True)
    service.stop()
    assert report.pulls.trust == "not_pinned"
    assert report.pulls.revoked_added >= 1
    assert kiosk.store.pulled.cursor(REVOCATIONS_CURSOR)
    assert kiosk.store.trust.saved() is None
    gate = kiosk.services.checkins
    assert gate.submit(by_jti, Method.CAMERA).reason == Reason.REVOKED
    assert gate.submit(fine, Method.CAMERA).outcome == "accepted"
    # a new pass key reaches an unpinned kiosk only through its provisioned file
    assert gate.submit(rotated, Method.CAMERA).reason == Reason.UNKNOWN_KEY
    kiosk.close()
    restarted = build_services(load_config(kiosk.config_path))
    try:
        assert restarted.checkins.submit(by_jti, Method.WEDGE).reason == Reason.REVOKED
    finally:
        restarted.close()


def _payload(token: str) -> str:
    import base64

    part = token.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()


class SkewedClock(SystemClock):
    """A Raspberry Pi after a cold boot without network: two hours off, not NTP-synced."""

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(hours=2)


def test_clock_offset_from_the_server_corrects_untrusted_times(
    server: ServerProcess, new_kiosk: KioskFactory
) -> None:
    kiosk = new_kiosk()
    kiosk.close()
    clock = SkewedClock(ntp_synced=False)
    services = build_services(load_config(kiosk.config_path), clock=clock)
    try:
        early = services.checkins.submit(server.passes(1)[0], Method.CAMERA)
        stored = services.store.records.checkin(str(early.checkin_id))
        assert stored is not None
        assert not stored.clock_trusted
        assert stored.scanned_at_corrected is None
        service = sync_worker_for(services, kiosk.token)
        assert service is not None
        report = service.run_once(pull=True)
        assert report.offset is not None
        assert abs(report.offset.total_seconds() + 7200) < 5
        assert clock.offset == report.offset
        assert clock.trusted
        late = services.checkins.submit(server.passes(1)[0], Method.CAMERA)
        service.run_once()
        service.stop()
        times = server.call("checkin_times")["times"]
        now = datetime.now(UTC)
        for checkin_id in (early.checkin_id, late.checkin_id):
            raw, corrected, _trusted = times[checkin_id]
            assert abs((datetime.fromisoformat(raw) - now).total_seconds() - 7200) < 60
            assert corrected is not None
            assert abs((now - datetime.fromisoformat(corrected)).total_seconds()) < 60
        assert times[early.checkin_id][2] is False
        assert times[late.checkin_id][2] is True
    finally:
        services.close()


def test_enrollment_does_not_burn_the_token_when_secrets_cannot_be_stored(
    server: ServerProcess, new_kiosk: KioskFactory, tmp_path: Path
) -> None:
    kiosk = new_kiosk(enroll=False)
    locked = tmp_path / "open-credentials"
    locked.mkdir(mode=0o755)
    locked.chmod(0o755)  # group/other access: the credential file backend refuses it
    broken = SecretStore("kiosk-a", backend=CredentialFileKeyring(locked))
    token = server.enroll_token()
    with pytest.raises(SecretStoreError, match="chmod 0700"):
        enroll_device(str(server.url), token, "kiosk-a", broken)
    device = enroll_device(str(server.url), token, "kiosk-a", kiosk.secrets)  # still usable
    assert device.startswith("dev-")
